//! The test command's conformance step: `cargo test -p conformance`, which starts
//! every language's server stub and client, and the TypeScript server on Node, Deno
//! and Bun (`tests/conformance/README.md`). It runs after every language's own tests,
//! when each toolchain is installed: Deno's and Bun's binaries come from the npm
//! install step (`npm ci`: optional dependencies of the root `package.json`).

use std::process::Command;

use crate::lang::Project;
use crate::process::{Counts, cargo, run_counted};

pub const COMMAND: &str = "cargo test -p conformance";

pub fn run(project: &Project, totals: &mut Counts) -> anyhow::Result<u8> {
    let (code, counts) = run_counted(
        Command::new(cargo())
            .args(["test", "-p", "conformance", "--no-fail-fast"])
            .current_dir(&project.root),
        "cargo test -p conformance",
        crate::lang::rust::count_line,
    )?;
    *totals += counts;
    Ok(code)
}
