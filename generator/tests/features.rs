//! Every feature fixture (`tests/fixtures/features/<feature>.yaml`, one small spec
//! per supported feature) generates, for every target, exactly the files committed
//! in `tests/fixtures/features/<feature>/<target>/` (`rust/...`, `docs/README.md`).
//! A target that rejects a fixture has its error committed instead, in
//! `<feature>/<target>.rejected`, and no folder.
//!
//! Each fixture's `rust/` folder is also a member of the root workspace, so
//! `cargo clippy --workspace --all-targets -- -D warnings` and `cargo test --workspace`
//! fail when a committed snapshot does not build or has warnings.
//!
//! After an intended change, regenerate with
//! `UPDATE_EXPECT=1 cargo test -p powersync-write-gen --test features` and review
//! the diff.

use std::path::{Path, PathBuf};

use powersync_write_gen::emit::{self, DriftKind};
use powersync_write_gen::targets::GeneratedFile;
use powersync_write_gen::{GenerateError, GenerateOptions, generate, targets};

/// The command that rewrites the expected output; also the "regenerate" command in
/// the generated files' headers.
const BLESS: &str = "UPDATE_EXPECT=1 cargo test -p powersync-write-gen --test features";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/features")
}

#[test]
fn every_feature_generates_its_committed_output() {
    let dir = fixtures();
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    // `differs: all_of/rust/src/models.rs`, or `updated: ...` under UPDATE_EXPECT.
    let mut changes: Vec<String> = Vec::new();
    let specs = spec_files(&dir);
    assert!(
        specs.len() >= 12,
        "expected at least 12 feature fixtures, found {}",
        specs.len()
    );
    for spec in &specs {
        let feature = spec
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("fixture names are UTF-8");
        let out = dir.join(feature);
        // One target at a time, so a target that rejects a fixture does not hide the
        // other targets' output.
        for target in targets::all() {
            let target = target.name();
            let (files, rejection) = match generate_one(spec, feature, target) {
                Ok(files) => (files, None),
                Err(message) => (Vec::new(), Some(message)),
            };
            let rejected = out.join(format!("{target}.rejected"));
            if update {
                let report =
                    emit::write(&out, &files, &[target]).expect("can write the expected output");
                let mut updated = report.written;
                updated.extend(report.removed);
                if record_rejection(&rejected, rejection.as_deref()) {
                    updated.push(rejected);
                }
                changes.extend(
                    updated
                        .iter()
                        .map(|p| format!("updated: {}", shown(&dir, p))),
                );
            } else {
                let mut drift =
                    emit::check(&out, &files, &[target]).expect("can read the expected output");
                drift.extend(rejection_drift(&rejected, rejection.as_deref()));
                changes.extend(
                    drift
                        .iter()
                        .map(|d| format!("{}: {}", d.kind, shown(&dir, &d.path))),
                );
            }
        }
    }
    if update {
        for change in &changes {
            println!("  {change}");
        }
        return;
    }
    assert!(
        changes.is_empty(),
        "the feature fixtures' generated output differs from the files committed under \
         generator/tests/fixtures/features/:\n  {}\nafter an intended change, run `{BLESS}` \
         and review the diff",
        changes.join("\n  ")
    );
}

/// The files `target` generates for the fixture, or the target's error message.
fn generate_one(spec: &Path, feature: &str, target: &str) -> Result<Vec<GeneratedFile>, String> {
    let options = GenerateOptions {
        spec: spec.to_path_buf(),
        // Relative to the fixtures folder, so headers do not depend on the checkout.
        spec_display_path: format!("features/{feature}.yaml"),
        targets: vec![target.to_owned()],
        package_name: Some(format!("feature-{}", feature.replace('_', "-"))),
        regenerate_command: BLESS.to_owned(),
    };
    match generate(&options) {
        Ok(generation) => Ok(generation.files),
        Err(GenerateError::Target(e)) => Err(format!("{e}\n")),
        // The lowering test (`tests/lowering.rs`) covers the spec itself.
        Err(e) => panic!("features/{feature}.yaml does not load and lower:\n{e}"),
    }
}

/// Writes the recorded rejection, or removes a recorded one that no longer applies;
/// true if the file changed.
fn record_rejection(path: &Path, rejection: Option<&str>) -> bool {
    let recorded = std::fs::read_to_string(path).ok();
    if recorded.as_deref() == rejection {
        return false;
    }
    match rejection {
        Some(text) => {
            std::fs::create_dir_all(path.parent().expect("inside the fixtures folder"))
                .expect("can create the fixture's folder");
            std::fs::write(path, text).expect("can write the rejection");
        }
        None => std::fs::remove_file(path).expect("can remove the stale rejection"),
    }
    true
}

/// How the recorded rejection differs from the target's outcome, if it does.
fn rejection_drift(path: &Path, rejection: Option<&str>) -> Option<emit::Drift> {
    let recorded = std::fs::read_to_string(path).ok();
    let kind = match (recorded.as_deref(), rejection) {
        (None, None) => return None,
        (Some(r), Some(a)) if r == a => return None,
        (Some(_), Some(_)) => DriftKind::Differs,
        (None, Some(_)) => DriftKind::Missing,
        (Some(_), None) => DriftKind::Stale,
    };
    Some(emit::Drift {
        path: path.to_path_buf(),
        kind,
    })
}

/// `path` relative to the fixtures folder, for messages (`all_of/rust/src/models.rs`).
fn shown(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

fn spec_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture folder exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}
