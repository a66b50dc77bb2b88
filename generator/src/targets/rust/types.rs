//! The Rust type of every IR type use, shared by all the generated modules.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::names::{Namespace, TypeNames, ident};
use super::{TargetError, error};
use crate::ir::{Api, Field, IntFormat, NumberFormat, Ty, TyKind, TypeDef, TypeDefKind};

/// Where a type is named from: `models.rs` itself, or another module of the crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Models,
    Crate,
}

/// The API together with the Rust names of its types.
pub struct RustTypes<'a> {
    pub api: &'a Api,
    pub names: TypeNames,
}

impl<'a> RustTypes<'a> {
    pub fn new(api: &'a Api) -> Self {
        RustTypes {
            api,
            names: TypeNames::new(api),
        }
    }

    pub fn def(&self, name: &str) -> Result<&'a TypeDef, TargetError> {
        self.api
            .type_def(name)
            .ok_or_else(|| error(format!("reference to unknown type `{name}`")))
    }

    /// The identifier of the Rust type for the spec type `name`.
    pub fn type_ident(&self, name: &str) -> Result<proc_macro2::Ident, TargetError> {
        self.names
            .type_name(name)
            .map(ident)
            .ok_or_else(|| error(format!("reference to unknown type `{name}`")))
    }

    /// The path of the Rust type for the spec type `name`, as seen from `scope`.
    pub fn type_path(&self, name: &str, scope: Scope) -> Result<TokenStream, TargetError> {
        let id = self.type_ident(name)?;
        Ok(match scope {
            Scope::Models => quote!(#id),
            Scope::Crate => quote!(crate::models::#id),
        })
    }

    /// The identifier of the validator function of the spec type `name`.
    pub fn validator(&self, name: &str) -> Result<proc_macro2::Ident, TargetError> {
        self.names
            .validator(name)
            .map(|n| format_ident!("{}", n))
            .ok_or_else(|| error(format!("reference to unknown type `{name}`")))
    }

    /// The identifier of the proptest strategy function of the spec type `name`.
    pub fn strategy(&self, name: &str) -> Result<proc_macro2::Ident, TargetError> {
        self.names
            .strategy(name)
            .map(ident)
            .ok_or_else(|| error(format!("reference to unknown type `{name}`")))
    }

    /// The Rust type of a use of `ty`: `Option<_>` when it is nullable (except for
    /// `Any`, whose `serde_json::Value` holds `null` itself).
    pub fn ty(&self, ty: &Ty, scope: Scope) -> Result<TokenStream, TargetError> {
        self.ty_boxed(ty, scope, false)
    }

    /// Like [`Self::ty`], with a named type boxed (for recursive types).
    pub fn ty_boxed(&self, ty: &Ty, scope: Scope, boxed: bool) -> Result<TokenStream, TargetError> {
        let mut base = self.base(ty, scope)?;
        if boxed {
            base = quote!(Box<#base>);
        }
        Ok(if ty.nullable && ty.kind != TyKind::Any {
            quote!(Option<#base>)
        } else {
            base
        })
    }

    /// The Rust type of a struct field: [`Self::ty_boxed`], except that the items of
    /// an `x-per-item-validation` array are each `Checked`, valid or not.
    pub fn field_ty(
        &self,
        field: &Field,
        scope: Scope,
        boxed: bool,
    ) -> Result<TokenStream, TargetError> {
        match &field.ty.kind {
            TyKind::Array(item) if field.per_item_validation => {
                let item = self.ty(item, scope)?;
                Ok(quote!(Vec<crate::validation::Checked<#item>>))
            }
            _ => self.ty_boxed(&field.ty, scope, boxed),
        }
    }

    fn base(&self, ty: &Ty, scope: Scope) -> Result<TokenStream, TargetError> {
        Ok(match &ty.kind {
            TyKind::Boolean => quote!(bool),
            TyKind::Integer(IntFormat::Int32) => quote!(i32),
            TyKind::Integer(IntFormat::Int64) => quote!(i64),
            TyKind::Number(NumberFormat::Float) => quote!(f32),
            TyKind::Number(NumberFormat::Double) => quote!(f64),
            TyKind::String(_) => quote!(String),
            TyKind::Array(item) => {
                let item = self.ty(item, scope)?;
                quote!(Vec<#item>)
            }
            TyKind::Map(value) if value.kind == TyKind::Any => {
                quote!(serde_json::Map<String, serde_json::Value>)
            }
            TyKind::Map(value) => {
                let value = self.ty(value, scope)?;
                quote!(std::collections::BTreeMap<String, #value>)
            }
            TyKind::Any => quote!(serde_json::Value),
            TyKind::Named(name) => self.type_path(name, scope)?,
        })
    }

    /// Whether JSON `null` is a valid value of `ty` (so an optional field must keep
    /// "absent" and "null" apart).
    pub fn admits_null(&self, ty: &Ty) -> bool {
        self.admits_null_seen(ty, &mut BTreeSet::new())
    }

    fn admits_null_seen<'b>(&'b self, ty: &'b Ty, seen: &mut BTreeSet<&'b str>) -> bool {
        if ty.nullable || ty.kind == TyKind::Any {
            return true;
        }
        match &ty.kind {
            TyKind::Named(name) if seen.insert(name.as_str()) => match self.api.type_def(name) {
                Some(TypeDef {
                    kind: TypeDefKind::Alias(inner),
                    ..
                }) => self.admits_null_seen(inner, seen),
                _ => false,
            },
            _ => false,
        }
    }

    /// Whether a field of type `ty` inside the type `owner` must be boxed: the named
    /// type it refers to contains `owner` again without a `Vec` or map in between.
    pub fn needs_box(&self, owner: &str, ty: &Ty) -> bool {
        match &ty.kind {
            TyKind::Named(name) => self.reaches(name, owner, &mut BTreeSet::new()),
            _ => false,
        }
    }

    fn reaches<'b>(&'b self, from: &'b str, target: &str, seen: &mut BTreeSet<&'b str>) -> bool {
        if from == target {
            return true;
        }
        if !seen.insert(from) {
            return false;
        }
        let Some(def) = self.api.type_def(from) else {
            return false;
        };
        let direct = |ty: &'b Ty| match &ty.kind {
            TyKind::Named(n) => Some(n.as_str()),
            _ => None,
        };
        let next: Vec<&str> = match &def.kind {
            TypeDefKind::Struct(s) => s
                .fields
                .iter()
                .filter_map(|f: &'b Field| direct(&f.ty))
                .collect(),
            TypeDefKind::Union(u) => u.variants.iter().map(|v| v.type_name.as_str()).collect(),
            TypeDefKind::Alias(ty) => direct(ty).into_iter().collect(),
            TypeDefKind::Enum(_) => Vec::new(),
        };
        next.into_iter().any(|n| self.reaches(n, target, seen))
    }
}

/// clippy's `type_complexity` threshold (its default, which the generated crate
/// keeps): a type scoring more is refused under `-D warnings`.
const COMPLEXITY_THRESHOLD: u64 = 250;

/// clippy's `type_complexity` score of a type as written: 10 × the nesting depth
/// for every named type, tuple, slice or array (1 at the top, one more inside each
/// generic argument list), 1 for a reference.
pub fn complexity(ty: &TokenStream) -> u64 {
    fn score(ty: &syn::Type, nest: u64) -> u64 {
        match ty {
            syn::Type::Path(p) => {
                let args = p
                    .path
                    .segments
                    .iter()
                    .flat_map(|segment| match &segment.arguments {
                        syn::PathArguments::AngleBracketed(a) => a
                            .args
                            .iter()
                            .filter_map(|arg| match arg {
                                syn::GenericArgument::Type(t) => Some(t),
                                _ => None,
                            })
                            .collect(),
                        _ => Vec::new(),
                    });
                10 * nest + args.map(|t| score(t, nest + 1)).sum::<u64>()
            }
            syn::Type::Tuple(t) => {
                10 * nest + t.elems.iter().map(|e| score(e, nest + 1)).sum::<u64>()
            }
            syn::Type::Slice(s) => 10 * nest + score(&s.elem, nest + 1),
            syn::Type::Array(a) => 10 * nest + score(&a.elem, nest + 1),
            syn::Type::Reference(r) => 1 + score(&r.elem, nest),
            syn::Type::Paren(p) => score(&p.elem, nest),
            _ => 0,
        }
    }
    syn::parse2::<syn::Type>(ty.clone()).map_or(0, |t| score(&t, 1))
}

/// The type aliases of one module: a field or variant whose type clippy would find
/// too complex (`type_complexity`) names it through a `pub type` instead, declared
/// by the module next to the item that uses it.
pub struct Aliases {
    /// The module's type names, to claim the aliases' names in.
    names: Namespace,
    items: Vec<TokenStream>,
}

impl Aliases {
    pub fn new(names: Namespace) -> Self {
        Aliases {
            names,
            items: Vec::new(),
        }
    }

    /// The type written at a use: `wrap(ty)` (`ty` itself, or `Option<ty>` for an
    /// optional field), with `ty` replaced by a new alias (named from `name`, with
    /// the doc line `doc`) when clippy would find `wrap(ty)` too complex.
    pub fn written(
        &mut self,
        name: &str,
        doc: &str,
        ty: TokenStream,
        wrap: impl Fn(TokenStream) -> TokenStream,
    ) -> TokenStream {
        let written = wrap(ty.clone());
        if complexity(&written) <= COMPLEXITY_THRESHOLD {
            return written;
        }
        let alias = format_ident!("{}", self.names.claim(name));
        let doc = format!(" {doc}");
        self.items.push(quote! {
            #[doc = #doc]
            pub type #alias = #ty;
        });
        wrap(quote!(#alias))
    }

    /// The aliases declared since the last call, to emit.
    pub fn take(&mut self) -> Vec<TokenStream> {
        std::mem::take(&mut self.items)
    }
}
