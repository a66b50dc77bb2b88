//! Targets: each turns the IR into the files of one package.
//!
//! A target is a lowering module (IR -> view structs: names made legal and unique in
//! that language, reserved words escaped) plus, for every target but Rust, a folder of
//! askama templates under `templates/<target>/`. Rust is built with syn/quote and
//! printed with prettyplease instead, so it is always valid Rust.

use std::path::PathBuf;

use crate::ir::Api;

pub mod docs;
pub mod format;
pub mod go;
pub mod kotlin;
pub mod naming;
pub mod package_name;
pub mod python;
pub mod rust;
pub mod typescript;

/// One file a target writes, relative to the output folder (`rust/src/models.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
}

/// What every target needs besides the IR.
#[derive(Debug, Clone)]
pub struct Context {
    /// The spec's path as it should appear in headers (`spec/powersync-write.yaml`).
    pub spec_display_path: String,
    /// The command that regenerates the output (`cargo xtask gen`).
    pub regenerate_command: String,
    /// The package name targets give their package (`powersync-write-api`).
    pub package_name: String,
}

impl Context {
    /// The one-line header text every generated file carries, without comment
    /// markers: targets wrap it in their language's comment syntax.
    pub fn header(&self) -> String {
        format!(
            "Generated from {} by `{}`. Do not edit: change the spec or the generator and regenerate.",
            self.spec_display_path, self.regenerate_command
        )
    }
}

/// A failure inside a target: a bug or a limitation of that target, reported with
/// the IR item it was working on.
#[derive(Debug, thiserror::Error)]
#[error("target `{target}`: {message}")]
pub struct TargetError {
    pub target: &'static str,
    pub message: String,
}

pub trait Target {
    /// The name used on the command line and as the output sub-folder.
    fn name(&self) -> &'static str;
    /// One line for `targets`.
    fn description(&self) -> &'static str;
    /// Every file of the package, paths starting with `name()/`.
    fn generate(&self, api: &Api, ctx: &Context) -> Result<Vec<GeneratedFile>, TargetError>;
    /// Checks that `name` can be this target's package name in its ecosystem; the
    /// error is one sentence naming the rule it breaks. The default accepts any
    /// non-empty name without control characters (a name only shown in text).
    fn check_package_name(&self, name: &str) -> Result<(), String> {
        if name.trim().is_empty() {
            return Err("a package name cannot be empty".into());
        }
        if name.chars().any(char::is_control) {
            return Err("a package name cannot contain control characters".into());
        }
        Ok(())
    }
}

/// Every target, in a fixed order.
pub fn all() -> Vec<Box<dyn Target>> {
    vec![
        Box::new(rust::RustTarget),
        Box::new(typescript::TypeScriptTarget),
        Box::new(python::PythonTarget),
        Box::new(docs::DocsTarget),
        Box::new(go::GoTarget),
        Box::new(kotlin::KotlinTarget),
    ]
}
