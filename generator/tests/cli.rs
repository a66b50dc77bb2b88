//! The `powersync-write-gen` binary, run on a small spec in a temp dir.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const SPEC: &str = r##"openapi: 3.0.3
info:
  title: Tiny Write API
  version: 1.0.0
  description: A tiny API for the CLI tests.
paths:
  /health:
    get:
      operationId: health
      responses:
        "200":
          description: Alive.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/HealthStatus"
components:
  schemas:
    HealthStatus:
      type: object
      required: [status]
      properties:
        status:
          type: string
"##;

/// The repository's pinned prettier (installed by `npm ci`), which the TypeScript
/// target runs: the temp dirs have no `node_modules` above them.
fn prettier() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules/prettier/bin/prettier.cjs")
}

/// The pinned ruff the Python target lays its output out with, installed in the
/// repository's `.venv` by `cargo xtask test --only "python: install"`.
fn ruff() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/ruff")
}

/// Runs the generator in `dir` (paths in `args` are relative to it).
fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_powersync-write-gen"))
        .args(args)
        .current_dir(dir)
        .env("POWERSYNC_WRITE_GEN_PRETTIER", prettier())
        .env("POWERSYNC_WRITE_GEN_RUFF", ruff())
        .output()
        .expect("the generator binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A temp dir with `spec.yaml`, generated into `out/`.
fn generated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("spec.yaml"), SPEC).unwrap();
    let gen_run = run(dir.path(), &["gen", "--spec", "spec.yaml", "--out", "out"]);
    assert_eq!(
        gen_run.status.code(),
        Some(0),
        "gen failed: {}",
        stderr(&gen_run)
    );
    dir
}

const CHECK: &[&str] = &["check", "--spec", "spec.yaml", "--out", "out"];

#[test]
fn check_passes_right_after_gen() {
    let dir = generated();
    let docs = fs::read_to_string(dir.path().join("out/docs/README.md")).unwrap();
    assert!(
        docs.starts_with(
            "<!-- Generated from spec.yaml by `powersync-write-gen gen --spec spec.yaml --out out`."
        ),
        "{docs}"
    );
    let check = run(dir.path(), CHECK);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
}

#[test]
fn check_names_a_hand_edited_file_and_the_fix() {
    let dir = generated();
    fs::write(dir.path().join("out/docs/README.md"), "edited\n").unwrap();
    let check = run(dir.path(), CHECK);
    assert_eq!(check.status.code(), Some(1));
    let err = stderr(&check);
    assert!(err.contains("  differs: out/docs/README.md"), "{err}");
    assert!(
        err.contains("run `powersync-write-gen gen --spec spec.yaml --out out` to regenerate"),
        "{err}"
    );
}

#[test]
fn check_fails_when_the_spec_changed_since_gen() {
    let dir = generated();
    let changed = SPEC.replace("A tiny API for the CLI tests.", "A changed description.");
    fs::write(dir.path().join("spec.yaml"), changed).unwrap();
    let check = run(dir.path(), CHECK);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert!(
        stderr(&check).contains("differs: out/docs/README.md"),
        "{}",
        stderr(&check)
    );
}

#[test]
fn the_regenerate_command_can_be_named() {
    let dir = generated();
    fs::write(dir.path().join("out/docs/README.md"), "edited\n").unwrap();
    let mut args = CHECK.to_vec();
    args.extend(["--regenerate-command", "make gen"]);
    let check = run(dir.path(), &args);
    assert!(
        stderr(&check).contains("run `make gen`"),
        "{}",
        stderr(&check)
    );
}

/// Asserts that `err` has a diagnostic `file:line:column: ` with the line in `lines`.
fn assert_located(err: &str, file: &str, lines: std::ops::RangeInclusive<usize>) {
    let found = err.lines().find_map(|line| {
        let rest = line.strip_prefix(&format!("{file}:"))?;
        let mut parts = rest.splitn(3, ':');
        let line_no: usize = parts.next()?.parse().ok()?;
        let column: usize = parts.next()?.parse().ok()?;
        parts.next()?.starts_with(' ').then_some((line_no, column))
    });
    match found {
        Some((line, column)) => {
            assert!(lines.contains(&line), "line {line} not in {lines:?}: {err}");
            assert!(column >= 1, "{err}");
        }
        None => panic!("no `{file}:line:column: ` diagnostic in:\n{err}"),
    }
}

#[test]
fn an_unsupported_construct_exits_2_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let bad = SPEC.replace(
        "        status:\n          type: string\n",
        "        status:\n          anyOf:\n            - type: string\n            - type: integer\n",
    );
    fs::write(dir.path().join("bad.yaml"), bad).unwrap();
    let output = run(dir.path(), &["gen", "--spec", "bad.yaml", "--out", "out"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    // `status` is on line 23 and its `anyOf` on line 24.
    assert_located(&err, "bad.yaml", 23..=24);
    assert!(
        err.contains("#/components/schemas/HealthStatus/properties/status"),
        "{err}"
    );
    assert!(err.contains("anyOf"), "{err}");
    assert!(
        !dir.path().join("out").exists(),
        "nothing is written for a bad spec"
    );
}

#[test]
fn a_yaml_syntax_error_exits_2_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let bad = SPEC.replace("required: [status]", "required: [status");
    fs::write(dir.path().join("bad.yaml"), bad).unwrap();
    let output = run(dir.path(), &["check", "--spec", "bad.yaml", "--out", "out"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_located(&stderr(&output), "bad.yaml", 21..=25);
}

#[test]
fn targets_lists_every_target() {
    let output = run(Path::new("."), &["targets"]);
    assert_eq!(output.status.code(), Some(0));
    let out = stdout(&output);
    let names: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        names,
        ["rust", "typescript", "python", "docs", "go", "kotlin"],
        "{out}"
    );
}

#[test]
fn an_unknown_target_is_refused_with_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("spec.yaml"), SPEC).unwrap();
    let output = run(
        dir.path(),
        &[
            "gen",
            "--spec",
            "spec.yaml",
            "--out",
            "out",
            "--target",
            "cobol",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("cobol") && err.contains("rust") && err.contains("docs"),
        "{err}"
    );
}

#[test]
fn gen_for_one_target_leaves_other_folders_alone() {
    let dir = generated();
    fs::create_dir_all(dir.path().join("out/rust")).unwrap();
    fs::write(dir.path().join("out/rust/keep.txt"), "").unwrap();
    let output = run(
        dir.path(),
        &[
            "gen",
            "--spec",
            "spec.yaml",
            "--out",
            "out",
            "--target",
            "docs",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(dir.path().join("out/rust/keep.txt").exists());
}

#[test]
fn a_package_name_its_ecosystem_refuses_exits_2_naming_the_target_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("spec.yaml"), SPEC).unwrap();
    let gen_with = |name: &str, target: &str| {
        run(
            dir.path(),
            &[
                "gen",
                "--spec",
                "spec.yaml",
                "--out",
                "out",
                "--target",
                target,
                "--package-name",
                name,
            ],
        )
    };
    for (name, target, rule) in [
        ("a.b", "rust", "only ASCII letters, digits, `-` and `_`"),
        ("my api", "rust", "only ASCII letters, digits, `-` and `_`"),
        ("Foo/Bar", "rust", "only ASCII letters, digits, `-` and `_`"),
        ("", "rust", "cannot be empty"),
        ("my api", "typescript", "an npm package name"),
        ("Foo/Bar", "typescript", "lower case"),
        ("foo/bar", "typescript", "`/` only after an `@scope`"),
        ("", "typescript", "cannot be empty"),
        ("", "docs", "cannot be empty"),
    ] {
        let output = gen_with(name, target);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{name:?} {target}: {err}");
        assert!(
            err.contains(&format!("`{name}`")) && err.contains(&format!("target `{target}`")),
            "{name:?} {target}: {err}"
        );
        assert!(err.contains(rule), "{name:?} {target}: {err}");
        assert!(!dir.path().join("out").exists(), "nothing is written");
    }
    // What one ecosystem accepts is not refused for the sake of another.
    let output = gen_with("a.b", "typescript");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn a_package_name_derived_from_the_title_is_checked_too() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SPEC.replace("title: Tiny Write API", "title: 3D Write API");
    fs::write(dir.path().join("spec.yaml"), spec).unwrap();
    let output = run(dir.path(), &["gen", "--spec", "spec.yaml", "--out", "out"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`3d-write-api`, derived from info.title,") && err.contains("--package-name"),
        "{err}"
    );
}

#[test]
fn headers_name_the_invocation_that_regenerates_with_its_arguments() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("my spec.yaml"), SPEC).unwrap();
    let args = [
        "--spec",
        "my spec.yaml",
        "--out",
        "out",
        "--target",
        "docs",
        "--package-name",
        "tiny",
    ];
    let output = run(dir.path(), &[&["gen"][..], &args].concat());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let command =
        "powersync-write-gen gen --spec 'my spec.yaml' --out out --target docs --package-name tiny";
    let docs = fs::read_to_string(dir.path().join("out/docs/README.md")).unwrap();
    assert!(
        docs.starts_with(&format!("<!-- Generated from my spec.yaml by `{command}`.")),
        "{docs}"
    );
    // `check` with the same arguments agrees with the header and names the same command.
    let check = run(dir.path(), &[&["check"][..], &args].concat());
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    fs::write(dir.path().join("out/docs/README.md"), "edited\n").unwrap();
    let check = run(dir.path(), &[&["check"][..], &args].concat());
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stderr(&check).contains(&format!("run `{command}` to regenerate")),
        "{}",
        stderr(&check)
    );
}

#[test]
fn the_targets_that_run_prettier_say_how_to_get_it_or_do_without() {
    for (target, file) in [
        ("typescript", "out/typescript/src/index.ts"),
        ("docs", "out/docs/README.md"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("spec.yaml"), SPEC).unwrap();
        let args = [
            "gen",
            "--spec",
            "spec.yaml",
            "--out",
            "out",
            "--target",
            target,
        ];
        let bin = env!("CARGO_BIN_EXE_powersync-write-gen");

        // No prettier in or above the temp dir, none named.
        let missing = Command::new(bin)
            .args(args)
            .current_dir(dir.path())
            .env_remove("POWERSYNC_WRITE_GEN_PRETTIER")
            .output()
            .unwrap();
        assert_ne!(missing.status.code(), Some(0), "{target}");
        let message = stderr(&missing);
        assert!(message.contains(target), "{message}");
        assert!(
            message.contains("no node_modules/prettier was found"),
            "{message}"
        );
        assert!(
            message.contains("npm install --save-dev prettier@3"),
            "{message}"
        );
        assert!(
            message.contains("POWERSYNC_WRITE_GEN_PRETTIER"),
            "{message}"
        );
        assert!(!dir.path().join("out").exists(), "nothing is written");

        // `off`: written as the templates lay it out.
        let off = Command::new(bin)
            .args(args)
            .current_dir(dir.path())
            .env("POWERSYNC_WRITE_GEN_PRETTIER", "off")
            .output()
            .unwrap();
        assert_eq!(off.status.code(), Some(0), "{}", stderr(&off));
        assert!(dir.path().join(file).is_file(), "{target}");
    }
}

#[test]
fn the_python_target_says_how_to_get_ruff_or_do_without() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("spec.yaml"), SPEC).unwrap();
    let args = [
        "gen",
        "--spec",
        "spec.yaml",
        "--out",
        "out",
        "--target",
        "python",
    ];
    let bin = env!("CARGO_BIN_EXE_powersync-write-gen");

    // No .venv/bin/ruff in or above the temp dir, none named.
    let missing = Command::new(bin)
        .args(args)
        .current_dir(dir.path())
        .env_remove("POWERSYNC_WRITE_GEN_RUFF")
        .env("POWERSYNC_WRITE_GEN_PRETTIER", prettier())
        .output()
        .unwrap();
    assert_ne!(missing.status.code(), Some(0));
    let message = stderr(&missing);
    assert!(message.contains("target `python`"), "{message}");
    assert!(message.contains("no .venv/bin/ruff was found"), "{message}");
    assert!(message.contains("POWERSYNC_WRITE_GEN_RUFF"), "{message}");
    assert!(!dir.path().join("out").exists(), "nothing is written");

    // `off`: written as the templates lay it out.
    let off = Command::new(bin)
        .args(args)
        .current_dir(dir.path())
        .env("POWERSYNC_WRITE_GEN_RUFF", "off")
        .env("POWERSYNC_WRITE_GEN_PRETTIER", prettier())
        .output()
        .unwrap();
    assert_eq!(off.status.code(), Some(0), "{}", stderr(&off));
    assert!(dir.path().join("out/python/pyproject.toml").is_file());
}
