//! `models.rs`: one serde type per named IR type.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::names::{Namespace, camel, ident, snake};
use super::types::{Aliases, RustTypes, Scope};
use super::{TargetError, docs, error};
use crate::ir::{
    EnumDef, EnumValues, Field, IntFormat, StructDef, Ty, TypeDef, TypeDefKind, UnionDef,
};

pub fn render(rs: &RustTypes) -> Result<TokenStream, TargetError> {
    let mut items = Vec::new();
    let mut uses_deserialize_some = false;
    let mut reencode_arms = Vec::new();
    let mut aliases = Aliases::new(rs.names.model_namespace());
    for def in &rs.api.types {
        let (name, ty) = (&def.name, rs.type_ident(&def.name)?);
        let tag = match &def.kind {
            TypeDefKind::Struct(StructDef { tag: Some(t), .. }) => {
                let (property, value) = (&t.property, &t.value);
                quote!(Some((#property, #value)))
            }
            _ => quote!(None),
        };
        reencode_arms.push(quote!(#name => reencode_as::<#ty>(value, #tag),));
        let item = match &def.kind {
            TypeDefKind::Struct(s) => {
                let (item, some) = struct_item(rs, def, s, &mut aliases)?;
                uses_deserialize_some |= some;
                item
            }
            TypeDefKind::Enum(e) => enum_item(rs, def, e)?,
            TypeDefKind::Union(u) => union_item(rs, def, u)?,
            TypeDefKind::Alias(ty) => alias_item(rs, def, ty, &mut aliases)?,
        };
        items.extend(aliases.take());
        items.push(item);
    }
    let helper = uses_deserialize_some.then(|| {
        quote! {
            /// Deserializes a present value (even `null`) as `Some`, so that an optional
            /// nullable property keeps "absent" (`None`) and "null" (`Some(None)`) apart.
            fn deserialize_some<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
            where
                T: serde::Deserialize<'de>,
                D: serde::Deserializer<'de>,
            {
                <T as serde::Deserialize<'de>>::deserialize(deserializer).map(Some)
            }
        }
    });
    // Without schemas, `match name { _ => return None }` trips clippy and
    // `reencode_as` is never used.
    let (reencode_body, reencode_as) = if reencode_arms.is_empty() {
        (
            quote! {
                let _ = (name, value);
                None
            },
            None,
        )
    } else {
        (
            quote! {
                Some(match name {
                    #(#reencode_arms)*
                    _ => return None,
                })
            },
            Some(quote! {
                fn reencode_as<T: serde::Serialize + serde::de::DeserializeOwned>(
                    value: &serde_json::Value,
                    tag: Option<(&str, &str)>,
                ) -> Result<serde_json::Value, serde_json::Error> {
                    let model = <T as serde::Deserialize>::deserialize(value)?;
                    let mut encoded = serde_json::to_value(&model)?;
                    if let (Some((property, tag)), Some(object)) = (tag, encoded.as_object_mut()) {
                        object.insert(property.to_owned(), serde_json::Value::String(tag.to_owned()));
                    }
                    Ok(encoded)
                }
            }),
        )
    };
    let file = super::forms::has_files(rs).then(super::forms::file_model);
    Ok(quote! {
        //! The spec's named types. Decoding does not check constraints: run
        //! `validate()` (or the validator in `crate::validation` on the raw JSON) for that.
        #(#items)*

        #file

        /// Decodes `value` as the model of the schema called `name` (as in the spec) and
        /// encodes it again; `None` if the spec has no schema of that name. Properties
        /// the model does not declare are dropped; a union variant gets its tag back,
        /// which its struct implies rather than holds.
        pub fn reencode(name: &str, value: &serde_json::Value) -> Option<Result<serde_json::Value, serde_json::Error>> {
            #reencode_body
        }

        #reencode_as
        #helper
    })
}

/// The `validate()` method every model gets.
fn validate_impl(
    rs: &RustTypes,
    def: &TypeDef,
    tag: Option<(&str, &str)>,
) -> Result<TokenStream, TargetError> {
    let name = rs.type_ident(&def.name)?;
    let validator = rs.validator(&def.name)?;
    let tag = match tag {
        Some((property, value)) => quote!(Some((#property, #value))),
        None => quote!(None),
    };
    Ok(quote! {
        impl #name {
            /// Checks this value against the schema, returning the violations (the first
            /// `MAX_VIOLATIONS` listed, the others counted).
            pub fn validate(&self) -> Result<(), crate::validation::Violations> {
                crate::validation::validate_model(self, #tag, crate::validation::#validator)
            }
        }
    })
}

fn struct_item(
    rs: &RustTypes,
    def: &TypeDef,
    s: &StructDef,
    aliases: &mut Aliases,
) -> Result<(TokenStream, bool), TargetError> {
    let name = rs.type_ident(&def.name)?;
    let doc = docs(def.description.as_deref());
    let mut fields_ns = Namespace::snake();
    let mut fields = Vec::new();
    let mut uses_some = false;
    for field in &s.fields {
        let (tokens, some) = field_item(rs, def, field, &mut fields_ns, aliases)?;
        uses_some |= some;
        fields.push(tokens);
    }
    if let Some(extra) = &s.additional_properties {
        let id = ident(&fields_ns.claim("additional_properties"));
        let value = rs.ty(extra, Scope::Models)?;
        let ty = aliases.written(
            &format!("{name}AdditionalProperties"),
            &too_complex(&format!("{name}::{id}")),
            quote!(std::collections::BTreeMap<String, #value>),
            |ty| ty,
        );
        fields.push(quote! {
            /// The properties not declared above.
            #[serde(flatten)]
            pub #id: #ty,
        });
    }
    let tag = s
        .tag
        .as_ref()
        .map(|t| (t.property.as_str(), t.value.as_str()));
    let tag_doc = s.tag.as_ref().map(|t| {
        let line = format!(
            " On the wire this variant carries `\"{}\": \"{}\"`.",
            t.property, t.value
        );
        quote!(#[doc = ""] #[doc = #line])
    });
    let validate = validate_impl(rs, def, tag)?;
    Ok((
        quote! {
            #doc
            #tag_doc
            #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
            pub struct #name {
                #(#fields)*
            }
            #validate
        },
        uses_some,
    ))
}

/// The doc line of the type alias of `what`'s type.
fn too_complex(what: &str) -> String {
    format!("The type of `{what}`, named here as it is too complex to write in place.")
}

/// A struct field; the flag says whether it uses `deserialize_some`.
fn field_item(
    rs: &RustTypes,
    owner: &TypeDef,
    field: &Field,
    ns: &mut Namespace,
    aliases: &mut Aliases,
) -> Result<(TokenStream, bool), TargetError> {
    let name = ns.claim(&snake(&field.name, "field"));
    let id = ident(&name);
    let mut doc = docs(field.description.as_deref());
    if field.deprecated {
        doc = quote!(#doc #[doc = ""] #[doc = " Deprecated."]);
    }
    let wire = &field.name;
    // serde names a raw identifier (`r#type`) without its `r#`.
    let serde_name = id.to_string().trim_start_matches("r#").to_owned();
    let rename = (serde_name != *wire).then(|| quote!(#[serde(rename = #wire)]));
    let boxed = rs.needs_box(&owner.name, &field.ty);
    let owner_ty = rs.type_ident(&owner.name)?;
    let alias = format!("{owner_ty}{}", camel(&field.name, "Field"));
    let what = too_complex(&format!("{owner_ty}::{id}"));
    let inner = match super::forms::file_field_ty(rs, &owner.name, field, Scope::Models) {
        Some(file) => file,
        None => rs.field_ty(field, Scope::Models, boxed)?,
    };
    if field.required {
        let ty = aliases.written(&alias, &what, inner, |ty| ty);
        return Ok((quote!(#doc #rename pub #id: #ty,), false));
    }
    let ty = aliases.written(&alias, &what, inner, |ty| quote!(Option<#ty>));
    let some = rs.admits_null(&field.ty);
    let deserialize_with = some.then(|| quote!(, deserialize_with = "deserialize_some"));
    Ok((
        quote! {
            #doc
            #rename
            #[serde(default, skip_serializing_if = "Option::is_none" #deserialize_with)]
            pub #id: #ty,
        },
        some,
    ))
}

/// The Rust variant names of an enum's values, in order. A string becomes its
/// UpperCamelCase form (`in_progress` -> `InProgress`); a number becomes `V`
/// followed by its digits as the spec writes them, with `Minus` for a minus sign,
/// `_` for the decimal point and `e` for the exponent (`1` -> `V1`, `-1` ->
/// `Minus1`, `0.5` -> `V0_5`, `1.5e-7` -> `V1_5eMinus7`). Clashes get a numeric
/// suffix.
pub fn enum_variants(e: &EnumDef) -> Vec<Ident> {
    let mut ns = Namespace::camel().reserve(&["Self"]);
    let names: Vec<String> = match &e.values {
        EnumValues::String(values) => values.iter().map(|v| camel(v, "Value")).collect(),
        EnumValues::Integer { values, .. } => values
            .iter()
            .map(|v| number_variant(&v.to_string()))
            .collect(),
        EnumValues::Number { values, .. } => values
            .iter()
            .map(|v| number_variant(&v.to_string()))
            .collect(),
    };
    names
        .iter()
        .map(|name| format_ident!("{}", ns.claim(name)))
        .collect()
}

/// `V1`, `Minus1`, `V0_5`, `V1_5eMinus7`: see [`enum_variants`].
fn number_variant(text: &str) -> String {
    let (mut name, digits) = match text.strip_prefix('-') {
        Some(rest) => ("Minus".to_owned(), rest),
        None => ("V".to_owned(), text),
    };
    for c in digits.chars() {
        match c {
            '.' => name.push('_'),
            '-' => name.push_str("Minus"),
            'e' | 'E' => name.push('e'),
            c if c.is_ascii_digit() => name.push(c),
            _ => {}
        }
    }
    name
}

fn enum_item(rs: &RustTypes, def: &TypeDef, e: &EnumDef) -> Result<TokenStream, TargetError> {
    if e.values.is_empty() {
        return Err(error(format!("enum `{}` has no values", def.name)));
    }
    match &e.values {
        EnumValues::String(values) => string_enum_item(rs, def, e, values),
        EnumValues::Integer { format, values } => integer_enum_item(rs, def, e, *format, values),
        EnumValues::Number { values, .. } => number_enum_item(rs, def, e, values),
    }
}

fn string_enum_item(
    rs: &RustTypes,
    def: &TypeDef,
    e: &EnumDef,
    values: &[String],
) -> Result<TokenStream, TargetError> {
    let name = rs.type_ident(&def.name)?;
    let doc = docs(def.description.as_deref());
    let variants = enum_variants(e);
    let count = values.len();
    let validate = validate_impl(rs, def, None)?;
    Ok(quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[allow(clippy::enum_variant_names)]
        pub enum #name {
            #(#[serde(rename = #values)] #variants,)*
        }
        impl #name {
            /// Every value, in the spec's order.
            pub const ALL: [Self; #count] = [#(Self::#variants),*];

            /// The value as it appears on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    #(Self::#variants => #values,)*
                }
            }
        }
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        #validate
    })
}

/// `-1` as tokens: a minus sign and an unsuffixed literal (a negative literal token
/// is not something every tool accepts).
pub fn int_literal(value: i64) -> TokenStream {
    let digits = Literal::u64_unsuffixed(value.unsigned_abs());
    if value < 0 {
        quote!(-#digits)
    } else {
        quote!(#digits)
    }
}

/// `-0.5` as tokens (see [`int_literal`]).
pub fn float_literal(value: f64) -> TokenStream {
    let digits = Literal::f64_unsuffixed(value.abs());
    if value.is_sign_negative() {
        quote!(-#digits)
    } else {
        quote!(#digits)
    }
}

/// An integer enum: a fieldless Rust enum whose serde form is the JSON integer.
fn integer_enum_item(
    rs: &RustTypes,
    def: &TypeDef,
    e: &EnumDef,
    format: IntFormat,
    values: &[i64],
) -> Result<TokenStream, TargetError> {
    let name = rs.type_ident(&def.name)?;
    let doc = docs(def.description.as_deref());
    let variants = enum_variants(e);
    let count = values.len();
    let literals: Vec<TokenStream> = values.iter().map(|v| int_literal(*v)).collect();
    let shown = values
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let expected = format!("one of {shown}");
    let (int, serialize, lookup) = match format {
        IntFormat::Int32 => (
            quote!(i32),
            quote!(serialize_i32),
            quote!(i32::try_from(value).ok().and_then(Self::from_value)),
        ),
        IntFormat::Int64 => (
            quote!(i64),
            quote!(serialize_i64),
            quote!(Self::from_value(value)),
        ),
    };
    let validate = validate_impl(rs, def, None)?;
    Ok(quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#variants,)*
        }
        impl #name {
            /// Every value, in the spec's order.
            pub const ALL: [Self; #count] = [#(Self::#variants),*];

            /// The value as it appears on the wire.
            pub fn value(self) -> #int {
                match self {
                    #(Self::#variants => #literals,)*
                }
            }

            /// The variant whose value is `value`, if there is one.
            pub fn from_value(value: #int) -> Option<Self> {
                match value {
                    #(#literals => Some(Self::#variants),)*
                    _ => None,
                }
            }
        }
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.value())
            }
        }
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.#serialize(self.value())
            }
        }
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <i64 as serde::Deserialize>::deserialize(deserializer)?;
                #lookup
                    .ok_or_else(|| serde::de::Error::invalid_value(serde::de::Unexpected::Signed(value), &#expected))
            }
        }
        #validate
    })
}

/// A number enum: a fieldless Rust enum whose serde form is the JSON number, written
/// as the spec writes it (`1` stays `1`, `0.5` stays `0.5`); a value read back is
/// compared as a number (`1.0` is `1`).
fn number_enum_item(
    rs: &RustTypes,
    def: &TypeDef,
    e: &EnumDef,
    values: &[serde_json::Number],
) -> Result<TokenStream, TargetError> {
    let name = rs.type_ident(&def.name)?;
    let doc = docs(def.description.as_deref());
    let variants = enum_variants(e);
    let count = values.len();
    let mut floats = Vec::new();
    let mut writes = Vec::new();
    for value in values {
        let float = value
            .as_f64()
            .ok_or_else(|| error(format!("enum `{}`: `{value}` is not a number", def.name)))?;
        floats.push(float_literal(float));
        writes.push(match value.as_i64() {
            Some(i) => {
                let lit = int_literal(i);
                quote!(serializer.serialize_i64(#lit))
            }
            None => {
                let lit = float_literal(float);
                quote!(serializer.serialize_f64(#lit))
            }
        });
    }
    let shown = values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let expected = format!("one of {shown}");
    let validate = validate_impl(rs, def, None)?;
    Ok(quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#variants,)*
        }
        // A spec's value may be close to a constant clippy knows (`3.14159`).
        #[allow(clippy::approx_constant)]
        impl #name {
            /// Every value, in the spec's order.
            pub const ALL: [Self; #count] = [#(Self::#variants),*];

            /// The value as a number.
            pub fn value(self) -> f64 {
                match self {
                    #(Self::#variants => #floats,)*
                }
            }

            /// The variant whose value equals `value`, if there is one.
            pub fn from_value(value: f64) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.value() == value)
            }
        }
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.value())
            }
        }
        #[allow(clippy::approx_constant)]
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(Self::#variants => #writes,)*
                }
            }
        }
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <f64 as serde::Deserialize>::deserialize(deserializer)?;
                Self::from_value(value)
                    .ok_or_else(|| serde::de::Error::invalid_value(serde::de::Unexpected::Float(value), &#expected))
            }
        }
        #validate
    })
}

/// The Rust variant names of a union's variants, in order.
pub fn union_variants(u: &UnionDef) -> Vec<Ident> {
    let mut ns = Namespace::camel().reserve(&["Self"]);
    u.variants
        .iter()
        .map(|v| format_ident!("{}", ns.claim(&camel(&v.tag, "Variant"))))
        .collect()
}

fn union_item(rs: &RustTypes, def: &TypeDef, u: &UnionDef) -> Result<TokenStream, TargetError> {
    if u.variants.is_empty() {
        return Err(error(format!("union `{}` has no variants", def.name)));
    }
    let name = rs.type_ident(&def.name)?;
    let doc = docs(def.description.as_deref());
    let tag = &u.discriminator;
    let idents = union_variants(u);
    let mut variants = Vec::new();
    for (variant, id) in u.variants.iter().zip(&idents) {
        let target = rs.def(&variant.type_name)?;
        if !matches!(target.kind, TypeDefKind::Struct(_)) {
            return Err(error(format!(
                "union `{}`: variant `{}` is not an object type",
                def.name, variant.type_name
            )));
        }
        let variant_ty = Ty::new(crate::ir::TyKind::Named(variant.type_name.clone()));
        let boxed = rs.needs_box(&def.name, &variant_ty);
        let ty = rs.ty_boxed(&variant_ty, Scope::Models, boxed)?;
        let value = &variant.tag;
        variants.push(quote!(#[serde(rename = #value)] #id(#ty),));
    }
    let validate = validate_impl(rs, def, None)?;
    Ok(quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = #tag)]
        #[allow(clippy::large_enum_variant, clippy::enum_variant_names)]
        pub enum #name {
            #(#variants)*
        }
        #validate
    })
}

fn alias_item(
    rs: &RustTypes,
    def: &TypeDef,
    ty: &Ty,
    aliases: &mut Aliases,
) -> Result<TokenStream, TargetError> {
    let name = rs.type_ident(&def.name)?;
    let doc = docs(def.description.as_deref());
    let inner = rs.ty_boxed(ty, Scope::Models, rs.needs_box(&def.name, ty))?;
    let inner = aliases.written(
        &format!("{name}Inner"),
        &too_complex(&format!("{name}::0")),
        inner,
        |ty| ty,
    );
    let validate = validate_impl(rs, def, None)?;
    Ok(quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct #name(pub #inner);
        #validate
    })
}
