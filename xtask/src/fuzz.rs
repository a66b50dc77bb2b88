//! The test command's last step: a short run of every fuzz target of `fuzz/`
//! (`cargo xtask fuzz` runs it alone): the persisters' value conversions, the
//! generated Rust server's request decoding and validation, and the spec loader.

use std::path::Path;
use std::process::Command;

use anyhow::Context as _;

use crate::process::run;

/// The fuzz crate (its own workspace), its targets, and how long the test command
/// runs each: a short smoke run that still finds shallow panics; long runs are
/// `cargo +nightly fuzz run <target>` by hand (optimised, with AddressSanitizer).
const FUZZ_CRATE: &str = "fuzz";
const FUZZ_TARGETS: [&str; 5] = [
    "convert_sqlite",
    "convert_postgres",
    "convert_mysql",
    "upload_request",
    "spec_loader",
];
/// The targets that read a dictionary: type names and parser tokens
/// (`9223372036854775807`, `é`); without them a short run rarely reaches an exponent
/// near i64's ends.
const CONVERT_DICT: (&[&str], &str) = (
    &["convert_sqlite", "convert_postgres", "convert_mysql"],
    "-dict=convert.dict",
);
const FUZZ_SECONDS: u32 = 10;

/// Runs every fuzz target for [`FUZZ_SECONDS`] from the seeds in
/// `fuzz/corpus/<target>`; a crash fails the step (libFuzzer exits non-zero and
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
    for target in FUZZ_TARGETS {
        let scratch = crate_dir.join("target/scratch-corpus").join(target);
        if scratch.exists() {
            std::fs::remove_dir_all(&scratch)
                .with_context(|| format!("could not empty {}", scratch.display()))?;
        }
        std::fs::create_dir_all(&scratch)
            .with_context(|| format!("could not create {}", scratch.display()))?;
        println!("\nfuzzing {target} for {FUZZ_SECONDS} s");
        let mut command = nightly();
        command
            .args(["fuzz", "run"])
            .args(BUILD)
            .arg(target)
            .arg(&scratch)
            .arg(Path::new("corpus").join(target))
            .arg("--");
        if CONVERT_DICT.0.contains(&target) {
            command.arg(CONVERT_DICT.1);
        }
        let code = run(command
            .arg(format!("-max_total_time={FUZZ_SECONDS}"))
            // A conversion that allocates without bound, or loops, is a crash too.
            .args(["-rss_limit_mb=2048", "-timeout=10"])
            .arg("-print_final_stats=1"))?;
        if code != 0 {
            eprintln!("fuzz target {target} failed: see its crashing input above");
            return Ok(code);
        }
    }
    Ok(0)
}

/// The step's command as the test command prints it.
pub fn describe() -> String {
    format!(
        "cargo +nightly fuzz run <{}> -- -max_total_time={FUZZ_SECONDS}",
        FUZZ_TARGETS.join("|")
    )
}
