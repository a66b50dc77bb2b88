//! Every rejected fixture (`tests/fixtures/rejected/<name>.yaml`, one per
//! unsupported or invalid construct) fails to load or lower with exactly the
//! diagnostics recorded in `<name>.expected`: location, pointer, message and help.
//! Files are named relative to the fixtures folder (`rejected/anyof.yaml`) so the
//! text does not depend on where the tests run.
//!
//! After an intended change, regenerate with
//! `UPDATE_EXPECT=1 cargo test -p powersync-write-gen --test rejected` and review
//! every changed line: each location must point at the offending construct.

use std::path::{Path, PathBuf};

use powersync_write_gen::spec;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rejected")
}

fn outcome(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    match spec::load_str(&format!("rejected/{name}"), &text)
        .and_then(|s| powersync_write_gen::lower::lower(&s))
    {
        Ok(_) => "accepted, but this fixture must be rejected\n".to_owned(),
        Err(diagnostics) => format!("{diagnostics}\n"),
    }
}

#[test]
fn every_rejected_fixture_reports_its_recorded_diagnostics() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixture folder exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 14,
        "expected at least 14 rejected fixtures, found {}",
        paths.len()
    );

    let mut failures = Vec::new();
    for path in &paths {
        let actual = outcome(path);
        let expected_path = path.with_extension("expected");
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&expected_path, &actual).expect("can write the expectation");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{} differs (rerun with UPDATE_EXPECT=1 to record, then review)\n--- expected\n{expected}+++ actual\n{actual}",
                expected_path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A missing file is a diagnostic too, not a panic.
#[test]
fn a_missing_file_is_reported() {
    let error = powersync_write_gen::load_and_lower(Path::new("no/such/spec.yaml")).unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with("no/such/spec.yaml:1:1: cannot read the spec: "),
        "{text}"
    );
}

/// The same spec as JSON: locations still point at the keys.
#[test]
fn json_specs_are_located_too() {
    let text = r##"{
  "openapi": "3.0.3",
  "info": {"title": "J", "version": "1"},
  "paths": {},
  "components": {"schemas": {"Foo": {"type": "object", "properties": {
    "bar": {"anyOf": [{"type": "string"}]}
  }}}}
}"##;
    let error = spec::load_str("x.json", text)
        .and_then(|s| powersync_write_gen::lower::lower(&s))
        .unwrap_err();
    let first = error.0.first().expect("one diagnostic");
    assert_eq!((first.location.line, first.location.column), (6, 13));
    assert_eq!(
        first.pointer.as_deref(),
        Some("#/components/schemas/Foo/properties/bar/anyOf")
    );
}
