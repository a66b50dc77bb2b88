//! Go: the generated module (`generated/go`), its tests (`tests/go`), the
//! conformance programs (`tests/conformance`, one module) and every feature
//! fixture's `go/` snapshot (a module each). The type check and the tests run
//! them together through a Go workspace (`go.work`) written to a temporary
//! folder, so no `go.work` is committed and each module stays usable alone.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Counts, Language, Project, Step};
use crate::process::{run, run_counted};

/// staticcheck, pinned; installed into [`TOOLS_BIN`] by the install step.
const STATICCHECK: &str = "honnef.co/go/tools/cmd/staticcheck@v0.8.2";
/// Where the install step puts the Go tools, relative to the root (ignored by git).
const TOOLS_BIN: &str = ".gotools/bin";

/// The Go modules besides the fixtures' snapshots, relative to the root.
const MODULES: &[&str] = &["generated/go", "tests/go", "tests/conformance"];
/// The modules whose tests the test step runs (the fixtures' snapshots are covered
/// by the type check).
const TESTED: &[&str] = &["generated/go", "tests/go"];
/// The support code's own tests: they live beside the support sources, which are
/// copied verbatim into every generated package, and run inside `generated/go`
/// (the support reaches the spec only through that package) by an overlay, so no
/// generated package carries them.
const SUPPORT_TESTS: (&str, &str) = (
    "templates/go/support/support_test.go",
    "generated/go/support_test.go",
);
/// The feature fixtures, each of which may have a `go/` module.
const FIXTURES: &str = "generator/tests/fixtures/features";
/// Modules checked on their own, outside the shared workspace: the example backend
/// (its own `go.mod` requires pgx and a newer Go, and finds `generated/go` through a
/// `replace`, as where a user vendors it), and its template with the tests.
const STANDALONE: &[&str] = &["generated/go/examples/pgx", EXAMPLE_TESTED];
/// The example backend's tests: `main_test.go` beside the template's `main.go` (which
/// is copied verbatim into `generated/go/examples/pgx`, the test is not). They start a
/// throwaway PostgreSQL cluster with the `throwaway-server` binary.
const EXAMPLE_TESTED: &str = "templates/go/examples/pgx";
/// Folders held to gofmt, relative to the root.
const GOFMT_CHECKED: &[&str] = &[
    "generated/go",
    "templates/go/support",
    "templates/go/examples",
    "tests/go",
    "tests/conformance",
    FIXTURES,
];

pub struct Go;

impl Language for Go {
    fn name(&self) -> &'static str {
        "go"
    }

    fn install(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            format!("GOBIN={TOOLS_BIN} go install {STATICCHECK}"),
            |project, _| install(&project.root),
        ))
    }

    fn format_check(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            format!("gofmt -l {}", GOFMT_CHECKED.join(" ")),
            |project, _| gofmt_check(&project.root),
        ))
    }

    fn type_check(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            format!(
                "go vet && staticcheck ({}, {FIXTURES}/*/go; {} on its own)",
                MODULES.join(", "),
                STANDALONE.join(", ")
            ),
            |project, _| type_check(&project.root),
        ))
    }

    fn test(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            format!(
                "go test -race ({}; {EXAMPLE_TESTED} on its own)",
                TESTED.join(", ")
            ),
            |project, totals| go_test(&project.root, totals),
        ))
    }
}

fn install(root: &Path) -> anyhow::Result<u8> {
    let code = run(Command::new("go")
        .args(["install", STATICCHECK])
        .env("GOBIN", root.join(TOOLS_BIN))
        .current_dir(root))?;
    if code != 0 {
        eprintln!(
            "could not install staticcheck ({STATICCHECK}); Go 1.24 or later is required, and \
             the Go module proxy must be reachable"
        );
    }
    Ok(code)
}

fn gofmt_check(root: &Path) -> anyhow::Result<u8> {
    let output = Command::new("gofmt")
        .arg("-l")
        .args(GOFMT_CHECKED)
        .current_dir(root)
        .output()?;
    let listed = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        return Ok(1);
    }
    if !listed.trim().is_empty() {
        eprintln!(
            "these Go files are not as gofmt prints them (run `gofmt -w` on them, or \
             `cargo xtask gen` for generated ones):\n{listed}"
        );
        return Ok(1);
    }
    Ok(0)
}

/// Every Go module: [`MODULES`] and each fixture's `go/`, as absolute folders.
fn modules(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = MODULES.iter().map(|m| root.join(m)).collect();
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(root.join(FIXTURES))?
        .filter_map(|e| e.ok().map(|e| e.path().join("go")))
        .filter(|p| p.join("go.mod").is_file())
        .collect();
    fixtures.sort();
    out.extend(fixtures);
    Ok(out)
}

/// A module's path, from its `go.mod`.
fn module_path(dir: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(dir.join("go.mod"))?;
    text.lines()
        .find_map(|l| l.strip_prefix("module ").map(|m| m.trim().to_string()))
        .ok_or_else(|| anyhow::anyhow!("{} has no module line", dir.join("go.mod").display()))
}

/// A `go.work` over `dirs`, in a temporary folder, and the package patterns
/// (`<module>/...`) of those modules.
fn workspace(dirs: &[PathBuf]) -> anyhow::Result<(tempfile::TempDir, PathBuf, Vec<String>)> {
    let folder = tempfile::Builder::new()
        .prefix("powersync-write-go-work")
        .tempdir()?;
    let mut text = String::from("go 1.24\n\nuse (\n");
    let mut patterns = Vec::new();
    for dir in dirs {
        text.push_str(&format!("\t{}\n", dir.display()));
        patterns.push(format!("{}/...", module_path(dir)?));
    }
    text.push_str(")\n");
    let file = folder.path().join("go.work");
    std::fs::write(&file, text)?;
    Ok((folder, file, patterns))
}

/// An overlay file (`go ... -overlay`) in `folder` that places the support tests
/// in `generated/go` ([`SUPPORT_TESTS`]), under that package's name (the support
/// sources say `package api`; the generator gives each copy its package's name, as
/// this does).
fn support_tests_overlay(root: &Path, folder: &Path) -> anyhow::Result<PathBuf> {
    let (source, placed) = SUPPORT_TESTS;
    let package_dir = root.join(placed);
    let package_dir = package_dir.parent().unwrap_or(root);
    let generated = std::fs::read_to_string(package_dir.join("serve.go"))?;
    let package = generated
        .lines()
        .find_map(|l| l.strip_prefix("package "))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} has no package clause",
                package_dir.join("serve.go").display()
            )
        })?;
    let tests = std::fs::read_to_string(root.join(source))?.replacen(
        "package api\n",
        &format!("package {package}\n"),
        1,
    );
    let copy = folder.join("support_test.go");
    std::fs::write(&copy, tests)?;
    let overlay = serde_json::json!({
        "Replace": { root.join(placed).display().to_string(): copy.display().to_string() }
    });
    let file = folder.join("overlay.json");
    std::fs::write(&file, serde_json::to_vec(&overlay)?)?;
    Ok(file)
}

fn type_check(root: &Path) -> anyhow::Result<u8> {
    let (folder, work, patterns) = workspace(&modules(root)?)?;
    let overlay = support_tests_overlay(root, folder.path())?;
    let code = run(Command::new("go")
        .arg("vet")
        .arg(format!("-overlay={}", overlay.display()))
        .args(&patterns)
        .env("GOWORK", &work)
        .current_dir(root))?;
    if code != 0 {
        return Ok(code);
    }
    let staticcheck = root.join(TOOLS_BIN).join("staticcheck");
    if !staticcheck.is_file() {
        eprintln!(
            "{} is missing: run the install step (`cargo xtask test --only \"go: install\"`)",
            staticcheck.display()
        );
        return Ok(1);
    }
    let code = run(Command::new(&staticcheck)
        .args(&patterns)
        .env("GOWORK", &work)
        .current_dir(root))?;
    if code != 0 {
        return Ok(code);
    }
    for dir in STANDALONE {
        let mut vet = Command::new("go");
        vet.arg("vet");
        for mut command in [vet, Command::new(&staticcheck)] {
            let code = run(command
                .arg("./...")
                .env("GOWORK", "off")
                .current_dir(root.join(dir)))?;
            if code != 0 {
                return Ok(code);
            }
        }
    }
    Ok(0)
}

fn go_test(root: &Path, totals: &mut Counts) -> anyhow::Result<u8> {
    let dirs: Vec<PathBuf> = TESTED.iter().map(|m| root.join(m)).collect();
    let (folder, work, patterns) = workspace(&dirs)?;
    let overlay = support_tests_overlay(root, folder.path())?;
    let (code, counts) = run_counted(
        Command::new("go")
            .args(["test", "-race", "-count=1", "-v"])
            .arg(format!("-overlay={}", overlay.display()))
            .args(&patterns)
            .env("GOWORK", &work)
            .current_dir(root),
        "go test",
        count_line,
    )?;
    *totals += counts;
    if code != 0 {
        return Ok(code);
    }
    let binaries = match super::build_end_to_end_binaries(root)? {
        Ok(binaries) => binaries,
        Err(code) => return Ok(code),
    };
    let (code, example) = run_counted(
        Command::new("go")
            .args(["test", "-race", "-count=1", "-v", "./..."])
            .envs(binaries)
            .env("GOWORK", "off")
            .current_dir(root.join(EXAMPLE_TESTED)),
        "go test",
        count_line,
    )?;
    *totals += example;
    println!(
        "\ngo test: {} passed, {} failed",
        counts.passed + example.passed,
        counts.failed + example.failed
    );
    if code == 0 && (counts.passed == 0 || example.passed == 0) {
        eprintln!("go test ran no test");
        return Ok(1);
    }
    Ok(code)
}

/// The counts of one line of `go test -v`: a test's (or subtest's) verdict.
fn count_line(line: &str) -> Counts {
    let line = line.trim_start();
    Counts {
        passed: u64::from(line.starts_with("--- PASS:")),
        failed: u64::from(line.starts_with("--- FAIL:")),
    }
}

#[cfg(test)]
mod tests {
    use super::{Counts, count_line};

    #[test]
    fn verdict_lines_are_counted() {
        assert_eq!(
            count_line("--- PASS: TestX (0.00s)"),
            Counts {
                passed: 1,
                failed: 0
            }
        );
        assert_eq!(
            count_line("    --- FAIL: TestX/sub (0.00s)"),
            Counts {
                passed: 0,
                failed: 1
            }
        );
        assert_eq!(count_line("ok  \tpkg\t0.1s"), Counts::default());
        assert_eq!(count_line("=== RUN   TestX"), Counts::default());
    }
}
