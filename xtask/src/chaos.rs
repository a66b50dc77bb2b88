//! `cargo xtask chaos [ARGS...]`: the reference backend under faults with an
//! exactly-once audit (`tests/chaos`): builds the backend's binary, then runs the
//! chaos program against it. ARGS go to the program (`--seconds N`, `--devices N`,
//! `--fault-every-ms N`, `--seed N`); the default run is 180 s with every fault kind.
//!
//! The test command runs a short form ([`CI_ARGS`]): every fault kind at least twice
//! in about a minute, then the audit.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{cargo, run};

/// The test command's short run: 45 s of uploads from six devices, a fault every 2 s
/// (each of the six kinds two or three times), then the drain and the audit.
pub const CI_ARGS: [&str; 6] = [
    "--seconds",
    "45",
    "--devices",
    "6",
    "--fault-every-ms",
    "2000",
];

pub fn run_chaos(root: &Path, args: &[String]) -> anyhow::Result<u8> {
    let code = run(Command::new(cargo())
        .args([
            "build",
            "-p",
            "powersync-write-server",
            "--bin",
            "powersync-write-server",
        ])
        .current_dir(root))?;
    if code != 0 {
        return Ok(code);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    run(Command::new(cargo())
        .args(["run", "-q", "-p", "chaos", "--", "--binary"])
        .arg(target.join("debug").join("powersync-write-server"))
        .args(args)
        .current_dir(root))
}

/// The step's command as the test command prints it.
pub fn describe() -> String {
    format!("cargo xtask chaos {}", CI_ARGS.join(" "))
}
