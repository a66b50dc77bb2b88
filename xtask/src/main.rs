//! The project's chores: `cargo xtask gen | check | test | bench`.
//!
//! Paths are relative to the workspace root (the parent of this crate's folder), so
//! every command works from any directory.

mod bench;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use powersync_write_gen::emit::{self, DriftKind};
use powersync_write_gen::{GenerateError, GenerateOptions, Generation, generate};

/// The canonical spec and the committed output folder, relative to the root.
const SPEC: &str = "spec/powersync-write.yaml";
const GENERATED: &str = "generated";
const REGENERATE: &str = "cargo xtask gen";

#[derive(Parser)]
#[command(name = "cargo xtask", about = "PowerSync write-path project chores")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate generated/ from spec/powersync-write.yaml, every target.
    Gen,
    /// Fail if regenerating would change, add or remove any file in generated/.
    Check,
    /// The one test command: fmt, clippy, drift check, then every test.
    Test,
    /// Time load, lower and every target on the real spec (release build).
    Bench {
        /// How many timed runs.
        #[arg(long, default_value_t = 50)]
        runs: u32,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Task::Gen => gen_task(),
        Task::Check => check_task(),
        Task::Test => test_task(),
        Task::Bench { runs } => bench::run(&root(), SPEC, runs),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: this crate lives in `<root>/xtask`.
fn root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Generates every target from the canonical spec, or explains why not.
fn generate_all(root: &Path) -> anyhow::Result<Result<Generation, u8>> {
    let options = GenerateOptions {
        spec: root.join(SPEC),
        spec_display_path: SPEC.to_string(),
        targets: Vec::new(),
        package_name: None,
        regenerate_command: REGENERATE.to_string(),
    };
    match generate(&options) {
        Ok(generation) => Ok(Ok(generation)),
        Err(GenerateError::Spec(diagnostics)) => {
            eprintln!("{diagnostics}");
            Ok(Err(2))
        }
        Err(other) => Err(other.into()),
    }
}

/// `path` relative to the root, for messages.
fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn gen_task() -> anyhow::Result<u8> {
    let root = root();
    let generation = match generate_all(&root)? {
        Ok(generation) => generation,
        Err(code) => return Ok(code),
    };
    let report = emit::write(
        &root.join(GENERATED),
        &generation.files,
        &generation.targets,
    )?;
    for path in &report.written {
        println!("  wrote: {}", shown(&root, path));
    }
    for path in &report.removed {
        println!("  removed: {}", shown(&root, path));
    }
    println!(
        "{GENERATED}/: {} written, {} unchanged, {} removed",
        report.written.len(),
        report.unchanged,
        report.removed.len()
    );
    Ok(0)
}

fn check_task() -> anyhow::Result<u8> {
    let root = root();
    let generation = match generate_all(&root)? {
        Ok(generation) => generation,
        Err(code) => return Ok(code),
    };
    let drift = emit::check(
        &root.join(GENERATED),
        &generation.files,
        &generation.targets,
    )?;
    if drift.is_empty() {
        println!(
            "{GENERATED}/ is up to date ({} files)",
            generation.files.len()
        );
        return Ok(0);
    }
    eprintln!("{GENERATED}/ is out of date with {SPEC}:");
    for d in &drift {
        eprintln!("  {}: {}", d.kind, shown(&root, &d.path));
    }
    let stale = drift.iter().any(|d| d.kind == DriftKind::Stale);
    let also = if stale {
        " (it also removes the stale files)"
    } else {
        ""
    };
    eprintln!("run `{REGENERATE}` to regenerate{also}");
    Ok(1)
}

fn test_task() -> anyhow::Result<u8> {
    let root = root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let steps: [&[&str]; 4] = [
        &["fmt", "--all", "--check"],
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &["xtask", "check"],
        &["test", "--workspace"],
    ];
    for args in steps {
        println!("\n$ cargo {}", args.join(" "));
        let code = if args == ["xtask", "check"] {
            // In process: no need for cargo to rebuild and restart this binary.
            check_task()?
        } else {
            let status = Command::new(&cargo)
                .args(args)
                .current_dir(&root)
                .status()
                .with_context(|| format!("could not run `cargo {}`", args.join(" ")))?;
            match status.code() {
                Some(code) => u8::try_from(code).unwrap_or(1),
                None => bail!("`cargo {}` was killed by a signal", args.join(" ")),
            }
        };
        if code != 0 {
            eprintln!("\nfailed: cargo {}", args.join(" "));
            return Ok(code);
        }
    }
    println!("\nall checks passed");
    Ok(0)
}
