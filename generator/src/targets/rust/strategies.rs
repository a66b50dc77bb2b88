//! `strategies.rs` (behind the generated crate's `proptest` feature): a proptest
//! strategy per named type, and a check that every type survives encode -> decode.

use proc_macro2::{TokenStream, TokenTree};
use quote::{format_ident, quote};

use super::TargetError;
use super::model::union_variants;
use super::names::{Namespace, ident, snake};
use super::types::{RustTypes, Scope};
use crate::ir::{IntFormat, NumberFormat, StructDef, Ty, TyKind, TypeDef, TypeDefKind};

/// proptest implements `Strategy` for tuples up to 12; wider structs nest tuples.
const TUPLE: usize = 10;

pub fn render(rs: &RustTypes) -> Result<TokenStream, TargetError> {
    let mut functions = Vec::new();
    let mut checks = Vec::new();
    for def in &rs.api.types {
        functions.push(type_strategy(rs, def)?);
        let ty = rs.type_path(&def.name, Scope::Crate)?;
        let strategy = rs.strategy(&def.name)?;
        let name = &def.name;
        checks.push(quote!(roundtrip::<#ty>(#name, #strategy(DEPTH), cases)?;));
    }
    // Each helper only if something calls it: an unused one is a dead-code warning
    // (a spec without schemas, or without optional, nullable, array or map values).
    let or_empty = functions.iter().any(|f| calls(f, "or_empty")).then(|| {
        quote! {
            /// `empty` once `depth` is used up (so recursive types stay finite), else `make()`.
            fn or_empty<T: Clone + std::fmt::Debug + 'static>(
                depth: u32,
                empty: T,
                make: impl FnOnce() -> BoxedStrategy<T>,
            ) -> BoxedStrategy<T> {
                if depth == 0 { Just(empty).boxed() } else { make() }
            }
        }
    });
    let runner_import = (!checks.is_empty()).then(|| {
        quote!(
            use proptest::test_runner::{Config, TestCaseError, TestRunner};
        )
    });
    let roundtrip = (!checks.is_empty()).then(|| {
        quote! {
            fn roundtrip<T>(name: &str, strategy: BoxedStrategy<T>, cases: u32) -> Result<(), String>
            where
                T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
            {
                let mut runner = TestRunner::new(Config { cases, ..Config::default() });
                runner
                    .run(&strategy, |value| {
                        let json = serde_json::to_string(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
                        let back: T = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
                        prop_assert_eq!(&back, &value, "encoded as {}", json);
                        Ok(())
                    })
                    .map_err(|e| format!("{name}: {e}"))
            }
        }
    });
    Ok(quote! {
        //! proptest strategies for every model, generated from the spec, and the
        //! encode -> decode property over all of them.
        #![allow(unused_variables)]

        use proptest::prelude::*;
        #runner_import

        /// How deep generated values nest through arrays, maps and nullable values.
        pub const DEPTH: u32 = 3;

        /// A small JSON value of any type.
        pub fn any_json() -> BoxedStrategy<serde_json::Value> {
            prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::from),
                any::<i64>().prop_map(serde_json::Value::from),
                "[a-z ]{0,8}".prop_map(serde_json::Value::from),
            ]
            .boxed()
        }

        /// A small free-form JSON object.
        pub fn free_form_object() -> BoxedStrategy<serde_json::Map<String, serde_json::Value>> {
            proptest::collection::btree_map("[a-z_]{1,8}", any_json(), 0..3)
                .prop_map(|map| map.into_iter().collect())
                .boxed()
        }

        #or_empty

        #(#functions)*

        /// Checks, for `cases` generated values of every model, that encoding to JSON and
        /// decoding gives the same value back.
        pub fn check_all_roundtrips(cases: u32) -> Result<(), String> {
            #(#checks)*
            Ok(())
        }

        #roundtrip
    })
}

/// Whether `tokens` mention the identifier `name` anywhere.
fn calls(tokens: &TokenStream, name: &str) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == name,
        TokenTree::Group(group) => calls(&group.stream(), name),
        _ => false,
    })
}

fn type_strategy(rs: &RustTypes, def: &TypeDef) -> Result<TokenStream, TargetError> {
    let name = rs.strategy(&def.name)?;
    let ty = rs.type_path(&def.name, Scope::Crate)?;
    let doc = format!(" Values of `{}`, nesting at most `depth` levels.", def.name);
    let body = match &def.kind {
        TypeDefKind::Struct(s) => struct_strategy(rs, def, s, &ty)?,
        TypeDefKind::Enum(_) => quote!(proptest::sample::select(#ty::ALL.to_vec()).boxed()),
        TypeDefKind::Union(u) => {
            let mut arms = Vec::new();
            for (variant, id) in u.variants.iter().zip(union_variants(u)) {
                let variant_ty = Ty::new(TyKind::Named(variant.type_name.clone()));
                let boxed = rs.needs_box(&def.name, &variant_ty);
                let inner = ty_strategy(rs, &variant_ty, boxed)?;
                arms.push(quote!(#inner.prop_map(#ty::#id).boxed()));
            }
            quote!(proptest::strategy::Union::new(vec![#(#arms),*]).boxed())
        }
        TypeDefKind::Alias(inner) => {
            let inner = ty_strategy(rs, inner, rs.needs_box(&def.name, inner))?;
            quote!(#inner.prop_map(#ty).boxed())
        }
    };
    Ok(quote! {
        #[doc = #doc]
        pub fn #name(depth: u32) -> BoxedStrategy<#ty> {
            let child = depth.saturating_sub(1);
            #body
        }
    })
}

fn struct_strategy(
    rs: &RustTypes,
    def: &TypeDef,
    s: &StructDef,
    ty: &TokenStream,
) -> Result<TokenStream, TargetError> {
    // Field names exactly as the model renderer claims them.
    let mut ns = Namespace::snake();
    let mut fields = Vec::new();
    let mut strategies = Vec::new();
    for field in &s.fields {
        fields.push(ident(&ns.claim(&snake(&field.name, "field"))));
        let boxed = rs.needs_box(&def.name, &field.ty);
        let inner = match &field.ty.kind {
            // Generated values are valid, so every checked item is too.
            TyKind::Array(item) if field.per_item_validation => {
                let item = ty_strategy(rs, item, false)?;
                quote!(or_empty(depth, Vec::new(), || {
                    proptest::collection::vec(#item.prop_map(crate::validation::Checked::Valid), 0..3).boxed()
                }))
            }
            _ => match super::forms::file_field_ty(rs, &def.name, field, Scope::Crate) {
                // A file is a string in JSON: its bytes as UTF-8 text.
                Some(_) => {
                    let file = quote!(
                        any::<String>()
                            .prop_map(|text| crate::models::File::new(text.into_bytes()))
                            .boxed()
                    );
                    if super::forms::field_kind(rs, &field.ty)
                        == Some(super::forms::FieldKind::Files)
                    {
                        quote!(or_empty(depth, Vec::new(), || proptest::collection::vec(#file, 0..3).boxed()))
                    } else {
                        file
                    }
                }
                None => ty_strategy(rs, &field.ty, boxed)?,
            },
        };
        strategies.push(if field.required {
            inner
        } else {
            quote!(or_empty(depth, None, || proptest::option::of(#inner).boxed()))
        });
    }
    if let Some(extra) = &s.additional_properties {
        fields.push(ident(&ns.claim("additional_properties")));
        let mut known: Vec<&str> = s.fields.iter().map(|f| f.name.as_str()).collect();
        known.extend(s.tag.as_ref().map(|t| t.property.as_str()));
        let value = ty_strategy(rs, extra, false)?;
        strategies.push(quote! {
            proptest::collection::btree_map(
                "[a-z_]{1,8}".prop_filter("a declared property", |k: &String| ![#(#known),*].contains(&k.as_str())),
                #value,
                0..3,
            )
        });
    }
    if fields.is_empty() {
        return Ok(quote!(Just(#ty {}).boxed()));
    }
    let vars: Vec<_> = (0..fields.len()).map(|i| format_ident!("f{}", i)).collect();
    let chunks_vars: Vec<_> = vars.chunks(TUPLE).map(|c| quote!((#(#c,)*))).collect();
    let chunks_strategies: Vec<_> = strategies
        .chunks(TUPLE)
        .map(|c| quote!((#(#c,)*)))
        .collect();
    Ok(quote! {
        (#(#chunks_strategies,)*)
            .prop_map(|(#(#chunks_vars,)*)| #ty { #(#fields: #vars),* })
            .boxed()
    })
}

/// An expression of type `BoxedStrategy<T>` for the Rust type `T` of `ty`.
fn ty_strategy(rs: &RustTypes, ty: &Ty, boxed: bool) -> Result<TokenStream, TargetError> {
    let base = match &ty.kind {
        TyKind::Boolean => quote!(any::<bool>().boxed()),
        TyKind::Integer(IntFormat::Int32) => quote!(any::<i32>().boxed()),
        TyKind::Integer(IntFormat::Int64) => quote!(any::<i64>().boxed()),
        // Finite values only: JSON has no NaN or infinity.
        TyKind::Number(NumberFormat::Float) => quote!((-1.0e6f32..1.0e6f32).boxed()),
        TyKind::Number(NumberFormat::Double) => quote!((-1.0e12f64..1.0e12f64).boxed()),
        TyKind::String(_) => quote!(any::<String>().boxed()),
        TyKind::Array(item) => {
            let item = ty_strategy(rs, item, false)?;
            quote!(or_empty(depth, Vec::new(), || proptest::collection::vec(#item, 0..3).boxed()))
        }
        TyKind::Map(value) if value.kind == TyKind::Any => {
            quote!(or_empty(depth, serde_json::Map::new(), free_form_object))
        }
        TyKind::Map(value) => {
            let value = ty_strategy(rs, value, false)?;
            quote! {
                or_empty(depth, std::collections::BTreeMap::new(), || {
                    proptest::collection::btree_map("[a-z_]{1,8}", #value, 0..3).boxed()
                })
            }
        }
        TyKind::Any => quote!(any_json()),
        TyKind::Named(name) => {
            let strategy = rs.strategy(name)?;
            quote!(#strategy(child))
        }
    };
    let base = if boxed {
        quote!(#base.prop_map(Box::new).boxed())
    } else {
        base
    };
    Ok(if ty.nullable && ty.kind != TyKind::Any {
        quote!(or_empty(depth, None, || proptest::option::of(#base).boxed()))
    } else {
        base
    })
}
