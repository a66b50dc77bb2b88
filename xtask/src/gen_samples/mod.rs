//! `cargo xtask gen-samples`: the property test over generated specs.
//!
//! Writes N random specs (see [`spec`]) under `<target>/gen-samples/<i>/spec.json`,
//! generates every target for each into `<i>/out/`, then checks them all in a few
//! process launches:
//! - Rust: one cargo workspace over the N sample crates, `cargo clippy --offline
//!   --all-targets --all-features -- -D warnings`, with the repository's
//!   `Cargo.lock` (so resolution stays offline) and the same target directory;
//! - TypeScript and docs: the pinned `prettier --check` over every sample's
//!   TypeScript package and Markdown, and `tsc` over every sample's sources with the
//!   generated package's strict tsconfig;
//! - Python: the pinned `ruff check` and `mypy --strict` over every sample's
//!   package, each then imported;
//! - Go: `gofmt -l` and `go vet` over every sample's module;
//! - Kotlin: the pinned ktlint over every sample's sources, and one Maven reactor
//!   over every sample's project compiling them (`-Werror`).
//!
//! Sample `i` of a run with seed `S` is the spec of seed `S + i`: a failure names
//! the sample, its spec and the command that regenerates it alone. The files are
//! kept after a run. `--spec FILE` checks given specs the same way.
//!
//! The checks of the samples' output are spelled out here rather than taken from
//! `lang/`, whose steps name the repository's own folders; a new target adds its
//! check to [`run_samples`].

pub mod spec;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;
use powersync_write_gen::{GenerateError, GenerateOptions, emit, generate};

use crate::process::{cargo, run};

/// The test command's bounded run: a few samples from a fixed seed, so CI is
/// deterministic; `cargo xtask gen-samples --samples 200 --seed $RANDOM` runs more.
pub const CI_SAMPLES: u64 = 8;
pub const CI_SEED: u64 = 1;

/// The folder the samples are written to: `gen-samples` in cargo's target directory.
pub fn samples_dir(root: &Path) -> PathBuf {
    target_dir(root).join("gen-samples")
}

/// Cargo's target directory: `$CARGO_TARGET_DIR`, or `target` at the root.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

pub fn describe(samples: u64, seed: u64) -> String {
    format!("cargo xtask gen-samples --samples {samples} --seed {seed}")
}

/// What to run: random specs, or given spec files.
pub struct Run {
    pub samples: u64,
    pub seed: u64,
    /// Check these spec files instead of random ones.
    pub specs: Vec<PathBuf>,
}

impl Run {
    /// The test command's bounded, deterministic run.
    pub fn ci() -> Run {
        Run {
            samples: CI_SAMPLES,
            seed: CI_SEED,
            specs: Vec::new(),
        }
    }
}

/// Runs the property test; returns its exit code.
pub fn run_samples(root: &Path, plan: &Run) -> anyhow::Result<u8> {
    let started = std::time::Instant::now();
    let dir = samples_dir(root);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("removing the previous samples at {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let samples = if plan.specs.is_empty() {
        plan.samples
    } else {
        plan.specs.len() as u64
    };
    let seed = plan.seed;

    let mut refused = Vec::new();
    for i in 0..samples {
        let sample_seed = seed.wrapping_add(i);
        let sample = dir.join(i.to_string());
        std::fs::create_dir_all(&sample)?;
        let (spec_path, origin) = match usize::try_from(i).ok().and_then(|i| plan.specs.get(i)) {
            Some(given) => {
                let name = given
                    .file_name()
                    .map_or_else(|| "spec.yaml".into(), |n| n.to_string_lossy().into_owned());
                let copy = sample.join(name);
                std::fs::copy(given, &copy)
                    .with_context(|| format!("reading {}", given.display()))?;
                (copy, given.display().to_string())
            }
            None => {
                let document = spec::spec(&mut spec::Rng::new(sample_seed));
                let path = sample.join("spec.json");
                std::fs::write(&path, serde_json::to_string_pretty(&document)? + "\n")?;
                (path, format!("seed {sample_seed}"))
            }
        };
        let options = GenerateOptions {
            spec: spec_path.clone(),
            spec_display_path: spec_path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            targets: Vec::new(),
            package_name: Some(format!("gen-sample-{i}")),
            regenerate_command: "cargo xtask gen-samples".to_string(),
        };
        match generate(&options) {
            Ok(generation) => {
                emit::write(&sample.join("out"), &generation.files, &generation.targets)?;
            }
            Err(GenerateError::Spec(diagnostics)) => {
                refused.push(format!(
                    "sample {i} ({origin}, {}): the generator refused it:\n{diagnostics}",
                    spec_path.display()
                ));
            }
            Err(other) => {
                refused.push(format!(
                    "sample {i} ({origin}, {}): {other}",
                    spec_path.display()
                ));
            }
        }
    }
    let generated = started.elapsed();
    println!(
        "gen-samples: {samples} specs (seeds {seed}..{}) generated in {:.1}s under {}",
        seed.wrapping_add(samples),
        generated.as_secs_f64(),
        dir.display()
    );
    if !refused.is_empty() {
        for r in &refused {
            eprintln!("{r}");
        }
        eprintln!(
            "{} of {samples} samples could not be generated; reproduce one with \
             `cargo xtask gen-samples --samples 1 --seed <seed>`",
            refused.len()
        );
        return Ok(1);
    }

    let checks: [(&str, Check); 6] = [
        ("prettier --check", prettier_check),
        ("tsc --noEmit", type_check_typescript),
        ("cargo clippy -D warnings", check_rust),
        ("ruff check && mypy --strict && import", check_python),
        ("gofmt -l && go vet", check_go),
        ("ktlint && mvn compile", check_kotlin),
    ];
    let mut failed = Vec::new();
    for (name, check) in checks {
        println!("\n$ {name} over {samples} samples");
        let step = std::time::Instant::now();
        let code = check(root, &dir, samples)?;
        println!(
            "{name}: exit {code} in {:.1}s",
            step.elapsed().as_secs_f64()
        );
        if code != 0 {
            failed.push(name);
        }
    }
    println!(
        "\ngen-samples: {samples} samples, seed {seed}, {:.1}s",
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        println!(
            "every sample passed prettier, tsc, clippy, ruff, mypy, gofmt, go vet, ktlint and mvn compile"
        );
        return Ok(0);
    }
    let origin = if plan.specs.is_empty() {
        format!(
            "sample i's spec is `<i>/spec.json`, from seed {seed} + i; reproduce it alone \
             with `cargo xtask gen-samples --samples 1 --seed <seed + i>`"
        )
    } else {
        "sample i is the i-th `--spec` file, copied into `<i>/`".to_string()
    };
    eprintln!(
        "failed: {}. The paths above are `<i>/out/<target>/...` under {}; {origin}",
        failed.join(", "),
        dir.display()
    );
    Ok(1)
}

/// One check over every sample's output: `(root, samples folder, sample count)` to
/// the exit code of the tool.
type Check = fn(&Path, &Path, u64) -> anyhow::Result<u8>;

/// ruff (lints and layout) and mypy --strict over every sample's Python package, at
/// once, then each imported (pydantic builds its models); nothing to do when no
/// sample could be generated.
fn check_python(root: &Path, dir: &Path, samples: u64) -> anyhow::Result<u8> {
    let mut packages = Vec::new();
    for i in 0..samples {
        let src = dir.join(i.to_string()).join("out/python/src");
        if let Ok(entries) = std::fs::read_dir(&src) {
            for entry in entries {
                packages.push(entry?.path());
            }
        }
    }
    if packages.is_empty() {
        println!("no sample has a Python package");
        return Ok(0);
    }
    packages.sort();
    let bin = root.join(".venv/bin");
    let config = root.join("ruff.toml");
    for args in [&["check"][..], &["format", "--check"][..]] {
        let code = run(Command::new(bin.join("ruff"))
            .args(args)
            .arg("--config")
            .arg(&config)
            .args(&packages)
            .current_dir(dir))?;
        if code != 0 {
            return Ok(code);
        }
    }
    let code = run(Command::new(bin.join("mypy"))
        .args(["--strict", "--python-version", "3.11", "--no-incremental"])
        .args(&packages)
        .current_dir(dir))?;
    if code != 0 {
        return Ok(code);
    }
    // Typed is not enough: pydantic builds every model when the package is imported.
    let import = "import importlib, sys\n\
                  from pathlib import Path\n\
                  for package in map(Path, sys.argv[1:]):\n    \
                  sys.path.insert(0, str(package.parent))\n    \
                  for module in ('', '.client', '.fastapi', '.server'):\n        \
                  importlib.import_module(package.name + module)\n\
                  print(f'{len(sys.argv) - 1} packages import')";
    run(Command::new(bin.join("python"))
        .args(["-c", import])
        .args(&packages)
        .current_dir(dir))
}

/// A script of an installed npm package, run with `node`.
fn node_script(root: &Path, package: &str, script: &str) -> PathBuf {
    root.join("node_modules").join(package).join(script)
}

/// Makes the root's `node_modules` (the pinned prettier, TypeScript, `@types/*`)
/// visible from the samples folder, wherever the target directory is.
fn link_node_modules(root: &Path, dir: &Path) -> anyhow::Result<()> {
    let link = dir.join("node_modules");
    if link.exists() {
        return Ok(());
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("node_modules"), &link)
        .with_context(|| format!("linking {}", link.display()))?;
    #[cfg(not(unix))]
    anyhow::bail!("gen-samples needs a Unix system (it links node_modules)");
    Ok(())
}

/// prettier over every sample's TypeScript package (`.ts`, `.json`, `.md`) and its
/// docs, run in the samples folder with an empty ignore file, so that no
/// `.gitignore` (which holds `target/`) hides them.
fn prettier_check(root: &Path, dir: &Path, _samples: u64) -> anyhow::Result<u8> {
    link_node_modules(root, dir)?;
    std::fs::write(dir.join(".prettierignore"), "node_modules/\n")?;
    run(Command::new("node")
        .arg(node_script(root, "prettier", "bin/prettier.cjs"))
        .args(["--check", "--ignore-path", ".prettierignore"])
        .args(["*/out/typescript/**/*.{ts,json,md}", "*/out/docs/**/*.md"])
        .current_dir(dir))
}

/// tsc over every sample's sources at once, with the generated package's tsconfig.
fn type_check_typescript(root: &Path, dir: &Path, _samples: u64) -> anyhow::Result<u8> {
    link_node_modules(root, dir)?;
    let base = root.join("generated/typescript/tsconfig.json");
    let tsconfig = serde_json::json!({
        "extends": base.display().to_string(),
        "compilerOptions": {"noEmit": true, "rootDir": "."},
        "include": ["*/out/typescript/src"],
    });
    std::fs::write(
        dir.join("tsconfig.json"),
        serde_json::to_string_pretty(&tsconfig)? + "\n",
    )?;
    run(Command::new("node")
        .arg(node_script(root, "typescript", "bin/tsc"))
        .args(["-p", "tsconfig.json"])
        .current_dir(dir))
}

/// clippy over one cargo workspace holding every sample's crate.
fn check_rust(root: &Path, dir: &Path, samples: u64) -> anyhow::Result<u8> {
    let mut manifest = String::from(
        "# Written by `cargo xtask gen-samples`: every sample's generated crate.\n\
         [workspace]\nresolver = \"3\"\nmembers = [\n",
    );
    for i in 0..samples {
        writeln!(manifest, "    \"{i}/out/rust\",")?;
    }
    manifest.push_str("]\n");
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .context("copying the repository's Cargo.lock")?;
    run(Command::new(cargo())
        .args([
            "clippy",
            "--offline",
            "--quiet",
            // Every failing sample, not only the first.
            "--keep-going",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ])
        // The repository's build directory: the dependencies are built once.
        .env("CARGO_TARGET_DIR", target_dir(root))
        .current_dir(dir))
}

/// gofmt and go vet over every sample's Go module (those the Go target
/// generated), through a temporary `go.work` in the samples folder.
fn check_go(_root: &Path, dir: &Path, samples: u64) -> anyhow::Result<u8> {
    let modules: Vec<PathBuf> = (0..samples)
        .map(|i| dir.join(format!("{i}/out/go")))
        .filter(|m| m.join("go.mod").is_file())
        .collect();
    if modules.is_empty() {
        return Ok(0);
    }
    let listed = Command::new("gofmt").arg("-l").args(&modules).output()?;
    if !listed.status.success() || !listed.stdout.is_empty() {
        eprintln!(
            "not as gofmt prints them:\n{}{}",
            String::from_utf8_lossy(&listed.stdout),
            String::from_utf8_lossy(&listed.stderr)
        );
        return Ok(1);
    }
    let mut work = String::from("go 1.24\n\nuse (\n");
    for m in &modules {
        writeln!(work, "\t{}", m.display())?;
    }
    work.push_str(")\n");
    std::fs::write(dir.join("go.work"), work)?;
    // Each sample's module is `gen-sample-<i>`.
    let patterns: Vec<String> = modules
        .iter()
        .filter_map(|m| {
            let sample = m.parent()?.parent()?.file_name()?.to_str()?;
            Some(format!("gen-sample-{sample}/..."))
        })
        .collect();
    run(Command::new("go")
        .arg("vet")
        .args(&patterns)
        .env("GOWORK", dir.join("go.work"))
        .current_dir(dir))
}

/// The pinned ktlint, as `cargo xtask test` installs it.
const KTLINT_JAR: &str = ".kotlintools/ktlint-cli-1.8.0-all.jar";

/// ktlint over every sample's Kotlin sources, then a Maven compile of every
/// sample's project through one reactor `pom.xml` in the samples folder.
fn check_kotlin(root: &Path, dir: &Path, samples: u64) -> anyhow::Result<u8> {
    let modules: Vec<u64> = (0..samples)
        .filter(|i| dir.join(format!("{i}/out/kotlin/pom.xml")).is_file())
        .collect();
    if modules.is_empty() {
        return Ok(0);
    }
    let code = run(Command::new("java")
        .arg("-jar")
        .arg(root.join(KTLINT_JAR))
        .arg("--relative")
        .arg(format!("{}/*/out/kotlin/**/*.kt", dir.display()))
        .current_dir(dir))?;
    if code != 0 {
        return Ok(code);
    }
    let mut pom = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!-- Written by `cargo xtask gen-samples`: every sample's generated Maven project. -->\n\
         <project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  \
         <modelVersion>4.0.0</modelVersion>\n  \
         <groupId>gen.samples</groupId>\n  \
         <artifactId>gen-samples-reactor</artifactId>\n  \
         <version>1</version>\n  \
         <packaging>pom</packaging>\n  \
         <modules>\n",
    );
    for i in &modules {
        writeln!(pom, "    <module>{i}/out/kotlin</module>")?;
    }
    pom.push_str("  </modules>\n</project>\n");
    std::fs::write(dir.join("pom.xml"), pom)?;
    run(Command::new("mvn")
        .args(["-B", "-q", "-Dkotlin.compiler.daemon=false", "compile"])
        .current_dir(dir))
}

#[cfg(test)]
mod tests {
    use super::spec::{Rng, spec};

    fn lowers(name: &str, text: &str) -> Result<(), String> {
        let loaded = powersync_write_gen::spec::load_str(name, text).map_err(|d| d.to_string())?;
        powersync_write_gen::lower::lower(&loaded)
            .map(|_| ())
            .map_err(|d| d.to_string())
    }

    #[test]
    fn a_seed_always_gives_the_same_spec() {
        for seed in [0, 1, 42, u64::MAX] {
            assert_eq!(spec(&mut Rng::new(seed)), spec(&mut Rng::new(seed)));
        }
        assert_ne!(spec(&mut Rng::new(1)), spec(&mut Rng::new(2)));
    }

    /// The strategy stays inside the supported subset: every spec lowers without a
    /// diagnostic.
    #[test]
    fn generated_specs_lower_without_diagnostics() {
        for seed in 0..600 {
            let document = spec(&mut Rng::new(seed));
            let text = serde_json::to_string_pretty(&document).expect("a JSON value");
            if let Err(diagnostics) = lowers("spec.json", &text) {
                panic!("seed {seed}:\n{diagnostics}\n{text}");
            }
        }
    }

    /// The strategy reaches every kind of enum: string, integer and number.
    #[test]
    fn generated_specs_have_every_kind_of_enum() {
        let mut kinds = std::collections::BTreeSet::new();
        for seed in 0..100 {
            let text = serde_json::to_string(&spec(&mut Rng::new(seed))).expect("a JSON value");
            let lowered = powersync_write_gen::spec::load_str("spec.json", &text)
                .ok()
                .and_then(|loaded| powersync_write_gen::lower::lower(&loaded).ok());
            for def in lowered.iter().flat_map(|api| &api.types) {
                if let powersync_write_gen::ir::TypeDefKind::Enum(e) = &def.kind {
                    kinds.insert(match e.values {
                        powersync_write_gen::ir::EnumValues::String(_) => "string",
                        powersync_write_gen::ir::EnumValues::Integer { .. } => "integer",
                        powersync_write_gen::ir::EnumValues::Number { .. } => "number",
                    });
                }
            }
        }
        assert_eq!(
            kinds.into_iter().collect::<Vec<_>>(),
            ["integer", "number", "string"]
        );
    }
}
