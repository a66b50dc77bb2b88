//! `Cargo.toml` of the generated crate.

use super::Context;
use crate::ir::{Api, BodyEncoding};

pub fn render(api: &Api, ctx: &Context) -> String {
    let description = toml_string(&format!(
        "Server and client for {}, generated from its OpenAPI document",
        api.title
    ));
    // Cargo needs semver; an API version that is not one leaves the crate at 0.1.0.
    let semver = api.version.split('.').count() == 3
        && api
            .version
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let version = if semver {
        api.version.as_str()
    } else {
        "0.1.0"
    };
    // Form and multipart bodies need their codecs, only in crates whose spec has them.
    let uses = |encoding| {
        api.operations.iter().any(|op| {
            op.request_body
                .as_ref()
                .is_some_and(|b| b.encoding == encoding)
        })
    };
    let (form, multipart) = (uses(BodyEncoding::Form), uses(BodyEncoding::Multipart));
    let form_dependency = if form {
        "# Form bodies (`application/x-www-form-urlencoded`).\nform_urlencoded = \"1\"\n"
    } else {
        ""
    };
    let multer_dependency = if multipart {
        "# Multipart bodies, read by the server.\nmulter = \"3\"\n"
    } else {
        ""
    };
    let reqwest_features = if multipart {
        r#"["json", "multipart"]"#
    } else {
        r#"["json"]"#
    };
    format!(
        r#"# {header}
[package]
name = {name}
version = {version}
edition = "2024"
publish = false
description = {description}

[features]
# Enables the `strategies` module: proptest strategies for every model, for property tests.
proptest = ["dep:proptest"]

[dependencies]
axum = "0.8"
{form_dependency}http = "1"
http-body-util = "0.1"
{multer_dependency}proptest = {{ version = "1", optional = true }}
regex = "1"
reqwest = {{ version = "0.13", default-features = false, features = {reqwest_features} }}
serde = {{ version = "1", features = ["derive"] }}
# Exact float round trips, and free-form objects keep their key order.
serde_json = {{ version = "1", features = ["float_roundtrip", "preserve_order"] }}
serde_path_to_error = "0.1"
"#,
        header = ctx.header(),
        name = toml_string(&ctx.package_name),
        version = toml_string(version),
    )
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
