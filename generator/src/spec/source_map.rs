//! JSON pointer -> line:column, built from the YAML parser's span-carrying events.
//!
//! A mapping entry is located at its key (`bar:` in `properties:`), the place a
//! person looks for it; a sequence item at the start of the item; the root at the
//! start of the document. Nodes inside an alias's expansion have no entry of their
//! own and are located at the alias, by the ancestor fallback of [`SourceMap::get`].

use std::collections::BTreeMap;

use serde_saphyr::granit_parser::{Event, Marker, Parser, ScanError};

use super::pointer;

/// Deeper documents are rejected before anything recurses over them; real specs
/// stay far below this.
pub const MAX_DEPTH: usize = 64;

/// Where each node of a YAML document is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    /// Pointer -> (line, column), both from 1.
    entries: BTreeMap<String, (usize, usize)>,
}

/// A problem found while walking the events: the text is not one well-formed
/// YAML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
}

enum Frame {
    Mapping {
        pointer: String,
        /// The key just read, waiting for its value, with the key's position; `None`
        /// while a key is expected. A key that is not a scalar is `Some((None, ..))`.
        pending_key: Option<(Option<String>, (usize, usize))>,
        seen: BTreeMap<String, (usize, usize)>,
    },
    Sequence {
        pointer: String,
        next_index: usize,
    },
    /// Inside a node that has no pointer (a complex key or its value).
    Skip,
}

impl SourceMap {
    /// Walks `text`'s events. Returns the map, or the first syntax problem.
    pub fn build(text: &str) -> Result<SourceMap, SyntaxError> {
        let mut map = SourceMap::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut documents = 0usize;
        for next in Parser::new_from_str(text) {
            let (event, span) = next.map_err(|e| scan_error(&e))?;
            let at = position(&span.start);
            match event {
                Event::DocumentStart(..) => {
                    documents += 1;
                    if documents > 1 {
                        return Err(SyntaxError {
                            line: at.0,
                            column: at.1,
                            message: "a second YAML document starts here".into(),
                            help: Some("a spec is exactly one YAML document; remove the `---` and what follows, or split the file".into()),
                        });
                    }
                }
                Event::Scalar(ref value, ..) => {
                    map.node(&mut stack, Some(value.as_ref()), at, false)?;
                }
                Event::Alias(_) | Event::UnresolvedAlias(_) => {
                    map.node(&mut stack, None, at, false)?;
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    let is_mapping = matches!(event, Event::MappingStart(..));
                    let pointer = map.node(&mut stack, None, at, true)?;
                    if stack.len() >= MAX_DEPTH {
                        return Err(SyntaxError {
                            line: at.0,
                            column: at.1,
                            message: format!(
                                "the document is nested more than {MAX_DEPTH} levels deep"
                            ),
                            help: Some(
                                "no OpenAPI document needs this depth; check the indentation"
                                    .into(),
                            ),
                        });
                    }
                    stack.push(match (pointer, is_mapping) {
                        (None, _) => Frame::Skip,
                        (Some(pointer), true) => Frame::Mapping {
                            pointer,
                            pending_key: None,
                            seen: BTreeMap::new(),
                        },
                        (Some(pointer), false) => Frame::Sequence {
                            pointer,
                            next_index: 0,
                        },
                    });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                _ => {}
            }
        }
        Ok(map)
    }

    /// Records a node starting at `at`. `scalar` is the text of a scalar node. Returns
    /// the node's pointer when it is a value with a known pointer (for a collection,
    /// the pointer its children extend).
    fn node(
        &mut self,
        stack: &mut [Frame],
        scalar: Option<&str>,
        at: (usize, usize),
        collection: bool,
    ) -> Result<Option<String>, SyntaxError> {
        let (pointer, located_at) = match stack.last_mut() {
            None => (Some(pointer::ROOT.to_owned()), at),
            Some(Frame::Skip) => return Ok(None),
            Some(Frame::Sequence {
                pointer,
                next_index,
            }) => {
                let p = pointer::join_index(pointer, *next_index);
                *next_index += 1;
                (Some(p), at)
            }
            Some(Frame::Mapping {
                pointer,
                pending_key,
                seen,
            }) => match pending_key.take() {
                None => {
                    // A key. Complex keys (collections) get no pointer.
                    let key = if collection {
                        None
                    } else {
                        scalar.map(str::to_owned)
                    };
                    if let Some(k) = &key {
                        if let Some(first) = seen.get(k) {
                            return Err(SyntaxError {
                                line: at.0,
                                column: at.1,
                                message: format!(
                                    "duplicate key `{k}`; it is first defined at line {}, column {}",
                                    first.0, first.1
                                ),
                                help: Some(
                                    "keys of a mapping must be unique; remove or rename one".into(),
                                ),
                            });
                        }
                        seen.insert(k.clone(), at);
                    }
                    *pending_key = Some((key, at));
                    return Ok(None);
                }
                Some((key, key_at)) => (key.map(|k| pointer::join(pointer, &k)), key_at),
            },
        };
        if let Some(p) = &pointer {
            self.entries.entry(p.clone()).or_insert(located_at);
        }
        Ok(pointer)
    }

    /// The position of `pointer`, or of its nearest ancestor that has one; 1:1 if none.
    pub fn get(&self, pointer: &str) -> (usize, usize) {
        let mut current = Some(pointer);
        while let Some(p) = current {
            if let Some(&at) = self.entries.get(p) {
                return at;
            }
            current = pointer::parent(p);
        }
        (1, 1)
    }

    /// The position of exactly `pointer`, without fallback.
    pub fn get_exact(&self, pointer: &str) -> Option<(usize, usize)> {
        self.entries.get(pointer).copied()
    }
}

/// Lines count from 1 in the parser; columns from 0.
fn position(marker: &Marker) -> (usize, usize) {
    (marker.line().max(1), marker.col().saturating_add(1))
}

fn scan_error(error: &ScanError) -> SyntaxError {
    let (line, column) = position(error.marker());
    SyntaxError {
        line,
        column,
        message: error.info(),
        // The parser stops where the text stops making sense, which can be well
        // after the cause.
        help: Some(
            "the cause may be earlier: an unclosed `[`, `{` or quote, or a wrong indentation"
                .to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_keys_items_and_falls_back() {
        let text = "openapi: 3.0.3\npaths:\n  /api/data:\n    post:\n      tags: [a, b]\n      x: *missing\n";
        assert!(SourceMap::build(text).is_err());
        let text = "openapi: 3.0.3\npaths:\n  /api/data:\n    post:\n      tags: [a, b]\n";
        let map = SourceMap::build(text).unwrap();
        assert_eq!(map.get("#"), (1, 1));
        assert_eq!(map.get("#/openapi"), (1, 1));
        assert_eq!(map.get("#/paths/~1api~1data"), (3, 3));
        assert_eq!(map.get("#/paths/~1api~1data/post"), (4, 5));
        assert_eq!(map.get("#/paths/~1api~1data/post/tags/1"), (5, 17));
        assert_eq!(map.get("#/paths/~1api~1data/post/nothing/here"), (4, 5));
    }

    #[test]
    fn reports_duplicates_depth_and_documents() {
        let dup = SourceMap::build("a: 1\nb:\n  c: 1\n  c: 2\n").unwrap_err();
        assert_eq!((dup.line, dup.column), (4, 3));
        let deep = "[".repeat(100);
        assert!(SourceMap::build(&deep).is_err());
        let two = SourceMap::build("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(two.line, 2);
    }

    #[test]
    fn complex_keys_have_no_pointer() {
        let map = SourceMap::build("? [a]\n: {b: 1}\nc: 2\n").unwrap();
        assert_eq!(map.get("#/c"), (3, 1));
        assert_eq!(map.get_exact("#/b"), None);
    }
}
