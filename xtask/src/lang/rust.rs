//! Rust: the generator, the runtime, the generated crate (`generated/rust`) and every
//! feature fixture's crate are members of the one cargo workspace, so one command per
//! stage covers them all.

use std::process::Command;

use super::{Counts, Language, Project, Step};
use crate::process::{cargo, run, run_counted};

pub struct Rust;

impl Language for Rust {
    fn name(&self) -> &'static str {
        "rust"
    }

    /// Nothing: cargo fetches the locked dependencies as it builds.
    fn install(&self, _: &Project) -> Option<Step> {
        None
    }

    /// rustfmt over the workspace. The generated crates are printed by prettyplease
    /// and carry a `rustfmt.toml` that keeps rustfmt off them.
    fn format_check(&self, _: &Project) -> Option<Step> {
        Some(cargo_step(&["fmt", "--all", "--check"]))
    }

    /// clippy, warnings as errors; this compiles the generated crate and every feature
    /// fixture's crate, so output that does not build fails here.
    fn type_check(&self, _: &Project) -> Option<Step> {
        Some(cargo_step(&[
            "clippy",
            "--workspace",
            "--all-targets",
            // Optional code such as the generated `proptest` strategies must build too.
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]))
    }

    fn test(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            "cargo test --workspace --exclude conformance",
            test_workspace,
        ))
    }
}

/// A cargo command at the root, run as is and shown as typed.
fn cargo_step(args: &'static [&'static str]) -> Step {
    Step::new(format!("cargo {}", args.join(" ")), move |project, _| {
        run(Command::new(cargo()).args(args).current_dir(&project.root))
    })
}

/// `cargo test --workspace`, echoing its output and ending with one line that sums up
/// every test binary's `test result:` line, so a reader (or CI) sees the total. The
/// cross-language conformance crate has its own step once every language is built
/// (`crate::conformance`).
fn test_workspace(project: &Project, totals: &mut Counts) -> anyhow::Result<u8> {
    let (code, counts) = run_counted(
        Command::new(cargo())
            .args([
                "test",
                "--workspace",
                "--exclude",
                "conformance",
                "--no-fail-fast",
            ])
            .current_dir(&project.root),
        "cargo test",
        count_line,
    )?;
    println!(
        "\ncargo test --workspace: {} passed, {} failed",
        counts.passed, counts.failed
    );
    *totals += counts;
    Ok(code)
}

/// The counts of one line of `cargo test` output: a test binary's `test result:` line.
pub(crate) fn count_line(line: &str) -> Counts {
    match line.strip_prefix("test result: ") {
        Some(summary) => Counts {
            passed: count_before(summary, "passed"),
            failed: count_before(summary, "failed"),
        },
        None => Counts::default(),
    }
}

/// The number just before `label` in a `test result:` line (`ok. 3 passed; 0 failed; ...`).
fn count_before(summary: &str, label: &str) -> u64 {
    summary
        .split(';')
        .find_map(|part| {
            let mut words = part.split_whitespace().rev();
            if words.next() == Some(label) {
                words.next()?.parse().ok()
            } else {
                None
            }
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::{Counts, count_before, count_line};

    #[test]
    fn test_result_lines_are_counted() {
        let line =
            "FAILED. 26 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.18s";
        assert_eq!(count_before(line, "passed"), 26);
        assert_eq!(count_before(line, "failed"), 1);
        assert_eq!(count_before("ok. 0 passed; 0 failed", "ignored"), 0);
    }

    #[test]
    fn only_summary_lines_count() {
        assert_eq!(
            count_line("test result: ok. 3 passed; 0 failed; 0 ignored"),
            Counts {
                passed: 3,
                failed: 0
            }
        );
        // A test's own output that merely mentions a result is not a summary.
        assert_eq!(
            count_line("test it_passed ... ok; 9 passed"),
            Counts::default()
        );
    }
}
