//! The last step of the Python target: the pinned ruff sorts the imports and drops
//! the ones a spec leaves unused (`ruff check --select I,F401 --fix`) and lays out the code (`ruff format`), so the
//! output passes `ruff format --check` and ruff's import order whatever the names'
//! lengths, instead of the templates imitating ruff's layout decisions. The
//! README's Python blocks are laid out too (then prettier lays out its Markdown).
//!
//! Which ruff: the executable named by `POWERSYNC_WRITE_GEN_RUFF`, else the first
//! `.venv/bin/ruff` found walking up from the current directory (in this
//! repository: the version `tests/python/requirements.txt` pins, installed by
//! `cargo xtask test --only "python: install"`). `POWERSYNC_WRITE_GEN_RUFF=off`
//! writes the files unformatted (still valid, laid out by the templates). It runs
//! isolated from configuration files, for Python 3.11, so the output does not
//! depend on where it is generated.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::targets::{GeneratedFile, TargetError};

/// The environment variable that names ruff's executable, or `off`.
pub const ENV: &str = "POWERSYNC_WRITE_GEN_RUFF";

/// The ruff version whose layout the committed output has (major.minor).
const VERSION: &str = "0.17";

/// Formats the Python files of `files` (the output of the target `target`) in place.
pub fn format(files: &mut [GeneratedFile], target: &'static str) -> Result<(), TargetError> {
    let error = |message| TargetError { target, message };
    match locate().map_err(error)? {
        Some(ruff) => format_with(files, &ruff).map_err(error),
        None => Ok(()),
    }
}

/// Formats like [`format`] with the ruff executable given; the error is a message.
pub fn format_with(files: &mut [GeneratedFile], ruff: &Path) -> Result<(), String> {
    let formatted: Vec<usize> = (0..files.len())
        .filter(|&i| {
            files[i]
                .path
                .extension()
                .is_some_and(|e| e == "py" || e == "md")
        })
        .collect();
    if formatted.is_empty() {
        return Ok(());
    }
    let dir = tempfile::Builder::new()
        .prefix("powersync-write-gen-ruff")
        .tempdir()
        .map_err(|e| format!("could not create a temporary folder to format in: {e}"))?;
    for &i in &formatted {
        let path = dir.path().join(&files[i].path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("could not write {}: {e}", path.display()))?;
        }
        std::fs::write(&path, &files[i].contents)
            .map_err(|e| format!("could not write {}: {e}", path.display()))?;
    }
    let paths: Vec<&Path> = formatted.iter().map(|&i| files[i].path.as_path()).collect();
    let python: Vec<&Path> = paths
        .iter()
        .copied()
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    let steps: [&[&str]; 2] = [
        &[
            "check",
            "--isolated",
            "--target-version",
            "py311",
            "--select",
            "I,F401",
            "--fix",
            "--quiet",
            "--no-cache",
        ],
        &[
            "format",
            "--isolated",
            "--target-version",
            "py311",
            "--quiet",
            "--no-cache",
        ],
    ];
    for (n, args) in steps.into_iter().enumerate() {
        // Imports are sorted in Python files; Markdown's Python blocks are laid out.
        let output = Command::new(ruff)
            .args(args)
            .args(if n == 0 { &python } else { &paths })
            .current_dir(dir.path())
            .output()
            .map_err(|e| {
                format!(
                    "could not run `{}` to format the output: {e}; run `cargo xtask test --only \
                     \"python: install\"` to install the pinned ruff into .venv, or set {ENV}=off \
                     to write it unformatted",
                    ruff.display()
                )
            })?;
        if !output.status.success() {
            return Err(format!(
                "ruff ({}) could not format the generated files, a bug of the generator:\n{}{}",
                ruff.display(),
                String::from_utf8_lossy(&output.stdout).trim_end(),
                String::from_utf8_lossy(&output.stderr).trim_end()
            ));
        }
    }
    for &i in &formatted {
        let path = dir.path().join(&files[i].path);
        files[i].contents = std::fs::read_to_string(&path)
            .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    }
    Ok(())
}

/// ruff's executable, or `None` when formatting is off.
fn locate() -> Result<Option<PathBuf>, String> {
    if let Some(value) = std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        if value == "off" {
            return Ok(None);
        }
        let ruff = PathBuf::from(value);
        if !ruff.is_file() {
            return Err(format!(
                "{ENV} names `{}`, which is not a file; point it at a ruff {VERSION} executable, \
                 or set it to `off`",
                ruff.display()
            ));
        }
        return Ok(Some(ruff));
    }
    installed().map(Some)
}

/// The first `.venv/bin/ruff` (of the pinned version) in or above the current
/// directory.
pub fn installed() -> Result<PathBuf, String> {
    let start = std::env::current_dir()
        .map_err(|e| format!("could not read the current directory: {e}"))?;
    let Some(ruff) = start
        .ancestors()
        .map(|dir| dir.join(".venv/bin/ruff"))
        .find(|path| path.is_file())
    else {
        return Err(format!(
            "formatting the Python output needs ruff {VERSION} and no .venv/bin/ruff was found in \
             `{}` or above it: run `cargo xtask test --only \"python: install\"` in this repository \
             (it pins ruff), or set {ENV} to a ruff {VERSION} executable, or to `off` to write it \
             unformatted",
            start.display()
        ));
    };
    check_version(&ruff)?;
    Ok(ruff)
}

/// Refuses a ruff of another version, whose layout may differ.
fn check_version(ruff: &Path) -> Result<(), String> {
    let output = Command::new(ruff)
        .arg("--version")
        .output()
        .map_err(|e| format!("could not run `{} --version`: {e}", ruff.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let version = text.trim().strip_prefix("ruff ").unwrap_or(text.trim());
    if !version.starts_with(&format!("{VERSION}.")) {
        return Err(format!(
            "{} is ruff {version}; the generated output is laid out by ruff {VERSION}: reinstall \
             the pinned tools (`cargo xtask test --only \"python: install\"`), or set {ENV} to \
             another ruff {VERSION}",
            ruff.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_is_laid_out_by_ruff_and_others_left_alone() {
        let mut files = vec![
            GeneratedFile {
                path: "python/src/a.py".into(),
                contents: "import sys\nimport json\nx = {'a':1}\nprint(json, sys)\n".into(),
            },
            GeneratedFile {
                path: "python/README.md".into(),
                contents: "  kept   as is\n".into(),
            },
        ];
        format(&mut files, "python").unwrap();
        assert_eq!(
            files[0].contents,
            "import json\nimport sys\n\nx = {\"a\": 1}\nprint(json, sys)\n"
        );
        assert_eq!(files[1].contents, "  kept   as is\n");
    }
}
