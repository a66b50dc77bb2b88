//! TypeScript: the npm workspace at the root (`package.json` + `package-lock.json`)
//! holds the generated package (`generated/typescript`), its tests
//! (`tests/typescript`) and the pinned prettier and TypeScript.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Counts, Language, Project, Step};
use crate::process::{run, run_counted};

/// The npm workspace's folder, relative to the root.
const NPM_WORKSPACE: &str = ".";

/// Files held to prettier's formatting: generated output that is not Rust (Rust
/// output is printed by prettyplease) and the hand-written TypeScript tests. The docs
/// target's Markdown is here too: prettier is the workspace's one formatter for it.
/// Globs relative to the root.
const PRETTIER_CHECKED: &[&str] = &[
    "generated/**/*.md",
    "generated/typescript/*.json",
    "generated/typescript/src/**/*.ts",
    "generator/tests/fixtures/features/*/docs/**/*.md",
    "generator/tests/fixtures/features/*/typescript/**/*.{md,json,ts}",
    "tests/typescript/test/**/*.ts",
    "tests/typescript/features/**/*.ts",
    "tests/typescript/*.{json,mjs}",
    "templates/typescript/support/**/*.{ts,json}",
    "templates/typescript/examples/**/*.{ts,json}",
    "tests/conformance/**/*.{ts,json}",
    "tests/connector-scenarios/*.{json,md}",
];

/// The TypeScript tests' package, and the tsconfig that type-checks every feature
/// fixture's TypeScript snapshot.
const TS_TESTS: &str = "tests/typescript";
const TS_FIXTURES_TSCONFIG: &str = "tests/typescript/tsconfig.fixtures.json";

pub struct TypeScript;

impl Language for TypeScript {
    fn name(&self) -> &'static str {
        "typescript"
    }

    fn install(&self, _: &Project) -> Option<Step> {
        Some(Step::new("npm ci", |project, _| npm_install(&project.root)))
    }

    fn format_check(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            format!("prettier --check {}", PRETTIER_CHECKED.join(" ")),
            |project, _| prettier_check(&project.root),
        ))
    }

    /// Builds the generated package with its strict tsconfig, then type-checks every
    /// feature fixture's snapshot.
    fn type_check(&self, project: &Project) -> Option<Step> {
        Some(Step::new(
            format!(
                "npm run build -w {} && tsc -p {TS_FIXTURES_TSCONFIG}",
                project.package_name
            ),
            type_check,
        ))
    }

    fn test(&self, _: &Project) -> Option<Step> {
        Some(Step::new(format!("npm test -w {TS_TESTS}"), node_tests))
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

/// A script of an installed package, run with `node` (no reliance on `npx` or PATH).
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

fn type_check(project: &Project, _: &mut Counts) -> anyhow::Result<u8> {
    let root = &project.root;
    let code = run(Command::new("npm")
        .args(["run", "build", "-w", project.package_name])
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
/// backend binary its end-to-end test starts and the throwaway-server binary that
/// starts its PostgreSQL clusters; counts node's `# pass` / `# fail`.
fn node_tests(project: &Project, totals: &mut Counts) -> anyhow::Result<u8> {
    let root = &project.root;
    let binaries = match super::build_end_to_end_binaries(root)? {
        Ok(binaries) => binaries,
        Err(code) => return Ok(code),
    };
    let (code, counts) = run_counted(
        Command::new("npm")
            .args(["test", "-w", TS_TESTS])
            .envs(binaries)
            .current_dir(root),
        "npm test",
        count_line,
    )?;
    println!(
        "\nnode --test: {} passed, {} failed",
        counts.passed, counts.failed
    );
    *totals += counts;
    if code == 0 && counts.passed == 0 {
        eprintln!("node --test ran no test");
        return Ok(1);
    }
    Ok(code)
}

/// The counts of one line of node's TAP reporter: its `# pass N` / `# fail N` totals.
fn count_line(line: &str) -> Counts {
    let number = |prefix| {
        line.strip_prefix(prefix)
            .map_or(0, |n: &str| n.trim().parse::<u64>().unwrap_or(0))
    };
    Counts {
        passed: number("# pass "),
        failed: number("# fail "),
    }
}

#[cfg(test)]
mod tests {
    use super::{Counts, count_line};

    #[test]
    fn tap_totals_are_counted() {
        assert_eq!(
            count_line("# pass 41"),
            Counts {
                passed: 41,
                failed: 0
            }
        );
        assert_eq!(
            count_line("# fail 2"),
            Counts {
                passed: 0,
                failed: 2
            }
        );
        assert_eq!(count_line("ok 3 - # pass 41"), Counts::default());
        assert_eq!(count_line("# tests 43"), Counts::default());
    }
}
