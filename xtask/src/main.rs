//! The project's chores: `cargo xtask gen | check | test | fuzz | bench | bench-runtime`.
//!
//! Paths are relative to the workspace root (the parent of this crate's folder), so
//! every command works from any directory.

mod bench;
mod bench_runtime;

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
    /// The test command's fuzz step alone: every fuzz target for a short time.
    Fuzz,
    /// Time load, lower and every target on the real spec (release build).
    Bench {
        /// How many timed runs.
        #[arg(long, default_value_t = 50)]
        runs: u32,
    },
    /// The runtime's write path on a throwaway PostgreSQL, against direct SQL (release).
    BenchRuntime {
        /// Passed to the benchmark: --seconds N, --warmup N, --max-requests N, --cell TXxC.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Task::Gen => gen_task(),
        Task::Check => check_task(),
        Task::Test => test_task(),
        Task::Fuzz => fuzz(&root()),
        Task::Bench { runs } => bench::run(&root(), SPEC, runs),
        Task::BenchRuntime { args } => bench_runtime::run(&root(), &args),
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

/// Files held to prettier's formatting: generated output that is not Rust (Rust
/// output is formatted by prettyplease) and the hand-written TypeScript tests.
/// Globs relative to the root.
const PRETTIER_CHECKED: &[&str] = &[
    "generated/**/*.md",
    "generated/typescript/*.json",
    "generated/typescript/src/**/*.ts",
    "generator/tests/fixtures/features/*/docs/**/*.md",
    "generator/tests/fixtures/features/*/typescript/**/*.{md,json,ts}",
    "tests/typescript/test/**/*.ts",
];

/// The npm workspace (root `package.json` + `package-lock.json`): the generated
/// TypeScript package, its tests and the pinned prettier and TypeScript.
const NPM_WORKSPACE: &str = ".";

/// The TypeScript tests' package, and the tsconfig that type-checks every feature
/// fixture's TypeScript snapshot.
const TS_TESTS: &str = "tests/typescript";
const TS_FIXTURES_TSCONFIG: &str = "tests/typescript/tsconfig.fixtures.json";

/// One step of the test command.
enum Step {
    /// A cargo command, run as is.
    Cargo(&'static [&'static str]),
    /// The drift check, in process: no need for cargo to rebuild and restart this binary.
    Drift,
    /// `npm ci`: the npm workspace's packages, exactly as locked.
    NpmInstall,
    /// prettier over the generated non-Rust files and the TypeScript tests.
    Prettier,
    /// `tsc` (strict) over the generated package and every fixture's snapshot.
    TypeCheck,
    /// `cargo test --workspace`, counting the results.
    Tests,
    /// The TypeScript tests (`node --test`) against the built package and the
    /// reference backend binary, counting the results.
    NodeTests,
    /// Every fuzz target of `fuzz/` for a short fixed time, from its seed corpus.
    Fuzz,
}

impl Step {
    fn describe(&self) -> String {
        match self {
            Step::Cargo(args) => format!("cargo {}", args.join(" ")),
            Step::Drift => "cargo xtask check".to_string(),
            Step::NpmInstall => "npm ci".to_string(),
            Step::Prettier => format!("prettier --check {}", PRETTIER_CHECKED.join(" ")),
            Step::TypeCheck => {
                format!("npm run build -w powersync-write-api && tsc -p {TS_FIXTURES_TSCONFIG}")
            }
            Step::Tests => "cargo test --workspace".to_string(),
            Step::NodeTests => format!("npm test -w {TS_TESTS}"),
            Step::Fuzz => format!(
                "cargo +nightly fuzz run <{}> -- -max_total_time={FUZZ_SECONDS}",
                FUZZ_TARGETS.join("|")
            ),
        }
    }
}

fn test_task() -> anyhow::Result<u8> {
    let root = root();
    let steps = [
        Step::Cargo(&["fmt", "--all", "--check"]),
        Step::Cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            // Optional code such as the generated `proptest` strategies must build too.
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]),
        Step::Drift,
        Step::NpmInstall,
        Step::Prettier,
        Step::TypeCheck,
        Step::Tests,
        Step::NodeTests,
        Step::Fuzz,
    ];
    let mut totals = Totals::default();
    for step in &steps {
        println!("\n$ {}", step.describe());
        let code = match step {
            Step::Cargo(args) => run(Command::new(cargo()).args(*args).current_dir(&root))?,
            Step::Drift => check_task()?,
            Step::NpmInstall => npm_install(&root)?,
            Step::Prettier => prettier_check(&root)?,
            Step::TypeCheck => type_check(&root)?,
            Step::Tests => test_workspace(&root, &mut totals)?,
            Step::NodeTests => node_tests(&root, &mut totals)?,
            Step::Fuzz => fuzz(&root)?,
        };
        if code != 0 {
            eprintln!("\nfailed: {}", step.describe());
            println!(
                "\n{} passed, {} failed",
                totals.passed,
                totals.failed.max(1)
            );
            return Ok(code);
        }
    }
    println!("\nall checks passed");
    println!("\n{} passed, {} failed", totals.passed, totals.failed);
    Ok(0)
}

/// Tests counted over every runner (cargo test, node --test).
#[derive(Default)]
struct Totals {
    passed: u64,
    failed: u64,
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// Runs a command to completion, returning its exit code.
fn run(command: &mut Command) -> anyhow::Result<u8> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("could not run {shown}"))?;
    match status.code() {
        Some(code) => Ok(u8::try_from(code).unwrap_or(1)),
        None => bail!("{shown} was killed by a signal"),
    }
}

/// Installs the npm workspace's packages exactly as the lock file says.
fn npm_install(root: &Path) -> anyhow::Result<u8> {
    let code = run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(root.join(NPM_WORKSPACE)))?;
    if code != 0 {
        eprintln!(
            "could not install the npm workspace's packages (npm ci at the root); \
             Node.js 20 with npm 10 or later is required"
        );
    }
    Ok(code)
}

fn node_modules_bin(root: &Path, package: &str, script: &str) -> PathBuf {
    root.join(NPM_WORKSPACE)
        .join("node_modules")
        .join(package)
        .join(script)
}

/// Checks the files of [`PRETTIER_CHECKED`] with the pinned prettier.
fn prettier_check(root: &Path) -> anyhow::Result<u8> {
    let prettier = node_modules_bin(root, "prettier", "bin/prettier.cjs");
    run(Command::new("node")
        .arg(prettier)
        .arg("--check")
        .args(PRETTIER_CHECKED)
        .current_dir(root))
}

/// Builds the generated TypeScript package with its strict tsconfig, then
/// type-checks every feature fixture's TypeScript snapshot.
fn type_check(root: &Path) -> anyhow::Result<u8> {
    let code = run(Command::new("npm")
        .args(["run", "build", "-w", "powersync-write-api"])
        .current_dir(root))?;
    if code != 0 {
        return Ok(code);
    }
    let tsc = node_modules_bin(root, "typescript", "bin/tsc");
    run(Command::new("node")
        .arg(tsc)
        .args(["-p", TS_FIXTURES_TSCONFIG])
        .current_dir(root))
}

/// `npm test` in the TypeScript tests' package, after building the reference
/// backend binary its end-to-end test starts; counts node's `# pass` / `# fail`.
fn node_tests(root: &Path, totals: &mut Totals) -> anyhow::Result<u8> {
    use std::io::{BufRead, BufReader};

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
    let mut child = Command::new("npm")
        .args(["test", "-w", TS_TESTS])
        .env(
            "POWERSYNC_WRITE_SERVER",
            target.join("debug/powersync-write-server"),
        )
        .current_dir(root)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("could not run `npm test`")?;
    let (mut passed, mut failed) = (0u64, 0u64);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.context("reading `npm test` output")?;
            println!("{line}");
            if let Some(n) = line.strip_prefix("# pass ") {
                passed += n.trim().parse::<u64>().unwrap_or(0);
            } else if let Some(n) = line.strip_prefix("# fail ") {
                failed += n.trim().parse::<u64>().unwrap_or(0);
            }
        }
    }
    let status = child.wait().context("waiting for `npm test`")?;
    println!("\nnode --test: {passed} passed, {failed} failed");
    totals.passed += passed;
    totals.failed += failed;
    match status.code() {
        Some(0) if passed == 0 => {
            eprintln!("node --test ran no test");
            Ok(1)
        }
        Some(code) => Ok(u8::try_from(code).unwrap_or(1)),
        None => bail!("`npm test` was killed by a signal"),
    }
}

/// The fuzz crate (its own workspace), its targets, and how long the test command
/// runs each: a short smoke run that still finds shallow panics; long runs are
/// `cargo +nightly fuzz run <target>` by hand.
const FUZZ_CRATE: &str = "fuzz";
const FUZZ_TARGETS: [&str; 2] = ["convert_sqlite", "convert_postgres"];
const FUZZ_SECONDS: u32 = 15;

/// Runs every fuzz target for [`FUZZ_SECONDS`] from the seeds in
/// `fuzz/corpus/<target>`; a crash fails the step (libFuzzer exits non-zero and
/// cargo-fuzz names the crashing input in `fuzz/artifacts/<target>`). New inputs go
/// to a scratch corpus under `fuzz/target`, so the committed seeds stay as written.
/// Its output is libFuzzer's, never read for the test count.
fn fuzz(root: &Path) -> anyhow::Result<u8> {
    let crate_dir = root.join(FUZZ_CRATE);
    // `cargo +nightly` needs rustup's cargo, not the toolchain binary `$CARGO` names;
    // the outer cargo's settings must not leak into the nightly build.
    let nightly = || {
        let mut command = Command::new("cargo");
        command
            .arg("+nightly")
            .env_remove("RUSTUP_TOOLCHAIN")
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .current_dir(&crate_dir);
        command
    };
    let has_nightly = nightly()
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !has_nightly {
        eprintln!(
            "the fuzz step needs rustup's nightly toolchain (`cargo +nightly` failed): \
             install it with `rustup toolchain install nightly`"
        );
        return Ok(1);
    }
    let has_cargo_fuzz = nightly()
        .args(["fuzz", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !has_cargo_fuzz {
        eprintln!("the fuzz step needs cargo-fuzz: cargo install cargo-fuzz --locked");
        return Ok(1);
    }
    // Debug assertions on: an integer overflow is a crash, as in `cargo test`.
    let code = run(nightly().args(["fuzz", "build", "--debug-assertions"]))?;
    if code != 0 {
        return Ok(code);
    }
    for target in FUZZ_TARGETS {
        let scratch = crate_dir.join("target/scratch-corpus").join(target);
        if scratch.exists() {
            std::fs::remove_dir_all(&scratch)
                .with_context(|| format!("could not empty {}", scratch.display()))?;
        }
        std::fs::create_dir_all(&scratch)
            .with_context(|| format!("could not create {}", scratch.display()))?;
        println!("\nfuzzing {target} for {FUZZ_SECONDS} s");
        let code = run(nightly()
            .args(["fuzz", "run", "--debug-assertions", target])
            .arg(&scratch)
            .arg(Path::new("corpus").join(target))
            .arg("--")
            // Type names and parser tokens (`9223372036854775807`, `é`): without
            // them a short run rarely reaches an exponent near i64's ends.
            .arg("-dict=convert.dict")
            .arg(format!("-max_total_time={FUZZ_SECONDS}"))
            // A conversion that allocates without bound, or loops, is a crash too.
            .args(["-rss_limit_mb=2048", "-malloc_limit_mb=512", "-timeout=10"])
            .arg("-print_final_stats=1"))?;
        if code != 0 {
            eprintln!("fuzz target {target} failed: see its crashing input above");
            return Ok(code);
        }
    }
    Ok(0)
}

/// `cargo test --workspace`, echoing its output and ending with one line that sums up
/// every test binary's `test result:` line, so a reader (or CI) sees the total.
fn test_workspace(root: &Path, totals: &mut Totals) -> anyhow::Result<u8> {
    use std::io::{BufRead, BufReader};

    let mut child = Command::new(cargo())
        .args(["test", "--workspace", "--no-fail-fast"])
        .current_dir(root)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("could not run `cargo test`")?;
    let (mut passed, mut failed) = (0u64, 0u64);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.context("reading `cargo test` output")?;
            println!("{line}");
            if let Some(summary) = line.strip_prefix("test result: ") {
                passed += count_before(summary, "passed");
                failed += count_before(summary, "failed");
            }
        }
    }
    let status = child.wait().context("waiting for `cargo test`")?;
    println!("\ncargo test --workspace: {passed} passed, {failed} failed");
    totals.passed += passed;
    totals.failed += failed;
    match status.code() {
        Some(code) => Ok(u8::try_from(code).unwrap_or(1)),
        None => bail!("`cargo test` was killed by a signal"),
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
    use super::count_before;

    #[test]
    fn test_result_lines_are_counted() {
        let line =
            "FAILED. 26 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.18s";
        assert_eq!(count_before(line, "passed"), 26);
        assert_eq!(count_before(line, "failed"), 1);
        assert_eq!(count_before("ok. 0 passed; 0 failed", "ignored"), 0);
    }
}
