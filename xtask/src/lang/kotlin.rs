//! Kotlin: the generated Maven project (`generated/kotlin`) and the test modules of
//! `tests/kotlin` (the connector's scenarios, the validator's vectors, the real
//! PowerSync Kotlin SDK end to end), built together by the reactor
//! `tests/kotlin/pom.xml`; and every feature fixture's `kotlin/` snapshot, compiled
//! by a reactor pom the type check writes under `target/`. ktlint, pinned, checks
//! the layout of all of them and of the support sources.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Counts, Language, Project, Step};
use crate::process::{run, run_counted};

/// ktlint, pinned: its self-contained jar, which the install step copies into
/// [`TOOLS`] with Maven.
const KTLINT: &str = "com.pinterest.ktlint:ktlint-cli:1.8.0:jar:all";
const KTLINT_JAR: &str = "ktlint-cli-1.8.0-all.jar";
/// The dependency plugin that copies it, pinned.
const DEPENDENCY_PLUGIN: &str = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";
/// Where the install step puts the Kotlin tools, relative to the root (ignored by git).
const TOOLS: &str = ".kotlintools";

/// The reactor of the generated package and the Kotlin tests.
const REACTOR: &str = "tests/kotlin/pom.xml";
/// The feature fixtures, each of which may have a `kotlin/` Maven project.
const FIXTURES: &str = "generator/tests/fixtures/features";
/// Where the type check writes the reactor pom of the fixtures' snapshots.
const FIXTURES_REACTOR: &str = "target/kotlin-fixtures";
/// Files held to ktlint, as globs relative to the root.
const KTLINT_CHECKED: &[&str] = &[
    "generated/kotlin/**/*.kt",
    "templates/kotlin/support/*.kt",
    "tests/kotlin/**/*.kt",
    "generator/tests/fixtures/features/*/kotlin/**/*.kt",
];

/// Maven's options in every step: batch mode (no colours or progress), errors
/// shown, and the Kotlin compiler in the Maven process (no daemon left behind).
const MAVEN_OPTIONS: &[&str] = &["-B", "-e", "-Dkotlin.compiler.daemon=false"];

pub struct Kotlin;

impl Language for Kotlin {
    fn name(&self) -> &'static str {
        "kotlin"
    }

    fn install(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            format!("mvn {DEPENDENCY_PLUGIN}:copy -Dartifact={KTLINT} -DoutputDirectory={TOOLS}"),
            |project, _| install(&project.root),
        ))
    }

    fn format_check(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            format!("ktlint {}", KTLINT_CHECKED.join(" ")),
            |project, _| ktlint_check(&project.root),
        ))
    }

    fn type_check(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            format!("mvn -f {REACTOR} test-compile && mvn compile ({FIXTURES}/*/kotlin); -Werror"),
            |project, _| type_check(&project.root),
        ))
    }

    fn test(&self, _: &Project) -> Option<Step> {
        Some(Step::new(
            format!("mvn -f {REACTOR} test"),
            |project, totals| maven_test(&project.root, totals),
        ))
    }
}

fn maven() -> Command {
    let mut command = Command::new("mvn");
    command.args(MAVEN_OPTIONS);
    command
}

fn install(root: &Path) -> anyhow::Result<u8> {
    let code = run(maven()
        .arg("-q")
        .arg(format!("{DEPENDENCY_PLUGIN}:copy"))
        .arg(format!("-Dartifact={KTLINT}"))
        .arg(format!("-DoutputDirectory={TOOLS}"))
        .current_dir(root))?;
    if code != 0 {
        eprintln!(
            "could not install ktlint ({KTLINT}) with Maven; JDK 17 and Maven are required, \
             and Maven Central must be reachable"
        );
    }
    Ok(code)
}

fn ktlint_check(root: &Path) -> anyhow::Result<u8> {
    let jar = root.join(TOOLS).join(KTLINT_JAR);
    if !jar.is_file() {
        eprintln!(
            "{} is missing: run the install step (`cargo xtask test --only \"kotlin: install\"`)",
            jar.display()
        );
        return Ok(1);
    }
    let code = run(Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .arg("--relative")
        .args(KTLINT_CHECKED)
        .current_dir(root))?;
    if code != 0 {
        eprintln!(
            "these Kotlin files are not as ktlint wants them: fix the support sources and tests \
             (`java -jar {TOOLS}/{KTLINT_JAR} -F <files>`), or the templates and `cargo xtask gen` \
             for generated ones"
        );
    }
    Ok(code)
}

/// Every fixture's `kotlin/` project, relative to the root, in order.
fn fixture_projects(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root.join(FIXTURES))?
        .filter_map(|e| e.ok())
        .map(|e| Path::new(FIXTURES).join(e.file_name()).join("kotlin"))
        .filter(|p| root.join(p).join("pom.xml").is_file())
        .collect();
    out.sort();
    Ok(out)
}

/// Writes the reactor pom of the fixtures' snapshots into [`FIXTURES_REACTOR`]
/// and returns its path. Maven takes modules relative to the reactor.
fn fixtures_reactor(root: &Path) -> anyhow::Result<PathBuf> {
    let projects = fixture_projects(root)?;
    anyhow::ensure!(
        !projects.is_empty(),
        "no feature fixture has a kotlin/ snapshot under {FIXTURES}"
    );
    let up = "../".repeat(Path::new(FIXTURES_REACTOR).components().count());
    let modules: String = projects
        .iter()
        .map(|p| format!("    <module>{up}{}</module>\n", p.display()))
        .collect();
    let pom = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!-- Written by `cargo xtask test`: compiles every feature fixture's Kotlin snapshot. -->\n\
         <project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  \
         <modelVersion>4.0.0</modelVersion>\n  \
         <groupId>powersync.write.tests</groupId>\n  \
         <artifactId>kotlin-fixtures</artifactId>\n  \
         <version>1.0.0</version>\n  \
         <packaging>pom</packaging>\n  \
         <modules>\n{modules}  </modules>\n\
         </project>\n"
    );
    let dir = root.join(FIXTURES_REACTOR);
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("pom.xml");
    std::fs::write(&file, pom)?;
    Ok(file)
}

fn type_check(root: &Path) -> anyhow::Result<u8> {
    let code = run(maven()
        .args(["-q", "-f", REACTOR, "clean", "test-compile"])
        .current_dir(root))?;
    if code != 0 {
        return Ok(code);
    }
    let reactor = fixtures_reactor(root)?;
    run(maven()
        .arg("-q")
        .arg("-f")
        .arg(&reactor)
        .arg("compile")
        .current_dir(root))
}

/// The reactor's tests, after building the reference backend binary the SDK's
/// end-to-end test starts and the throwaway-server binary that starts its cluster;
/// counts Surefire's per-class results.
fn maven_test(root: &Path, totals: &mut Counts) -> anyhow::Result<u8> {
    let binaries = match super::build_end_to_end_binaries(root)? {
        Ok(binaries) => binaries,
        Err(code) => return Ok(code),
    };
    let (code, counts) = run_counted(
        maven()
            .args(["-f", REACTOR, "test"])
            .envs(binaries)
            .current_dir(root),
        "mvn test",
        count_line,
    )?;
    println!(
        "\nmvn test (Surefire): {} passed, {} failed",
        counts.passed, counts.failed
    );
    *totals += counts;
    if code == 0 && counts.passed == 0 {
        eprintln!("mvn test ran no test");
        return Ok(1);
    }
    Ok(code)
}

/// The counts of one line of Maven's output: Surefire's summary of one test class
/// (`Tests run: 5, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: ... - in X`).
/// The module totals (the same line without `Time elapsed`) are not counted, so
/// nothing is counted twice. A skipped test counts as failed: nothing may skip.
fn count_line(line: &str) -> Counts {
    let Some(rest) = line
        .split_once("Tests run: ")
        .map(|(_, rest)| rest)
        .filter(|rest| rest.contains("Time elapsed"))
    else {
        return Counts::default();
    };
    let number = |key: &str| -> u64 {
        rest.split(", ")
            .find_map(|part| part.trim().strip_prefix(key))
            .and_then(|n| {
                n.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
                    .parse()
                    .ok()
            })
            .unwrap_or(0)
    };
    let run = rest
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse::<u64>()
        .unwrap_or(0);
    let failed = number("Failures: ") + number("Errors: ") + number("Skipped: ");
    Counts {
        passed: run.saturating_sub(failed),
        failed,
    }
}

#[cfg(test)]
mod tests {
    use super::{Counts, count_line};

    #[test]
    fn surefire_class_summaries_are_counted() {
        assert_eq!(
            count_line(
                "[INFO] Tests run: 56, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 3.2 s -- in powersync.write.ConnectorScenariosTest"
            ),
            Counts {
                passed: 56,
                failed: 0
            }
        );
        assert_eq!(
            count_line(
                "[ERROR] Tests run: 6, Failures: 1, Errors: 1, Skipped: 1, Time elapsed: 0.1 s <<< FAILURE! -- in X"
            ),
            Counts {
                passed: 3,
                failed: 3
            }
        );
    }

    #[test]
    fn module_totals_and_other_lines_are_not_counted() {
        assert_eq!(
            count_line("[INFO] Tests run: 62, Failures: 0, Errors: 0, Skipped: 0"),
            Counts::default()
        );
        assert_eq!(count_line("[INFO] BUILD SUCCESS"), Counts::default());
    }
}
