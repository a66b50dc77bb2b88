//! `cargo xtask bench`: how long generation takes on the real spec, stage by stage.
//!
//! A benchmark, not a test: it prints numbers and never fails on them. The baseline,
//! measured in the same run, is reading the spec and parsing its YAML into a plain
//! JSON value; every stage is also shown as a multiple of it.
//!
//! The targets are timed rendering only; the last step of the TypeScript and docs
//! targets, the real prettier in a Node.js process (one per target), is timed on its
//! own row, as are the Python target's (the pinned ruff) and the Go target's (gofmt),
//! and the last row is the whole generation as `cargo xtask gen` does it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use powersync_write_gen::targets::format as prettier;
use powersync_write_gen::targets::go::gofmt;
use powersync_write_gen::targets::python::ruff;
use powersync_write_gen::targets::{self, Context};
use powersync_write_gen::{lower, spec};

pub fn run(root: &Path, spec_path: &str, package_name: &str, runs: u32) -> anyhow::Result<u8> {
    // The targets are timed unformatted (the run sets the formatter off).
    let off = |env: &str| std::env::var_os(env).is_some_and(|v| v == "off");
    if cfg!(debug_assertions) || !off(prettier::ENV) || !off(ruff::ENV) || !off(gofmt::ENV) {
        return rerun_in_release(root, runs);
    }
    let runs = runs.max(1);
    let path = root.join(spec_path);
    let all_targets = targets::all();

    let mut baseline = Samples::new("baseline: read + parse YAML");
    let mut load = Samples::new("load (spec::load_file)");
    let mut lower_stage = Samples::new("lower");
    let mut per_target: Vec<Samples> = all_targets
        .iter()
        .map(|t| Samples::new(&format!("target {}", t.name())))
        .collect();
    let mut total = Samples::new("total: load + lower + targets");
    let mut formatting = Samples::new("typescript + docs: prettier (node)");
    let mut ruff_formatting = Samples::new("python: ruff");
    let mut gofmt_formatting = Samples::new("go: gofmt");
    let mut whole = Samples::new("whole generation, formatted");
    let prettier_script = prettier::installed().map_err(anyhow::Error::msg)?;
    let ruff_binary = ruff::installed().map_err(anyhow::Error::msg)?;

    // The first round warms caches and is not counted.
    for round in 0..=runs {
        let counted = round > 0;

        let started = Instant::now();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let value: serde_json::Value =
            serde_saphyr::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
        std::hint::black_box(&value);
        baseline.record(counted, started.elapsed());

        let pipeline_started = Instant::now();
        let started = Instant::now();
        let loaded = spec::load_file(&path).map_err(|d| anyhow!("{d}"))?;
        load.record(counted, started.elapsed());

        let started = Instant::now();
        let api = lower::lower(&loaded).map_err(|d| anyhow!("{d}"))?;
        lower_stage.record(counted, started.elapsed());

        let ctx = Context {
            spec_display_path: spec_path.to_string(),
            regenerate_command: "cargo xtask gen".to_string(),
            package_name: package_name.to_string(),
        };
        // The output of each target that runs prettier as its last step.
        let mut formatted_targets = Vec::new();
        let mut python = Vec::new();
        let mut go = Vec::new();
        for (target, samples) in all_targets.iter().zip(&mut per_target) {
            let started = Instant::now();
            let files = target.generate(&api, &ctx)?;
            std::hint::black_box(&files);
            samples.record(counted, started.elapsed());
            if ["typescript", "docs"].contains(&target.name()) {
                formatted_targets.push(files);
            } else if target.name() == "python" {
                python = files;
            } else if target.name() == "go" {
                go = files;
            }
        }
        let rendered = pipeline_started.elapsed();
        total.record(counted, rendered);

        let started = Instant::now();
        for files in &mut formatted_targets {
            prettier::format_with(files, &prettier_script).map_err(anyhow::Error::msg)?;
        }
        std::hint::black_box(&formatted_targets);
        let formatted = started.elapsed();
        formatting.record(counted, formatted);
        let started = Instant::now();
        ruff::format_with(&mut python, &ruff_binary).map_err(anyhow::Error::msg)?;
        std::hint::black_box(&python);
        let ruff_formatted = started.elapsed();
        ruff_formatting.record(counted, ruff_formatted);
        let started = Instant::now();
        gofmt::format_with(&mut go, "gofmt").map_err(anyhow::Error::msg)?;
        std::hint::black_box(&go);
        let gofmt_formatted = started.elapsed();
        gofmt_formatting.record(counted, gofmt_formatted);
        whole.record(
            counted,
            rendered + formatted + ruff_formatted + gofmt_formatted,
        );
    }

    println!("generation benchmark: {spec_path}, {runs} runs, release build\n");
    println!(
        "{:<32} {:>12} {:>12} {:>14}",
        "stage", "mean", "min", "mean/baseline"
    );
    let base = baseline.mean();
    let mut rows = vec![&baseline, &load, &lower_stage];
    rows.extend(per_target.iter());
    rows.push(&total);
    rows.push(&formatting);
    rows.push(&ruff_formatting);
    rows.push(&gofmt_formatting);
    rows.push(&whole);
    for samples in rows {
        println!(
            "{:<32} {:>12} {:>12} {:>14}",
            samples.name,
            format_duration(samples.mean()),
            format_duration(samples.min),
            format!("{:.1}x", ratio(samples.mean(), base)),
        );
    }
    Ok(0)
}

/// Benchmarks in a debug build say little: run the release build of this command,
/// with the targets' own formatting off (it is timed on its own row).
fn rerun_in_release(root: &Path, runs: u32) -> anyhow::Result<u8> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    println!("building xtask in release mode for the benchmark...");
    let status = Command::new(cargo)
        .args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "xtask",
            "--",
            "bench",
            "--runs",
        ])
        .arg(runs.to_string())
        .current_dir(root)
        .env(prettier::ENV, "off")
        .env(ruff::ENV, "off")
        .env(gofmt::ENV, "off")
        .status()
        .context("could not run the release build")?;
    match status.code() {
        Some(code) => Ok(u8::try_from(code).unwrap_or(1)),
        None => bail!("the release benchmark was killed by a signal"),
    }
}

struct Samples {
    name: String,
    sum: Duration,
    min: Duration,
    count: u32,
}

impl Samples {
    fn new(name: &str) -> Self {
        Samples {
            name: name.to_string(),
            sum: Duration::ZERO,
            min: Duration::MAX,
            count: 0,
        }
    }

    fn record(&mut self, counted: bool, elapsed: Duration) {
        if counted {
            self.sum += elapsed;
            self.min = self.min.min(elapsed);
            self.count += 1;
        }
    }

    fn mean(&self) -> Duration {
        self.sum.checked_div(self.count).unwrap_or(Duration::ZERO)
    }
}

fn ratio(value: Duration, base: Duration) -> f64 {
    if base.is_zero() {
        0.0
    } else {
        value.as_secs_f64() / base.as_secs_f64()
    }
}

fn format_duration(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros < 1000.0 {
        format!("{micros:.1} µs")
    } else {
        format!("{:.3} ms", micros / 1000.0)
    }
}
