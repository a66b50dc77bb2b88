//! The Go target's last step: the real `gofmt` lays out the Go files, so the
//! output passes `gofmt -l` whatever the names' lengths (gofmt aligns struct
//! fields and comments in columns), instead of the templates imitating it.
//!
//! Which gofmt: the one named by `POWERSYNC_WRITE_GEN_GOFMT` (a path), else
//! `gofmt` on the `PATH` (it ships with every Go installation).
//! `POWERSYNC_WRITE_GEN_GOFMT=off` writes the files as the templates lay them out
//! (valid Go, not gofmt's layout).

use std::process::Command;

use crate::targets::{GeneratedFile, TargetError};

/// The environment variable that names gofmt, or `off`.
pub const ENV: &str = "POWERSYNC_WRITE_GEN_GOFMT";

/// Formats every `.go` file of `files` in place, with the gofmt `ENV` names.
pub fn format(files: &mut [GeneratedFile]) -> Result<(), TargetError> {
    let program = match std::env::var(ENV) {
        Ok(value) if value == "off" => return Ok(()),
        Ok(value) if !value.is_empty() => value,
        _ => "gofmt".to_string(),
    };
    format_with(files, &program).map_err(|message| TargetError {
        target: "go",
        message,
    })
}

/// Formats every `.go` file of `files` in place with `program`, in one gofmt run
/// over a temporary copy (one process, not one per file); the error is a message.
pub fn format_with(files: &mut [GeneratedFile], program: &str) -> Result<(), String> {
    let go: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].path.extension().is_some_and(|e| e == "go"))
        .collect();
    if go.is_empty() {
        return Ok(());
    }
    let dir = tempfile::Builder::new()
        .prefix("powersync-write-gen-gofmt")
        .tempdir()
        .map_err(|e| format!("could not create a temporary folder to format in: {e}"))?;
    for &i in &go {
        let path = dir.path().join(&files[i].path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("could not write {}: {e}", path.display()))?;
        }
        std::fs::write(&path, &files[i].contents)
            .map_err(|e| format!("could not write {}: {e}", path.display()))?;
    }
    let output = Command::new(program)
        .arg("-w")
        .args(go.iter().map(|&i| &files[i].path))
        .current_dir(dir.path())
        .output()
        .map_err(|e| {
            format!(
                "could not run `{program}`: {e}; install Go (gofmt comes with it), name gofmt in \
                 {ENV}, or set {ENV}=off to write the files unformatted"
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "gofmt: the generated code does not parse (a bug of the Go target):\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    for &i in &go {
        let path = dir.path().join(&files[i].path);
        files[i].contents = std::fs::read_to_string(&path)
            .map_err(|e| format!("could not read back {}: {e}", path.display()))?;
    }
    Ok(())
}
