//! Running the commands the chores are made of.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

/// The cargo that runs this xtask (`$CARGO`), so steps use the same toolchain.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// Runs a command to completion, returning its exit code.
pub fn run(command: &mut Command) -> anyhow::Result<u8> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("could not run {shown}"))?;
    match status.code() {
        Some(code) => Ok(u8::try_from(code).unwrap_or(1)),
        None => bail!("{shown} was killed by a signal"),
    }
}

/// Tests passed and failed, as one test runner reported them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// Runs a test runner, echoing its standard output line by line and adding up what
/// `count` reads from each line (a runner's summary line: `test result: ...`,
/// `# pass N`). `runner` names the command in errors (`cargo test`). Returns the
/// runner's exit code and the counts.
pub fn run_counted(
    command: &mut Command,
    runner: &str,
    count: impl Fn(&str) -> Counts,
) -> anyhow::Result<(u8, Counts)> {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not run `{runner}`"))?;
    let mut counts = Counts::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.with_context(|| format!("reading `{runner}` output"))?;
            println!("{line}");
            counts += count(&line);
        }
    }
    let status = child
        .wait()
        .with_context(|| format!("waiting for `{runner}`"))?;
    match status.code() {
        Some(code) => Ok((u8::try_from(code).unwrap_or(1), counts)),
        None => bail!("`{runner}` was killed by a signal"),
    }
}
