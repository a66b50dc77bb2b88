//! The runtime's top-level modules depend on each other one way: this reads every
//! file under `runtime/src`, collects the `crate::<module>` paths each top-level module
//! names (in code and in doc links alike, since a doc link is a dependency a reader
//! follows), and fails naming a cycle if the graph has one. `vocab`, the shared
//! vocabulary at the bottom, names no other module at all.
//!
//! `main.rs` is the binary (it sees the library as `powersync_write_server::`) and
//! `lib.rs` only declares the modules; neither is part of the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file below `src`: `persist/sqlite/store.rs` is
/// `[persist, sqlite, store]`, `persist/mod.rs` is `[persist]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.strip_suffix(".rs").unwrap_or(&last);
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

fn identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The first segment of every path below the crate root that `source` names:
/// `crate::a::b`, each item of `crate::{a, b::c}`, and `super::` chains that climb to
/// the root from a module at depth `depth`.
fn roots_named(source: &str, depth: usize) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for (at, _) in source.match_indices("crate::") {
        // `powersync_write_server::` or `my_crate::` are not this crate's root.
        let before = source[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        named.extend(after_root(&source[at + "crate::".len()..]));
    }
    if depth > 0 {
        let climb = "super::".repeat(depth);
        for (at, _) in source.match_indices(&climb) {
            let before = source[..at].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest = &source[at + climb.len()..];
            if !rest.starts_with("super::") {
                named.extend(after_root(rest));
            }
        }
    }
    named
}

/// The top-level modules of the path text that follows `crate::`.
fn after_root(rest: &str) -> Vec<String> {
    if let Some(group) = rest.strip_prefix('{') {
        let mut items = Vec::new();
        let mut level = 0;
        let mut start = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => level += 1,
                '}' if level == 0 => {
                    items.push(&group[start..i]);
                    break;
                }
                '}' => level -= 1,
                ',' if level == 0 => {
                    items.push(&group[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        items
            .into_iter()
            .map(|item| identifier(item.trim()).to_string())
            .filter(|name| !name.is_empty() && name != "self")
            .collect()
    } else {
        let name = identifier(rest);
        if name.is_empty() {
            Vec::new()
        } else {
            vec![name.to_string()]
        }
    }
}

/// Top-level module -> the top-level modules it names, and which files name each.
fn module_graph(src: &Path) -> (Graph, BTreeMap<(String, String), BTreeSet<String>>) {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph = Graph::new();
    let mut witnesses: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(src).expect("below src").to_path_buf();
        if relative == Path::new("lib.rs") || relative == Path::new("main.rs") {
            continue;
        }
        let path = module_path(&relative);
        let top = path[0].clone();
        let source = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        let edges = graph.entry(top.clone()).or_default();
        for named in roots_named(&source, path.len()) {
            if named != top {
                edges.insert(named.clone());
                witnesses
                    .entry((top.clone(), named))
                    .or_default()
                    .insert(relative.display().to_string());
            }
        }
    }
    (graph, witnesses)
}

/// A cycle of the graph, as the modules along it (first repeated last), if any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let from = stack.iter().position(|n| n == node).expect("on the stack");
                let mut cycle = stack[from..].to_vec();
                cycle.push(node.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_string(), Mark::Open);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        marks.insert(node.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut marks, &mut Vec::new()))
}

#[test]
fn the_top_level_modules_depend_on_each_other_one_way() {
    let (graph, witnesses) = module_graph(&source_dir());
    assert!(
        graph.len() >= 10,
        "only {} top-level modules found under {}: is the scan broken?",
        graph.len(),
        source_dir().display()
    );
    assert!(
        graph["engine"].contains("persist") && graph["persist"].contains("vocab"),
        "the scan misses known dependencies: {graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|pair| {
                let files = &witnesses[&(pair[0].clone(), pair[1].clone())];
                format!(
                    "  {} -> {} (in {})",
                    pair[0],
                    pair[1],
                    files.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        panic!(
            "the runtime's modules depend on each other in a cycle: {}\n{}",
            cycle.join(" -> "),
            steps.join("\n")
        );
    }
}

#[test]
fn vocab_names_nothing_else_of_the_runtime() {
    let path = source_dir().join("vocab.rs");
    let source = std::fs::read_to_string(&path).expect("read vocab.rs");
    let named = roots_named(&source, 1);
    assert!(
        named.is_empty() && !source.contains("crate::"),
        "vocab.rs must not use the rest of the runtime, but names {named:?}"
    );
}

/// The scan and the cycle search on small inputs, so the tests above cannot pass by
/// seeing nothing.
#[test]
fn the_scan_finds_paths_and_cycles() {
    let source = "use crate::hooks::X;\nuse crate::{persist::{a, b}, vocab};\n\
                  /// [`crate::classify::DefaultClassifier`]\nuse super::super::engine::Y;\n\
                  use powersync_write_server::config::Z;\nuse super::sibling;";
    assert_eq!(
        roots_named(source, 2),
        ["classify", "engine", "hooks", "persist", "vocab"]
            .map(String::from)
            .into(),
    );
    let graph = |edges: &[(&str, &str)]| {
        let mut graph = Graph::new();
        for (from, to) in edges {
            graph
                .entry(from.to_string())
                .or_default()
                .insert(to.to_string());
            graph.entry(to.to_string()).or_default();
        }
        graph
    };
    assert_eq!(
        find_cycle(&graph(&[
            ("engine", "hooks"),
            ("hooks", "persist"),
            ("persist", "hooks")
        ])),
        Some(vec!["hooks".into(), "persist".into(), "hooks".into()])
    );
    assert_eq!(
        find_cycle(&graph(&[
            ("engine", "hooks"),
            ("engine", "persist"),
            ("persist", "hooks")
        ])),
        None
    );
}
