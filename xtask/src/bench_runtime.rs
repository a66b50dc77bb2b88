//! `cargo xtask bench-runtime [ARGS...]`: the runtime's write-path benchmark against a
//! throwaway PostgreSQL cluster, with its direct baseline (runtime/benches/write_path.rs).
//! ARGS go to the benchmark (`--seconds N`, `--warmup N`, `--max-requests N`, `--cell TXxC`).

use std::path::Path;
use std::process::Command;

use anyhow::Context as _;

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<u8> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .args([
            "bench",
            "-p",
            "powersync-write-server",
            "--bench",
            "write_path",
            "--",
        ])
        .args(args)
        .current_dir(root)
        .status()
        .context("could not run `cargo bench`")?;
    // Killed by a signal: no code to pass on.
    Ok(status
        .code()
        .map_or(1, |code| u8::try_from(code).unwrap_or(1)))
}
