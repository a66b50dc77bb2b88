//! The project's chores: `cargo xtask gen | check | test | gen-samples | fuzz | chaos |
//! bench | bench-runtime | bench-examples`.
//!
//! The test command's per-language steps live in `lang/` (one module per language);
//! its last step, the fuzz run, in `fuzz.rs`.
//!
//! Paths are relative to the workspace root (the parent of this crate's folder), so
//! every command works from any directory.

mod bench;
mod bench_runtime;
mod chaos;
mod conformance;
mod fuzz;
mod gen_samples;
mod lang;
mod process;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use powersync_write_gen::emit::{self, DriftKind};
use powersync_write_gen::{GenerateError, GenerateOptions, Generation, generate};

use lang::{Counts, Language, Project, Step};

/// The canonical spec and the committed output folder, relative to the root.
const SPEC: &str = "spec/powersync-write.yaml";
const GENERATED: &str = "generated";
const REGENERATE: &str = "cargo xtask gen";
/// The name of every generated package (the Rust crate, the npm package): given to
/// the generator by `gen` and `check`, and used by the test command's steps, so the
/// two cannot disagree. The generator's default from `info.title` gives the same.
const PACKAGE_NAME: &str = "powersync-write-api";

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
    /// The one test command: every language's format, type and lint checks, the
    /// drift check, every language's tests, then a short fuzz run.
    Test {
        /// Print the steps, in order, without running them.
        #[arg(long)]
        list: bool,
        /// Run (or list) only the steps whose label (see `--list`) contains this text:
        /// `--only typescript`, `--only "format check"`, `--only drift`.
        #[arg(long, value_name = "TEXT")]
        only: Option<String>,
    },
    /// The property test over generated specs: N random specs inside the supported
    /// subset, every target generated for each, then prettier, tsc and clippy
    /// (warnings as errors) over all the output. Files are kept under
    /// `<target dir>/gen-samples/`.
    GenSamples {
        /// How many specs.
        #[arg(long, default_value_t = gen_samples::CI_SAMPLES)]
        samples: u64,
        /// The first sample's seed; sample i uses seed + i.
        #[arg(long, default_value_t = gen_samples::CI_SEED)]
        seed: u64,
        /// Check these spec files (e.g. a minimal spec of a bug found) instead of
        /// random ones.
        #[arg(long = "spec", value_name = "FILE")]
        specs: Vec<PathBuf>,
    },
    /// The test command's fuzz step alone: every fuzz target for a short time.
    Fuzz,
    /// The reference backend under faults with an exactly-once audit (tests/chaos).
    Chaos {
        /// Passed to the chaos program: --seconds N (default 180), --devices N,
        /// --fault-every-ms N, --seed N.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Time load, lower and every target on the real spec (release build).
    Bench {
        /// How many timed runs.
        #[arg(long, default_value_t = 50)]
        runs: u32,
    },
    /// The runtime's write path on a throwaway PostgreSQL, against direct SQL (release).
    BenchRuntime {
        /// Passed to the benchmark: --seconds N, --warmup N, --max-requests N, --cell TXxC,
        /// --database postgres|mariadb|all, --rounds N (alternating runs per cell; medians).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// The example backends of the generated Python and Go packages against the
    /// runtime, on the same throwaway PostgreSQL, in the same run (release).
    BenchExamples {
        /// Passed to the benchmark: --seconds N, --warmup N, --max-requests N, --cell TXxC.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Task::Gen => gen_task(),
        Task::Check => check_task(),
        Task::Test { list, only } => test_task(list, only.as_deref()),
        Task::GenSamples {
            samples,
            seed,
            specs,
        } => gen_samples::run_samples(
            &root(),
            &gen_samples::Run {
                samples,
                seed,
                specs,
            },
        ),
        Task::Fuzz => fuzz::run_all(&root()),
        Task::Chaos { args } => chaos::run_chaos(&root(), &args),
        Task::Bench { runs } => bench::run(&root(), SPEC, PACKAGE_NAME, runs),
        Task::BenchRuntime { args } => bench_runtime::run_bench(&root(), &args),
        Task::BenchExamples { args } => bench_runtime::run_examples(&root(), &args),
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
        package_name: Some(PACKAGE_NAME.to_string()),
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

/// The test command's steps, in order (CI runs them through `.ci/run`):
///
/// 1. the generator's own language (Rust): format check and lints, which also cover
///    the generator;
/// 2. every other language's install: generating runs their formatters (prettier);
/// 3. the drift check (`cargo xtask check`), before any check of generated output in
///    another language;
/// 4. every other language: format check, type check;
/// 5. the property test over a few generated specs (`gen_samples`): every target's
///    output passes the same format and type checks;
/// 6. every language's tests, in [`lang::all`] order;
/// 7. two short chaos runs, direct and through PgBouncer (faults with the exactly-once audit);
/// 8. a short run of every fuzz target.
fn test_plan(project: &Project) -> Vec<Step> {
    let languages = lang::all();
    let install = |language: &dyn Language| {
        let name = language.name();
        language
            .install(project)
            .map(|s| s.labelled(format!("{name}: install")))
    };
    let checks = |language: &dyn Language| {
        let name = language.name();
        [
            language
                .format_check(project)
                .map(|s| s.labelled(format!("{name}: format check"))),
            language
                .type_check(project)
                .map(|s| s.labelled(format!("{name}: type check"))),
        ]
        .into_iter()
        .flatten()
    };
    let mut steps = Vec::new();
    let (host, others) = languages.split_first().expect("at least the host language");
    steps.extend(install(host.as_ref()));
    steps.extend(checks(host.as_ref()));
    // Generation runs every target's formatter (prettier for TypeScript), so the
    // other languages' tools are installed before the drift check regenerates.
    steps.extend(
        others
            .iter()
            .filter_map(|language| install(language.as_ref())),
    );
    steps.push(Step::new("cargo xtask check", |_, _| check_task()).labelled("drift check"));
    for language in others {
        steps.extend(checks(language.as_ref()));
    }
    steps.push(
        Step::new(
            gen_samples::describe(gen_samples::CI_SAMPLES, gen_samples::CI_SEED),
            |project, _| gen_samples::run_samples(&project.root, &gen_samples::Run::ci()),
        )
        .labelled("generated specs"),
    );
    steps.extend(languages.iter().filter_map(|language| {
        let name = language.name();
        language
            .test(project)
            .map(|s| s.labelled(format!("{name}: tests")))
    }));
    steps.push(Step::new(conformance::COMMAND, conformance::run).labelled("conformance"));
    steps.push(
        Step::new(chaos::describe(), |project, _| chaos::run_ci(&project.root)).labelled("chaos"),
    );
    steps.push(
        Step::new(fuzz::describe(), |project, _| fuzz::run_all(&project.root)).labelled("fuzz"),
    );
    steps
}

fn test_task(list: bool, only: Option<&str>) -> anyhow::Result<u8> {
    let project = Project {
        root: root(),
        package_name: PACKAGE_NAME,
    };
    // Numbered as in the whole plan, so `--only` shows where its steps stand.
    let mut steps: Vec<(usize, Step)> = test_plan(&project)
        .into_iter()
        .enumerate()
        .map(|(n, step)| (n + 1, step))
        .collect();
    if let Some(only) = only {
        let labels: Vec<String> = steps.iter().map(|(_, s)| s.label.clone()).collect();
        steps.retain(|(_, step)| step.label.contains(only));
        if steps.is_empty() {
            eprintln!(
                "no step's label contains `{only}`; the steps are: {}",
                labels.join(", ")
            );
            return Ok(2);
        }
    }
    if !list && let Some(message) = snapshot_rewrite_refusal(|name| std::env::var_os(name)) {
        eprintln!("{message}");
        return Ok(2);
    }
    if list {
        for (n, step) in &steps {
            println!("{n}. {}\n   $ {}", step.label, step.command);
        }
        return Ok(0);
    }
    let mut totals = Counts::default();
    // Each step's wall time, printed at the end: what each part costs CI.
    let mut times: Vec<(String, std::time::Duration)> = Vec::new();
    for (_, step) in &steps {
        println!("\n$ {}", step.command);
        let started = std::time::Instant::now();
        let code = (step.action)(&project, &mut totals)?;
        times.push((step.label.clone(), started.elapsed()));
        if code != 0 {
            eprintln!("\nfailed: {}", step.command);
            println!(
                "\n{} passed, {} failed",
                totals.passed,
                totals.failed.max(1)
            );
            return Ok(code);
        }
    }
    println!("\nwall time per step:");
    for (label, time) in &times {
        println!("  {:>7.1} s  {label}", time.as_secs_f64());
    }
    println!("\nall checks passed");
    println!("\n{} passed, {} failed", totals.passed, totals.failed);
    Ok(0)
}

/// Variables under which snapshot tests record what they see instead of checking it
/// (generator/tests: features, lowering, rejected).
const SNAPSHOT_REWRITE_VARIABLES: &[&str] = &["UPDATE_EXPECT"];

/// Why the test command refuses to run, when a variable of
/// [`SNAPSHOT_REWRITE_VARIABLES`] is set: every snapshot test would pass by rewriting
/// its snapshot. (The xtask cannot unset it for its steps: `unsafe_code` is forbidden.)
fn snapshot_rewrite_refusal(lookup: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<String> {
    let set: Vec<&str> = SNAPSHOT_REWRITE_VARIABLES
        .iter()
        .copied()
        .filter(|name| lookup(name).is_some())
        .collect();
    (!set.is_empty()).then(|| {
        format!(
            "{} is set in the environment: the snapshot tests would rewrite their recorded \
             files instead of checking them, so the test command does not run. Unset it \
             (`unset {}`) and run again; to record snapshots on purpose, run `UPDATE_EXPECT=1 \
             cargo test -p powersync-write-gen --test features --test lowering --test \
             rejected` and review the diff.",
            set.join(", "),
            set.join(" ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{PACKAGE_NAME, Project, root, snapshot_rewrite_refusal, test_plan};

    #[test]
    fn the_test_command_refuses_to_run_while_snapshots_would_be_rewritten() {
        assert_eq!(snapshot_rewrite_refusal(|_| None), None);
        let refusal =
            snapshot_rewrite_refusal(|name| (name == "UPDATE_EXPECT").then(|| "1".into()))
                .expect("refused");
        assert!(
            refusal.starts_with("UPDATE_EXPECT is set in the environment"),
            "{refusal}"
        );
        assert!(refusal.contains("unset UPDATE_EXPECT"), "{refusal}");
    }

    /// The order and commands CI depends on (the README's "The test command").
    #[test]
    fn the_test_command_keeps_its_steps_and_order() {
        let project = Project {
            root: root(),
            package_name: PACKAGE_NAME,
        };
        let commands: Vec<String> = test_plan(&project)
            .into_iter()
            .map(|step| step.command)
            .collect();
        let expected = [
            "cargo fmt --all --check",
            "cargo clippy --workspace --all-targets --all-features -- -D warnings",
            "npm ci",
            "python3 -m venv .venv && .venv/bin/pip install -r tests/python/requirements.txt",
            "GOBIN=.gotools/bin go install honnef.co/go/tools/cmd/staticcheck@v0.8.2",
            "mvn org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
             -Dartifact=com.pinterest.ktlint:ktlint-cli:1.8.0:jar:all -DoutputDirectory=.kotlintools",
            "cargo xtask check",
            "prettier --check generated/**/*.md generated/typescript/*.json \
             generated/typescript/src/**/*.ts generator/tests/fixtures/features/*/docs/**/*.md \
             generator/tests/fixtures/features/*/typescript/**/*.{md,json,ts} \
             tests/typescript/test/**/*.ts tests/typescript/features/**/*.ts tests/typescript/*.{json,mjs} templates/typescript/support/**/*.{ts,json} \
             templates/typescript/examples/**/*.{ts,json} tests/conformance/**/*.{ts,json} \
             tests/connector-scenarios/*.{json,md}",
            "npm run build -w powersync-write-api && tsc -p tests/typescript/tsconfig.fixtures.json",
            "ruff format --check generated/python templates/python/support \
             templates/python/examples tests/python tests/conformance/servers/python \
             tests/conformance/clients/python generator/tests/fixtures/features/*/python",
            "ruff check generated/python templates/python/support templates/python/examples \
             tests/python tests/conformance/servers/python tests/conformance/clients/python \
             generator/tests/fixtures/features/*/python && mypy --config-file tests/python/mypy.ini \
             generated/python/src/* generated/python/examples templates/python/support tests/python \
             tests/conformance/servers/python tests/conformance/clients/python \
             generator/tests/fixtures/features/*/python/src/*",
            "gofmt -l generated/go templates/go/support templates/go/examples tests/go \
             tests/conformance generator/tests/fixtures/features",
            "go vet && staticcheck (generated/go, tests/go, tests/conformance, \
             generator/tests/fixtures/features/*/go; generated/go/examples/pgx, templates/go/examples/pgx on its own)",
            "ktlint generated/kotlin/**/*.kt templates/kotlin/support/*.kt tests/kotlin/**/*.kt \
             generator/tests/fixtures/features/*/kotlin/**/*.kt",
            "mvn -f tests/kotlin/pom.xml test-compile && mvn compile \
             (generator/tests/fixtures/features/*/kotlin); -Werror",
            "cargo xtask gen-samples --samples 8 --seed 1",
            "cargo test --workspace --exclude conformance",
            "npm test -w tests/typescript",
            "pytest tests/python templates/python/support/tests",
            "go test -race (generated/go, tests/go; templates/go/examples/pgx on its own)",
            "mvn -f tests/kotlin/pom.xml test",
            "cargo test -p conformance",
            "cargo xtask chaos --seconds 45 --devices 6 --fault-every-ms 2000 && cargo xtask chaos --pooler --seconds 30 --devices 4 --fault-every-ms 3000",
            "cargo +nightly fuzz run <convert_sqlite -runs=100000 | convert_postgres -runs=100000 | convert_mysql -runs=100000 | upload_request -runs=5000 | spec_loader -runs=1500>",
        ];
        assert_eq!(commands, expected);
    }

    /// The generator's default name for the canonical spec is the one `gen` passes,
    /// so the CLI run without `--package-name` agrees with `generated/`.
    #[test]
    fn the_package_name_is_the_generators_default() {
        let api = powersync_write_gen::load_and_lower(&root().join(super::SPEC))
            .expect("the canonical spec loads");
        assert_eq!(
            powersync_write_gen::package_name_from_title(&api.title),
            PACKAGE_NAME
        );
    }
}
