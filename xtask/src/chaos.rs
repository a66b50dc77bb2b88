//! `cargo xtask chaos [ARGS...]`: the reference backend under faults with an
//! exactly-once audit (`tests/chaos`): builds the backend's binary, then runs the
//! chaos program against it. ARGS go to the program (`--seconds N`, `--devices N`,
//! `--fault-every-ms N`, `--seed N`); the default run is 180 s with every fault kind.
//!
//! The test command runs two short forms: [`CI_ARGS`], every fault kind at least twice
//! in about a minute, then the audit; and [`CI_POOLER_ARGS`], every kind at least once
//! with the backends behind PgBouncer in transaction mode.

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

/// The test command's short run through PgBouncer: 30 s from four devices, a fault
/// every 3 s (every kind at least once; a database restart stalls about 16 s there,
/// PgBouncer's `server_login_retry`), then the drain and the audit.
pub const CI_POOLER_ARGS: [&str; 7] = [
    "--pooler",
    "--seconds",
    "30",
    "--devices",
    "4",
    "--fault-every-ms",
    "3000",
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
    format!(
        "cargo xtask chaos {} && cargo xtask chaos {}",
        CI_ARGS.join(" "),
        CI_POOLER_ARGS.join(" ")
    )
}

/// The test command's chaos step: both short runs, the second only if the first
/// passed.
pub fn run_ci(root: &Path) -> anyhow::Result<u8> {
    for args in [&CI_ARGS[..], &CI_POOLER_ARGS[..]] {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let code = run_chaos(root, &args)?;
        if code != 0 {
            return Ok(code);
        }
    }
    Ok(0)
}
