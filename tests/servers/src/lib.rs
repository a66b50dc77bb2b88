//! Throwaway database servers for tests and benches (and a PgBouncer in front of the
//! PostgreSQL one, a proxy that loses connections at COMMIT, and test certificates):
//! each starts a real server from the machine's binaries in a temporary folder, on a
//! free loopback port, and stops it (and removes the folder) when the process that
//! started it exits, however it exits.
//!
//! Dev-only: the runtime's tests and benches depend on it, and so do the TypeScript
//! and Kotlin tests, through the `throwaway-server` binary.

pub mod certificates;
pub mod commit_proxy;
pub mod mariadb;
pub mod pgbouncer;
pub mod postgres;

use std::net::TcpListener;
use std::process::Command;

/// A loopback port free at the time of asking.
pub fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|e| e.to_string())
}

/// Database servers refuse to run as root unless told to (MariaDB) or at all
/// (PostgreSQL, which is then run as `postgres`).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// Runs a command to completion; its output in the error when it fails.
pub fn run(mut command: Command, what: &str) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("{what}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
