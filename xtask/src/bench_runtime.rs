//! `cargo xtask bench-runtime [ARGS...]`: the runtime's write-path benchmark against a
//! throwaway PostgreSQL cluster and a throwaway MariaDB server, each with its direct
//! baseline (runtime/benches/write_path.rs).
//! ARGS go to the benchmark (`--seconds N`, `--warmup N`, `--max-requests N`, `--cell TXxC`,
//! `--database postgres|mariadb|all`, `--rounds N`; `--url URL --token TOKEN` drives a
//! running backend instead, starting nothing).
//!
//! `cargo xtask bench-examples [ARGS...]`: the same benchmark with the example backends
//! of the generated Python and Go packages (`generated/python/examples`,
//! `generated/go/examples/pgx`) driven alongside the runtime, on the same database, in
//! the same run; it reports their ops/s and their ratio to the runtime's.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

use crate::process::{cargo, run};

/// The examples, relative to the root.
const PYTHON_EXAMPLE_DIR: &str = "generated/python/examples";
const PYTHON_EXAMPLE_APP: &str = "fastapi_psycopg:app";
/// The generated package's import root, which the example imports.
const PYTHON_PACKAGE_DIR: &str = "generated/python/src";
const GO_EXAMPLE_DIR: &str = "generated/go/examples/pgx";

pub fn run_bench(root: &Path, args: &[String]) -> anyhow::Result<u8> {
    run(Command::new(cargo())
        .args([
            "bench",
            "-p",
            "powersync-write-server",
            "--bench",
            "write_path",
            "--",
        ])
        .args(args)
        .current_dir(root))
    .context("could not run `cargo bench`")
}

pub fn run_examples(root: &Path, args: &[String]) -> anyhow::Result<u8> {
    let python = root.join(".venv/bin/python");
    if !python.exists() {
        bail!(
            "{} does not exist: create the project's virtualenv with \
             `cargo xtask test --only \"python: install\"`",
            python.display()
        );
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let go_binary = target.join("examples").join("pgx-backend");
    let code = run(Command::new("go")
        .arg("build")
        .arg("-o")
        .arg(&go_binary)
        .arg(".")
        .current_dir(root.join(GO_EXAMPLE_DIR)))
    .context("could not run `go build` for the Go example (Go 1.25 or newer is needed)")?;
    if code != 0 {
        eprintln!("could not build the Go example in {GO_EXAMPLE_DIR}");
        return Ok(code);
    }
    let python_command = format!(
        "env PYTHONPATH={} {} -m uvicorn {PYTHON_EXAMPLE_APP} --app-dir {} --host 127.0.0.1 \
         --port \"$PORT\" --log-level warning",
        shell_quote(&root.join(PYTHON_PACKAGE_DIR)),
        shell_quote(&python),
        shell_quote(&root.join(PYTHON_EXAMPLE_DIR)),
    );
    let mut all = vec![
        "--external".to_string(),
        format!("python={python_command}"),
        "--external".to_string(),
        format!("go={}", shell_quote(&go_binary)),
    ];
    all.extend_from_slice(args);
    run_bench(root, &all)
}

/// `path` as one word of `sh`.
fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn paths_are_quoted_for_sh() {
        assert_eq!(super::shell_quote(Path::new("/a b/c")), "'/a b/c'");
        assert_eq!(super::shell_quote(Path::new("/it's")), "'/it'\\''s'");
    }
}
