//! The Go target's last step: the real `gofmt` lays out the Go files, so the
//! output passes `gofmt -l` whatever the names' lengths (gofmt aligns struct
//! fields and comments in columns), instead of the templates imitating it.
//!
//! Which gofmt: the one named by `POWERSYNC_WRITE_GEN_GOFMT` (a path), else
//! `gofmt` on the `PATH` (it ships with every Go installation).
//! `POWERSYNC_WRITE_GEN_GOFMT=off` writes the files as the templates lay them out
//! (valid Go, not gofmt's layout).

use std::io::Write;
use std::process::{Command, Stdio};

use crate::targets::{GeneratedFile, TargetError};

/// The environment variable that names gofmt, or `off`.
pub const ENV: &str = "POWERSYNC_WRITE_GEN_GOFMT";

/// Formats every `.go` file of `files` in place.
pub fn format(files: &mut [GeneratedFile]) -> Result<(), TargetError> {
    let program = match std::env::var(ENV) {
        Ok(value) if value == "off" => return Ok(()),
        Ok(value) if !value.is_empty() => value,
        _ => "gofmt".to_string(),
    };
    for file in files.iter_mut() {
        if file.path.extension().is_none_or(|e| e != "go") {
            continue;
        }
        file.contents = run(&program, &file.contents).map_err(|message| TargetError {
            target: "go",
            message: format!("gofmt of {}: {message}", file.path.display()),
        })?;
    }
    Ok(())
}

fn run(program: &str, source: &str) -> Result<String, String> {
    let mut child = Command::new(program)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "could not run `{program}`: {e}; install Go (gofmt comes with it), name gofmt in \
                 {ENV}, or set {ENV}=off to write the files unformatted"
            )
        })?;
    let mut stdin = child.stdin.take().ok_or("gofmt has no standard input")?;
    let input = source.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("gofmt did not finish: {e}"))?;
    writer
        .join()
        .map_err(|_| "writing to gofmt failed".to_string())?
        .map_err(|e| format!("writing to gofmt failed: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the generated code does not parse (a bug of the Go target):\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("gofmt printed invalid UTF-8: {e}"))
}
