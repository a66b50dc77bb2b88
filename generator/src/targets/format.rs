//! The last step of the TypeScript and docs targets: the real prettier lays out
//! their TypeScript, JSON and Markdown, so the output passes `prettier --check`
//! whatever the names' lengths and whatever CommonMark the spec's descriptions
//! hold, instead of the generator imitating prettier's layout decisions.
//!
//! Which prettier: the one named by `POWERSYNC_WRITE_GEN_PRETTIER` (the path of
//! its `bin/prettier.cjs`), else the first `node_modules/prettier` found walking up
//! from the current directory (in this repository: the version `package-lock.json`
//! pins, installed by `npm ci`). `POWERSYNC_WRITE_GEN_PRETTIER=off` writes the
//! files unformatted (still valid, laid out by the templates). It
//! runs with prettier's defaults, ignoring configuration files, so the output
//! does not depend on where it is generated.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::targets::{GeneratedFile, TargetError};

/// The environment variable that names prettier's script, or `off`.
pub const ENV: &str = "POWERSYNC_WRITE_GEN_PRETTIER";

/// The major version of prettier whose layout the committed output has.
const MAJOR: &str = "3";

/// Formats the TypeScript, JSON and Markdown files of `files` (the output of the
/// target `target`) in place.
pub fn format(files: &mut [GeneratedFile], target: &'static str) -> Result<(), TargetError> {
    let error = |message| TargetError { target, message };
    match locate().map_err(error)? {
        Some(prettier) => format_with(files, &prettier).map_err(error),
        None => Ok(()),
    }
}

/// Formats like [`format`] with the prettier script given (`bin/prettier.cjs`); the
/// error is a message.
pub fn format_with(files: &mut [GeneratedFile], prettier: &Path) -> Result<(), String> {
    let formatted: Vec<usize> = (0..files.len())
        .filter(|&i| {
            let path = &files[i].path;
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("ts" | "json" | "md")
            )
        })
        .collect();
    if formatted.is_empty() {
        return Ok(());
    }
    let dir = tempfile::Builder::new()
        .prefix("powersync-write-gen-prettier")
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
    let output = Command::new("node")
        .arg(prettier)
        .args([
            "--write",
            "--no-config",
            "--no-editorconfig",
            "--log-level",
            "warn",
        ])
        .args(formatted.iter().map(|&i| &files[i].path))
        .current_dir(dir.path())
        .output()
        .map_err(|e| {
            format!(
                "could not run `node {}` to format the output: {e}; install Node.js 20 or later, \
                 or set {ENV}=off to write it unformatted",
                prettier.display()
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "prettier ({}) could not format the generated files, a bug of the generator:\n{}",
            prettier.display(),
            String::from_utf8_lossy(&output.stderr).trim_end()
        ));
    }
    for &i in &formatted {
        let path = dir.path().join(&files[i].path);
        files[i].contents = std::fs::read_to_string(&path)
            .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    }
    Ok(())
}

/// prettier's script, or `None` when formatting is off.
fn locate() -> Result<Option<PathBuf>, String> {
    if let Some(value) = std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        if value == "off" {
            return Ok(None);
        }
        let script = PathBuf::from(value);
        if !script.is_file() {
            return Err(format!(
                "{ENV} names `{}`, which is not a file; point it at prettier's `bin/prettier.cjs`, \
                 or set it to `off`",
                script.display()
            ));
        }
        return Ok(Some(script));
    }
    installed().map(Some)
}

/// The first `node_modules/prettier` (of the pinned major version) in or above the
/// current directory, whatever the environment says.
pub fn installed() -> Result<PathBuf, String> {
    let start = std::env::current_dir()
        .map_err(|e| format!("could not read the current directory: {e}"))?;
    let Some(package) = start
        .ancestors()
        .map(|dir| dir.join("node_modules/prettier"))
        .find(|dir| dir.join("bin/prettier.cjs").is_file())
    else {
        return Err(format!(
            "formatting the output needs prettier {MAJOR} and no node_modules/prettier was found \
             in `{}` or above it: run `npm ci` in this repository (it pins prettier), or \
             `npm install --save-dev prettier@{MAJOR}` in a folder above where you generate; or \
             set {ENV} to prettier's bin/prettier.cjs, or to `off` to write it unformatted",
            start.display()
        ));
    };
    check_version(&package)?;
    Ok(package.join("bin/prettier.cjs"))
}

/// Refuses a prettier of another major version, whose layout differs.
fn check_version(package: &Path) -> Result<(), String> {
    let manifest = package.join("package.json");
    let version = std::fs::read_to_string(&manifest)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|json| json.get("version")?.as_str().map(str::to_string))
        .ok_or_else(|| {
            format!(
                "could not read prettier's version from {}",
                manifest.display()
            )
        })?;
    if version.split('.').next() != Some(MAJOR) {
        return Err(format!(
            "{} is prettier {version}; the generated output is laid out by prettier {MAJOR}: \
             install prettier@{MAJOR} there, or set {ENV} to another prettier {MAJOR}'s bin/prettier.cjs",
            package.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(version: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            format!("{{\"name\": \"prettier\", \"version\": \"{version}\"}}"),
        )
        .unwrap();
        dir
    }

    #[test]
    fn only_the_pinned_major_version_formats() {
        assert!(check_version(package("3.10.1").path()).is_ok());
        let refused = check_version(package("2.8.8").path()).unwrap_err();
        assert!(refused.contains("is prettier 2.8.8"), "{refused}");
        assert!(refused.contains("prettier@3"), "{refused}");
        let unreadable = check_version(tempfile::tempdir().unwrap().path()).unwrap_err();
        assert!(unreadable.contains("could not read prettier's version"));
    }

    #[test]
    fn files_are_laid_out_by_prettier_and_others_left_alone() {
        let mut files = vec![
            GeneratedFile {
                path: "typescript/src/a.ts".into(),
                contents: "export   const a = {b:1}\n".into(),
            },
            GeneratedFile {
                path: "typescript/.npmignore".into(),
                contents: "  kept   as is\n".into(),
            },
        ];
        format(&mut files, "typescript").unwrap();
        assert_eq!(files[0].contents, "export const a = { b: 1 };\n");
        assert_eq!(files[1].contents, "  kept   as is\n");
    }
}
