//! The test command's last step: a short run of every fuzz target of `fuzz/`
//! (`cargo xtask fuzz` runs it alone): the persisters' value conversions, the
//! generated Rust server's request decoding and validation, and the spec loader.

use std::path::Path;
use std::process::Command;

use anyhow::Context as _;

use crate::process::run;

/// The fuzz crate (its own workspace) and the committed seeds, one folder per target,
/// relative to the root.
const FUZZ_CRATE: &str = "fuzz";
const CORPUS: &str = "tests/fuzz-corpus";

/// One fuzz target and how the test command runs it: a fixed number of inputs, a
/// smoke run that still finds shallow panics (about ten seconds each here); long
/// runs are `cargo +nightly fuzz run <target>` by hand (optimised, with
/// AddressSanitizer).
struct Target {
    name: &'static str,
    runs: u32,
    /// Type names and parser tokens (`9223372036854775807`, `é`): without them a
    /// short run rarely reaches an exponent near i64's ends.
    dict: Option<&'static str>,
}

const TARGETS: [Target; 5] = [
    Target {
        name: "convert_sqlite",
        runs: 100_000,
        dict: Some("convert.dict"),
    },
    Target {
        name: "convert_postgres",
        runs: 100_000,
        dict: Some("convert.dict"),
    },
    Target {
        name: "convert_mysql",
        runs: 100_000,
        dict: Some("convert.dict"),
    },
    Target {
        name: "upload_request",
        runs: 5_000,
        dict: None,
    },
    Target {
        name: "spec_loader",
        runs: 1_500,
        dict: None,
    },
];

/// Runs every fuzz target for its number of inputs from the seeds in
/// `tests/fuzz-corpus/<target>`; a crash fails the step (libFuzzer exits non-zero and
/// cargo-fuzz names the crashing input in `fuzz/artifacts/<target>`). New inputs go
/// to a scratch corpus under `fuzz/target`, so the committed seeds stay as written.
/// Its output is libFuzzer's, never read for the test count.
pub fn run_all(root: &Path) -> anyhow::Result<u8> {
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
    // The smoke run's build: unoptimised and without AddressSanitizer (the targets
    // are safe Rust; a panic is what they look for). The optimised ASan build of the
    // whole runtime took most of the step's 15 minutes on two cores, for 15 s of
    // fuzzing each; this one takes a third of that and still runs ~8,000 inputs a
    // second. Debug assertions on: an integer overflow is a crash, as in `cargo test`.
    const BUILD: [&str; 3] = ["--dev", "--sanitizer=none", "--debug-assertions"];
    let code = run(nightly().args(["fuzz", "build"]).args(BUILD))?;
    if code != 0 {
        return Ok(code);
    }
    for Target { name, runs, dict } in TARGETS {
        let scratch = crate_dir.join("target/scratch-corpus").join(name);
        if scratch.exists() {
            std::fs::remove_dir_all(&scratch)
                .with_context(|| format!("could not empty {}", scratch.display()))?;
        }
        std::fs::create_dir_all(&scratch)
            .with_context(|| format!("could not create {}", scratch.display()))?;
        println!("\nfuzzing {name} on {runs} inputs");
        let mut command = nightly();
        command
            .args(["fuzz", "run"])
            .args(BUILD)
            .arg(name)
            .arg(&scratch)
            .arg(root.join(CORPUS).join(name))
            .arg("--");
        if let Some(dict) = dict {
            command.arg(format!("-dict={dict}"));
        }
        let code = run(command
            .arg(format!("-runs={runs}"))
            // A conversion that allocates without bound, or loops, is a crash too.
            .args(["-rss_limit_mb=2048", "-timeout=10"])
            .arg("-print_final_stats=1"))?;
        if code != 0 {
            eprintln!("fuzz target {name} failed: see its crashing input above");
            return Ok(code);
        }
    }
    Ok(0)
}

/// The step's command as the test command prints it.
pub fn describe() -> String {
    let targets: Vec<String> = TARGETS
        .iter()
        .map(|t| format!("{} -runs={}", t.name, t.runs))
        .collect();
    format!("cargo +nightly fuzz run <{}>", targets.join(" | "))
}
