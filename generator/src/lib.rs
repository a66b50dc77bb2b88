//! The PowerSync write-path code generator.
//!
//! The pipeline, one module per stage:
//! `spec` (load YAML/JSON, keep a JSON pointer -> file:line:column map)
//! -> `lower` (resolve `$ref`s, merge `allOf`, check the supported subset, build the IR)
//! -> `ir` (language-neutral model; `profile` recognises what targets act on, such as
//! the PowerSync write path)
//! -> `targets` (one lowering per language, rendered with askama or, for Rust, syn/quote)
//! -> `emit` (write an output folder, or check it for drift).

pub mod diagnostics;
pub mod emit;
pub mod ir;
pub mod lower;
pub mod profile;
pub mod schema_table;
pub mod spec;
pub mod targets;

// ---- Orchestration: spec -> IR -> targets' files, shared by the CLI, xtask and tests.

use std::path::PathBuf;

use diagnostics::Diagnostics;
use targets::{Context, GeneratedFile, Target, TargetError};

/// What [`generate`] should do.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// The spec file to read.
    pub spec: PathBuf,
    /// How the spec's path appears in generated headers (the path as given, usually).
    pub spec_display_path: String,
    /// Target names to run; empty means every target.
    pub targets: Vec<String>,
    /// The package name; derived from `info.title` when `None`.
    pub package_name: Option<String>,
    /// The command that regenerates the output, for headers (`cargo xtask gen`).
    pub regenerate_command: String,
}

/// The files of the selected targets, and the targets' names (their output folders).
#[derive(Debug, Clone)]
pub struct Generation {
    pub targets: Vec<&'static str>,
    pub files: Vec<GeneratedFile>,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The spec could not be loaded or is outside the supported subset.
    #[error("{0}")]
    Spec(Diagnostics),
    #[error("unknown target `{name}`; known targets: {}", known.join(", "))]
    UnknownTarget {
        name: String,
        known: Vec<&'static str>,
    },
    /// The package name breaks a selected target's naming rule.
    #[error(
        "the package name `{name}`{} cannot be used by target `{target}`: {rule}; {}",
        if *derived { ", derived from info.title," } else { "" },
        if *derived { "choose one with --package-name" } else { "choose another --package-name" }
    )]
    PackageName {
        target: &'static str,
        name: String,
        rule: String,
        /// Derived from `info.title` rather than given.
        derived: bool,
    },
    #[error(transparent)]
    Target(#[from] TargetError),
}

/// The targets called `names`, in [`targets::all`] order; every target if `names` is
/// empty.
pub fn select_targets(names: &[String]) -> Result<Vec<Box<dyn Target>>, GenerateError> {
    let all = targets::all();
    if let Some(unknown) = names
        .iter()
        .find(|n| !all.iter().any(|t| t.name() == n.as_str()))
    {
        return Err(GenerateError::UnknownTarget {
            name: unknown.clone(),
            known: all.iter().map(|t| t.name()).collect(),
        });
    }
    Ok(all
        .into_iter()
        .filter(|t| names.is_empty() || names.iter().any(|n| n == t.name()))
        .collect())
}

/// The default package name: `info.title` in lower case with every run of other
/// characters turned into one `-` (`PowerSync Write API` -> `powersync-write-api`).
pub fn package_name_from_title(title: &str) -> String {
    let mut name = String::new();
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !name.is_empty() {
            name.push('-');
        }
        name.push_str(&word.to_ascii_lowercase());
    }
    if name.is_empty() {
        "api".to_string()
    } else {
        name
    }
}

/// Runs `targets` on an API, checking that each keeps to its own output folder.
pub fn run_targets(
    api: &ir::Api,
    ctx: &Context,
    targets: &[Box<dyn Target>],
) -> Result<Vec<GeneratedFile>, TargetError> {
    let mut files = Vec::new();
    for target in targets {
        let generated = target.generate(api, ctx)?;
        if generated.is_empty() {
            // Emission would then delete the target's whole folder as stale.
            return Err(TargetError {
                target: target.name(),
                message: "generated no files".to_string(),
            });
        }
        for file in generated {
            let inside = file.path.starts_with(target.name())
                && file
                    .path
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)));
            if !inside {
                return Err(TargetError {
                    target: target.name(),
                    message: format!(
                        "generated `{}`, outside its folder `{}/`",
                        file.path.display(),
                        target.name()
                    ),
                });
            }
            files.push(file);
        }
    }
    Ok(files)
}

/// Loads and lowers the spec and runs the selected targets.
pub fn generate(options: &GenerateOptions) -> Result<Generation, GenerateError> {
    let targets = select_targets(&options.targets)?;
    let loaded = spec::load_file(&options.spec).map_err(GenerateError::Spec)?;
    let api = lower::lower(&loaded).map_err(GenerateError::Spec)?;
    let ctx = Context {
        spec_display_path: options.spec_display_path.clone(),
        regenerate_command: options.regenerate_command.clone(),
        package_name: options
            .package_name
            .clone()
            .unwrap_or_else(|| package_name_from_title(&api.title)),
    };
    for target in &targets {
        target
            .check_package_name(&ctx.package_name)
            .map_err(|rule| GenerateError::PackageName {
                target: target.name(),
                name: ctx.package_name.clone(),
                rule,
                derived: options.package_name.is_none(),
            })?;
    }
    let files = run_targets(&api, &ctx, &targets)?;
    Ok(Generation {
        targets: targets.iter().map(|t| t.name()).collect(),
        files,
    })
}

/// Loads the spec at `path` and lowers it to the IR; every problem found is a
/// located diagnostic.
pub fn load_and_lower(path: &std::path::Path) -> Result<ir::Api, diagnostics::Diagnostics> {
    let spec = spec::load_file(path)?;
    lower::lower(&spec)
}
