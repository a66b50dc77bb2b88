//! Writing and drift-checking an output folder.

use std::fs;
use std::path::{Path, PathBuf};

use powersync_write_gen::emit::{self, Drift, DriftKind};
use powersync_write_gen::targets::GeneratedFile;

fn file(path: &str, contents: &str) -> GeneratedFile {
    GeneratedFile {
        path: path.into(),
        contents: contents.into(),
    }
}

fn files() -> Vec<GeneratedFile> {
    vec![
        file("rust/src/lib.rs", "// lib\n"),
        file("rust/src/models.rs", "// models\n"),
        file("docs/README.md", "# API\n"),
    ]
}

const TARGETS: &[&str] = &["rust", "docs"];

/// A temp dir holding a freshly generated output folder `generated/`.
fn generated() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    emit::write(&out, &files(), TARGETS).unwrap();
    (dir, out)
}

fn drift(out: &Path, kind: DriftKind, path: &str) -> Drift {
    Drift {
        path: out.join(path),
        kind,
    }
}

#[test]
fn freshly_written_output_has_no_drift() {
    let (_dir, out) = generated();
    assert_eq!(
        fs::read_to_string(out.join("rust/src/models.rs")).unwrap(),
        "// models\n"
    );
    assert_eq!(emit::check(&out, &files(), TARGETS).unwrap(), vec![]);
}

#[test]
fn an_edited_file_differs() {
    let (_dir, out) = generated();
    fs::write(out.join("rust/src/models.rs"), "// edited by hand\n").unwrap();
    assert_eq!(
        emit::check(&out, &files(), TARGETS).unwrap(),
        vec![drift(&out, DriftKind::Differs, "rust/src/models.rs")]
    );
}

#[test]
fn a_deleted_file_is_missing() {
    let (_dir, out) = generated();
    fs::remove_file(out.join("docs/README.md")).unwrap();
    assert_eq!(
        emit::check(&out, &files(), TARGETS).unwrap(),
        vec![drift(&out, DriftKind::Missing, "docs/README.md")]
    );
}

#[test]
fn an_extra_file_is_stale() {
    let (_dir, out) = generated();
    fs::create_dir_all(out.join("rust/src/old")).unwrap();
    fs::write(out.join("rust/src/old/gone.rs"), "").unwrap();
    assert_eq!(
        emit::check(&out, &files(), TARGETS).unwrap(),
        vec![drift(&out, DriftKind::Stale, "rust/src/old/gone.rs")]
    );
}

#[test]
fn drift_is_reported_in_path_order() {
    let (_dir, out) = generated();
    fs::write(out.join("rust/src/models.rs"), "").unwrap();
    fs::remove_file(out.join("rust/src/lib.rs")).unwrap();
    fs::write(out.join("docs/extra.md"), "").unwrap();
    let paths: Vec<PathBuf> = emit::check(&out, &files(), TARGETS)
        .unwrap()
        .into_iter()
        .map(|d| d.path)
        .collect();
    assert_eq!(
        paths,
        vec![
            out.join("docs/extra.md"),
            out.join("rust/src/lib.rs"),
            out.join("rust/src/models.rs")
        ]
    );
}

#[test]
fn build_folders_are_not_drift() {
    let (_dir, out) = generated();
    for build_dir in [
        "rust/target/debug",
        "docs/node_modules/x",
        "rust/src/__pycache__",
    ] {
        fs::create_dir_all(out.join(build_dir)).unwrap();
        fs::write(out.join(build_dir).join("artifact"), "").unwrap();
    }
    assert_eq!(emit::check(&out, &files(), TARGETS).unwrap(), vec![]);
}

#[test]
fn only_the_selected_targets_folders_are_checked() {
    let (_dir, out) = generated();
    fs::create_dir_all(out.join("python")).unwrap();
    fs::write(out.join("python/other.py"), "").unwrap();
    fs::write(out.join(".gitattributes"), "* linguist-generated\n").unwrap();
    fs::write(out.join("docs/extra.md"), "").unwrap();
    let rust_only: Vec<GeneratedFile> = files()
        .into_iter()
        .filter(|f| f.path.starts_with("rust"))
        .collect();
    assert_eq!(emit::check(&out, &rust_only, &["rust"]).unwrap(), vec![]);
}

#[test]
fn write_removes_stale_files_and_keeps_the_rest() {
    let (_dir, out) = generated();
    fs::create_dir_all(out.join("rust/src/old")).unwrap();
    fs::write(out.join("rust/src/old/gone.rs"), "").unwrap();
    fs::create_dir_all(out.join("rust/target")).unwrap();
    fs::write(out.join("rust/target/keep"), "build output").unwrap();
    fs::create_dir_all(out.join("python")).unwrap();
    fs::write(out.join("python/keep.py"), "").unwrap();

    let report = emit::write(&out, &files(), TARGETS).unwrap();

    assert_eq!(report.removed, vec![out.join("rust/src/old/gone.rs")]);
    assert!(
        report.written.is_empty(),
        "unchanged files are not rewritten"
    );
    assert_eq!(report.unchanged, 3);
    assert!(
        !out.join("rust/src/old").exists(),
        "the emptied folder is removed"
    );
    assert!(out.join("rust/target/keep").exists());
    assert!(out.join("python/keep.py").exists());
    assert_eq!(emit::check(&out, &files(), TARGETS).unwrap(), vec![]);
}

#[test]
fn write_rewrites_only_changed_files() {
    let (_dir, out) = generated();
    let mut changed = files();
    changed[1].contents = "// models v2\n".into();
    let report = emit::write(&out, &changed, TARGETS).unwrap();
    assert_eq!(report.written, vec![out.join("rust/src/models.rs")]);
    assert_eq!(report.unchanged, 2);
    assert_eq!(
        fs::read_to_string(out.join("rust/src/models.rs")).unwrap(),
        "// models v2\n"
    );
}

#[test]
fn io_errors_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the output folder should be: creating `out/rust/...` fails.
    let out = dir.path().join("generated");
    fs::write(&out, "not a folder").unwrap();
    let err = emit::write(&out, &files(), TARGETS).unwrap_err();
    assert!(err.to_string().contains("generated"), "{err}");
}
