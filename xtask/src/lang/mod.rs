//! The test command's knowledge of each language: how to install its tools, check
//! its formatting, type-check (or lint) it, and run its tests. One module per
//! language; `cargo xtask test` loops over [`all`].
//!
//! Adding a language (Python, Go, Kotlin...) is a new module here implementing
//! [`Language`] plus one line in [`all`]. Its steps then run in the test command's
//! fixed order (see `test_plan` in `main.rs`): every language's install, format check
//! and type check, then every language's tests.

pub mod go;
pub mod kotlin;
pub mod python;
pub mod rust;
pub mod typescript;

use std::path::{Path, PathBuf};
use std::process::Command;

pub use crate::process::Counts;
use crate::process::{cargo, run};

/// The binaries the end-to-end tests of several languages start: the reference
/// backend, and the throwaway database servers (their cargo package, binary, and the
/// variable that tells the tests where it is).
const END_TO_END_BINARIES: [(&str, &str, &str); 2] = [
    (
        "powersync-write-server",
        "powersync-write-server",
        "POWERSYNC_WRITE_SERVER",
    ),
    ("throwaway-servers", "throwaway-server", "THROWAWAY_SERVER"),
];

/// Builds [`END_TO_END_BINARIES`] (debug) and returns the variables naming them, or
/// the failed build's exit code.
pub fn build_end_to_end_binaries(
    root: &Path,
) -> anyhow::Result<Result<Vec<(&'static str, PathBuf)>, u8>> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let mut variables = Vec::new();
    for (package, bin, variable) in END_TO_END_BINARIES {
        let code = run(Command::new(cargo())
            .args(["build", "-p", package, "--bin", bin])
            .current_dir(root))?;
        if code != 0 {
            return Ok(Err(code));
        }
        variables.push((variable, target.join("debug").join(bin)));
    }
    Ok(Ok(variables))
}

/// What the steps need to know about the project.
pub struct Project {
    /// The workspace root; steps run there.
    pub root: PathBuf,
    /// The name `cargo xtask gen` gives every generated package (`powersync-write-api`):
    /// the npm package, the Rust crate, ...
    pub package_name: &'static str,
}

/// The action of a step: runs it, adds any test results to the totals, and returns
/// its exit code (0: success).
pub type Action = Box<dyn Fn(&Project, &mut Counts) -> anyhow::Result<u8>>;

/// One step of the test command.
pub struct Step {
    /// What the step is for, shown by `--list` (`typescript: format check`); set by
    /// the test command's plan.
    pub label: String,
    /// The command as printed before the step runs (`$ npm ci`) and by `--list`.
    pub command: String,
    pub action: Action,
}

impl Step {
    pub fn new(
        command: impl Into<String>,
        action: impl Fn(&Project, &mut Counts) -> anyhow::Result<u8> + 'static,
    ) -> Step {
        Step {
            label: String::new(),
            command: command.into(),
            action: Box::new(action),
        }
    }

    /// The same step, labelled.
    pub fn labelled(self, label: impl Into<String>) -> Step {
        Step {
            label: label.into(),
            ..self
        }
    }
}

/// One language's steps in the test command. Each returns `None` when the language
/// has nothing to do at that stage; each step covers the hand-written code of that
/// language as well as the generated package and the feature fixtures' snapshots.
pub trait Language {
    /// The language's name, as its target is called (`rust`, `typescript`).
    fn name(&self) -> &'static str;
    /// Installs the pinned tools and dependencies exactly as locked (`npm ci`).
    fn install(&self, project: &Project) -> Option<Step>;
    /// Fails when a file is not as the language's standard formatter prints it.
    fn format_check(&self, project: &Project) -> Option<Step>;
    /// Builds / type-checks / lints strictly, warnings as errors.
    fn type_check(&self, project: &Project) -> Option<Step>;
    /// Runs the language's tests, adding the passed and failed counts to the totals.
    fn test(&self, project: &Project) -> Option<Step>;
}

/// Every language, in the test command's order. The first is the generator's own
/// language (Rust): its checks cover the generator before the drift check runs it.
pub fn all() -> Vec<Box<dyn Language>> {
    vec![
        Box::new(rust::Rust),
        Box::new(typescript::TypeScript),
        Box::new(python::Python),
        Box::new(go::Go),
        Box::new(kotlin::Kotlin),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_generators_own_language_comes_first() {
        let names: Vec<_> = super::all().iter().map(|l| l.name()).collect();
        assert_eq!(names.first(), Some(&"rust"), "{names:?}");
    }

    #[test]
    fn every_language_is_a_generator_target() {
        let targets: Vec<_> = powersync_write_gen::targets::all()
            .iter()
            .map(|t| t.name())
            .collect();
        for language in super::all() {
            assert!(
                targets.contains(&language.name()),
                "language `{}` is not one of the generator's targets {targets:?}",
                language.name()
            );
        }
    }
}
