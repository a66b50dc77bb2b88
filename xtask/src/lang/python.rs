//! Python: a project-local virtualenv (`.venv/` at the root, ignored by git) holds
//! the pinned tools and libraries of `tests/python/requirements.txt`: pydantic,
//! httpx, FastAPI and uvicorn for the generated package, its tests and the
//! conformance programs; ruff, mypy and pytest to check them. The generator runs the
//! same ruff (`.venv/bin/ruff`) to lay out the Python it writes.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Counts, Language, Project, Step};
use crate::process::{run, run_counted};

/// The virtualenv, relative to the root.
const VENV: &str = ".venv";
/// The pinned requirements, relative to the root.
const REQUIREMENTS: &str = "tests/python/requirements.txt";
/// The copy of the requirements the last successful install recorded, inside the
/// virtualenv: when it matches, the install step has nothing to do.
const STAMP: &str = ".venv/installed-requirements.txt";
/// The mypy settings (strict, and where the packages are).
const MYPY_CONFIG: &str = "tests/python/mypy.ini";

/// Python the repository holds, besides the feature fixtures' snapshots: the
/// generated package (its example backend included), the support sources, the
/// example backend's source, the tests, the conformance programs.
const CHECKED: &[&str] = &[
    "generated/python",
    "templates/python/support",
    "templates/python/examples",
    "tests/python",
    "tests/conformance/servers/python",
    "tests/conformance/clients/python",
];
/// The feature fixtures: every `<feature>/python` folder below this.
const FIXTURES: &str = "generator/tests/fixtures/features";

/// pytest's settings (where the packages are).
const PYTEST_CONFIG: &str = "tests/python/pytest.ini";

/// The test folders pytest runs.
const TESTS: &[&str] = &["tests/python", "templates/python/support/tests"];

pub struct Python;

impl Language for Python {
    fn name(&self) -> &'static str {
        "python"
    }

    fn install(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            format!("python3 -m venv {VENV} && {VENV}/bin/pip install -r {REQUIREMENTS}"),
            |project, _| install(&project.root),
        ))
    }

    fn format_check(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            format!(
                "ruff format --check {} {FIXTURES}/*/python",
                CHECKED.join(" ")
            ),
            |project, _| {
                run(Command::new(tool(&project.root, "ruff"))
                    .args(["format", "--check"])
                    .args(checked(&project.root)?)
                    .current_dir(&project.root))
            },
        ))
    }

    /// ruff's lints, then mypy --strict over every package and the tests.
    fn type_check(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            format!(
                "ruff check {paths} {FIXTURES}/*/python && mypy --config-file {MYPY_CONFIG} \
                 generated/python/src/* generated/python/examples templates/python/support tests/python \
                 tests/conformance/servers/python tests/conformance/clients/python \
                 {FIXTURES}/*/python/src/*",
                paths = CHECKED.join(" ")
            ),
            |project, _| type_check(&project.root),
        ))
    }

    fn test(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            format!("pytest {}", TESTS.join(" ")),
            |project, totals| pytest(&project.root, totals),
        ))
    }
}

/// A tool of the virtualenv.
fn tool(root: &Path, name: &str) -> PathBuf {
    root.join(VENV).join("bin").join(name)
}

/// Makes the virtualenv with the machine's python3 and installs the pinned
/// requirements, unless the last install recorded the same requirements.
fn install(root: &Path) -> anyhow::Result<u8> {
    let requirements = std::fs::read_to_string(root.join(REQUIREMENTS))?;
    let python = tool(root, "python");
    if python.is_file()
        && std::fs::read_to_string(root.join(STAMP)).is_ok_and(|s| s == requirements)
    {
        println!("{VENV} already has the pinned requirements of {REQUIREMENTS}");
        return Ok(0);
    }
    if !python.is_file() {
        let code = run(Command::new("python3")
            .args(["-m", "venv", VENV])
            .current_dir(root))?;
        if code != 0 {
            eprintln!(
                "could not create the virtualenv {VENV} with `python3 -m venv`; Python 3.11 or \
                 later with its venv module is required (Debian: the python3-venv package)"
            );
            return Ok(code);
        }
    }
    let code = run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["-r", REQUIREMENTS])
        .current_dir(root))?;
    if code != 0 {
        eprintln!("could not install the pinned Python packages of {REQUIREMENTS} into {VENV}");
        return Ok(code);
    }
    std::fs::write(root.join(STAMP), requirements)?;
    Ok(0)
}

/// The feature fixtures' Python snapshot folders, sorted.
fn fixture_folders(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(root.join(FIXTURES))? {
        let folder = entry?.path().join("python");
        if folder.is_dir() {
            folders.push(folder);
        }
    }
    folders.sort();
    Ok(folders)
}

/// Every path the format and lint checks cover.
fn checked(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = CHECKED.iter().map(|p| root.join(p)).collect();
    paths.extend(fixture_folders(root)?);
    Ok(paths)
}

fn type_check(root: &Path) -> anyhow::Result<u8> {
    let code = run(Command::new(tool(root, "ruff"))
        .arg("check")
        .args(checked(root)?)
        .current_dir(root))?;
    if code != 0 {
        return Ok(code);
    }
    // Each package by its folder, so mypy names its modules by the package.
    let mut packages: Vec<PathBuf> = Vec::new();
    for folder in fixture_folders(root)?
        .into_iter()
        .chain([root.join("generated/python")])
    {
        for entry in std::fs::read_dir(folder.join("src"))? {
            packages.push(entry?.path());
        }
    }
    packages.sort();
    run(Command::new(tool(root, "mypy"))
        .args(["--config-file", MYPY_CONFIG])
        .args(&packages)
        .args([
            "generated/python/examples",
            "templates/python/support",
            "tests/python",
        ])
        .args([
            "tests/conformance/servers/python",
            "tests/conformance/clients/python",
        ])
        .current_dir(root))
}

/// pytest over [`TESTS`], counting its summary line.
fn pytest(root: &Path, totals: &mut Counts) -> anyhow::Result<u8> {
    // The example backend's tests start a throwaway PostgreSQL cluster.
    let binaries = match super::build_end_to_end_binaries(root)? {
        Ok(binaries) => binaries,
        Err(code) => return Ok(code),
    };
    let (code, counts) = run_counted(
        Command::new(tool(root, "python"))
            .args([
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-q",
                "-c",
                PYTEST_CONFIG,
            ])
            .args(TESTS)
            .envs(binaries)
            .current_dir(root),
        "pytest",
        count_line,
    )?;
    println!(
        "\npytest: {} passed, {} failed",
        counts.passed, counts.failed
    );
    *totals += counts;
    if code == 0 && counts.passed == 0 {
        eprintln!("pytest ran no test");
        return Ok(1);
    }
    Ok(code)
}

/// The counts of pytest's summary line (`3 failed, 41 passed in 0.52s`).
fn count_line(line: &str) -> Counts {
    let line = line.trim().trim_matches('=').trim();
    let Some((counts, time)) = line.rsplit_once(" in ") else {
        return Counts::default();
    };
    if !time.trim_end().ends_with('s') {
        return Counts::default();
    }
    let mut found = Counts::default();
    for part in counts.split(", ") {
        let mut words = part.split_whitespace();
        let (Some(n), Some(what), None) = (words.next(), words.next(), words.next()) else {
            return Counts::default();
        };
        let Ok(n) = n.parse::<u64>() else {
            return Counts::default();
        };
        match what {
            "passed" => found.passed += n,
            "failed" | "error" | "errors" => found.failed += n,
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::{Counts, count_line};

    #[test]
    fn pytest_summaries_are_counted() {
        assert_eq!(
            count_line("41 passed in 0.52s"),
            Counts {
                passed: 41,
                failed: 0
            }
        );
        assert_eq!(
            count_line("==== 2 failed, 39 passed, 1 error in 1.20s ===="),
            Counts {
                passed: 39,
                failed: 3
            }
        );
        assert_eq!(count_line("tests/python/test_x.py ..F."), Counts::default());
        assert_eq!(count_line("the value passed in a test"), Counts::default());
    }
}
