//! Emission: write generated files into an output folder, or check that folder for
//! drift. Only the sub-folders of the selected targets (`<out>/<target>/`) are
//! touched, so a run for one target never disturbs another's files.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::targets::GeneratedFile;

/// Folders inside a target's output that its own ecosystem's tools create (build
/// output, dependency caches, virtual environments). They are never generated, never
/// reported as stale and never deleted.
pub const IGNORED_DIRS: &[&str] = &[
    "target",
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    "dist",
    "build",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
];

/// An I/O failure, with the path it happened on.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct EmitError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> EmitError + '_ {
    move |source| EmitError {
        path: path.to_path_buf(),
        source,
    }
}

/// How a file on disk differs from what the generator produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DriftKind {
    /// The file exists with other contents.
    Differs,
    /// The generator produces the file but it does not exist.
    Missing,
    /// The file exists in a target's folder but the generator no longer produces it.
    Stale,
}

impl fmt::Display for DriftKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DriftKind::Differs => "differs",
            DriftKind::Missing => "missing",
            DriftKind::Stale => "stale",
        })
    }
}

/// One out-of-date file; `path` includes the output folder (`generated/docs/README.md`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Drift {
    pub path: PathBuf,
    pub kind: DriftKind,
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.path.display())
    }
}

/// What [`write`] did; paths include the output folder, sorted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    pub written: Vec<PathBuf>,
    pub unchanged: usize,
    pub removed: Vec<PathBuf>,
}

/// Writes every file under `out_dir` (creating folders, leaving identical files
/// untouched) and removes the files under `out_dir/<target>/` for each of `targets`
/// that are no longer generated.
pub fn write(
    out_dir: &Path,
    files: &[GeneratedFile],
    targets: &[&str],
) -> Result<WriteReport, EmitError> {
    let mut report = WriteReport::default();
    for file in sorted(files) {
        let path = out_dir.join(&file.path);
        if read_if_exists(&path)?.as_deref() == Some(file.contents.as_bytes()) {
            report.unchanged += 1;
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(at(parent))?;
        }
        fs::write(&path, &file.contents).map_err(at(&path))?;
        report.written.push(path);
    }
    for path in stale_files(out_dir, &generated_paths(out_dir, files), targets)? {
        fs::remove_file(&path).map_err(at(&path))?;
        remove_empty_parents(&path, out_dir);
        report.removed.push(path);
    }
    Ok(report)
}

/// Removes the folders a stale file leaves empty, up to (not including) `out_dir`.
fn remove_empty_parents(file: &Path, out_dir: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        // `remove_dir` fails on a folder that still has entries, which ends the walk.
        if d == out_dir || !d.starts_with(out_dir) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

fn sorted(files: &[GeneratedFile]) -> Vec<&GeneratedFile> {
    let mut files: Vec<&GeneratedFile> = files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// Compares `out_dir` with the generated files, for the given targets' folders.
/// Returns every drifted file, sorted by path; empty means up to date.
pub fn check(
    out_dir: &Path,
    files: &[GeneratedFile],
    targets: &[&str],
) -> Result<Vec<Drift>, EmitError> {
    let mut drift = Vec::new();
    for file in sorted(files) {
        let path = out_dir.join(&file.path);
        match read_if_exists(&path)? {
            None => drift.push(Drift {
                path,
                kind: DriftKind::Missing,
            }),
            Some(bytes) if bytes != file.contents.as_bytes() => drift.push(Drift {
                path,
                kind: DriftKind::Differs,
            }),
            Some(_) => {}
        }
    }
    for path in stale_files(out_dir, &generated_paths(out_dir, files), targets)? {
        drift.push(Drift {
            path,
            kind: DriftKind::Stale,
        });
    }
    drift.sort();
    Ok(drift)
}

fn generated_paths(out_dir: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = files.iter().map(|f| out_dir.join(&f.path)).collect();
    paths.sort();
    paths
}

/// Files under `out_dir/<target>/` (build folders skipped) that are not in `generated`
/// (sorted).
fn stale_files(
    out_dir: &Path,
    generated: &[PathBuf],
    targets: &[&str],
) -> Result<Vec<PathBuf>, EmitError> {
    let mut existing = Vec::new();
    let mut targets: Vec<&str> = targets.to_vec();
    targets.sort_unstable();
    targets.dedup();
    for target in targets {
        list_files(&out_dir.join(target), &mut existing)?;
    }
    existing.retain(|path| generated.binary_search(path).is_err());
    existing.sort();
    Ok(existing)
}

/// Appends every file below `dir` (recursively, not following symlinks, skipping
/// [`IGNORED_DIRS`]); a missing `dir` has no files.
fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), EmitError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(at(dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(at(dir))?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(at(&path))?;
        if file_type.is_dir() {
            let ignored = entry
                .file_name()
                .to_str()
                .is_some_and(|n| IGNORED_DIRS.contains(&n));
            if !ignored {
                list_files(&path, out)?;
            }
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, EmitError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(at(path)(e)),
    }
}
