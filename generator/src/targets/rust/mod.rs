//! The Rust target: a crate with serde models, a JSON validator, the request and
//! response types of every operation, a server trait with its axum adapter, a reqwest
//! client and (behind the `proptest` feature) value strategies for property tests.
//!
//! Every `.rs` file is built as a token stream with `quote!`, parsed back with syn and
//! printed with prettyplease, so the output is always valid, formatted Rust.

use std::path::PathBuf;

use proc_macro2::TokenStream;

use super::{Context, GeneratedFile, Target, TargetError};
use crate::ir::Api;

mod client;
mod forms;
mod manifest;
mod model;
mod names;
mod operations;
mod server;
mod strategies;
mod types;
mod validation;

#[cfg(test)]
mod tests;

pub struct RustTarget;

const NAME: &str = "rust";

impl Target for RustTarget {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "Rust crate: serde models, validation, axum server trait and adapter, reqwest client"
    }

    fn check_package_name(&self, name: &str) -> Result<(), String> {
        super::package_name::rust_crate(name)
    }

    fn generate(&self, api: &Api, ctx: &Context) -> Result<Vec<GeneratedFile>, TargetError> {
        let rs = types::RustTypes::new(api);
        let ops = operations::OperationViews::new(&rs)?;
        let sources = [
            ("lib.rs", lib_rs(api)),
            ("models.rs", model::render(&rs)?),
            ("validation.rs", validation::render(&rs, &ops)?),
            ("operations.rs", operations::render(&rs, &ops)?),
            ("server.rs", server::render(&rs, &ops)?),
            ("client.rs", client::render(&rs, &ops)?),
            ("strategies.rs", strategies::render(&rs)?),
        ];
        let mut files = vec![
            GeneratedFile {
                path: PathBuf::from("rust/Cargo.toml"),
                contents: manifest::render(api, ctx),
            },
            GeneratedFile {
                path: PathBuf::from("rust/rustfmt.toml"),
                contents: rustfmt_toml(ctx),
            },
        ];
        for (file, tokens) in sources {
            files.push(GeneratedFile {
                path: PathBuf::from(format!("rust/src/{file}")),
                contents: print(ctx, file, tokens)?,
            });
        }
        Ok(files)
    }
}

/// prettyplease is this crate's formatter; rustfmt lays some constructs out
/// differently, so `cargo fmt --all` must leave the crate alone or it would drift.
fn rustfmt_toml(ctx: &Context) -> String {
    format!(
        "# {}\n# Formatted by prettyplease when generated; rustfmt leaves it as it is.\ndisable_all_formatting = true\n",
        ctx.header()
    )
}

fn error(message: impl Into<String>) -> TargetError {
    TargetError {
        target: NAME,
        message: message.into(),
    }
}

/// Parses the tokens as a file and prints them the way rustfmt would lay them out.
fn print(ctx: &Context, file: &str, tokens: TokenStream) -> Result<String, TargetError> {
    let syntax: syn::File = syn::parse2(tokens)
        .map_err(|e| error(format!("generated {file} is not valid Rust: {e}")))?;
    Ok(format!(
        "// {}\n{}",
        ctx.header(),
        prettyplease::unparse(&syntax)
    ))
}

fn lib_rs(api: &Api) -> TokenStream {
    let title = format!(" {}", api.title);
    let version = format!(" API version {}.", api.version);
    let description = api.description.iter().flat_map(|d| doc_lines(d, true));
    quote::quote! {
        #![doc = #title]
        #![doc = ""]
        #![doc = #version]
        #(#description)*
        #![doc = ""]
        #![doc = " Modules: `models` (the spec's types), `validation` (the JSON validator),"]
        #![doc = " `operations` (typed requests and per-status responses), `server` (the trait"]
        #![doc = " to implement and its axum adapter), `client` (a reqwest client) and, with the"]
        #![doc = " `proptest` feature, `strategies` (value generators for property tests)."]
        // Doc comments carry the spec's prose as written; its Markdown is not ours to lint.
        #![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]

        pub mod client;
        pub mod models;
        pub mod operations;
        pub mod server;
        #[cfg(feature = "proptest")]
        pub mod strategies;
        pub mod validation;
    }
}

/// `#[doc]` attributes (outer, or inner with `inner`) for a description, one per line.
fn doc_lines(text: &str, inner: bool) -> Vec<TokenStream> {
    text.trim_end()
        .lines()
        .map(|line| {
            let line = format!(" {line}");
            if inner {
                quote::quote!(#![doc = #line])
            } else {
                quote::quote!(#[doc = #line])
            }
        })
        .collect()
}

/// Outer doc attributes for an optional description.
fn docs(description: Option<&str>) -> TokenStream {
    let lines = description.map(|d| doc_lines(d, false)).unwrap_or_default();
    quote::quote!(#(#lines)*)
}
