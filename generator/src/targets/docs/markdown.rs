//! Markdown building blocks, printed exactly as prettier would print them, so that
//! running prettier over the generated reference changes nothing.

use std::collections::BTreeMap;
use std::fmt;

/// An inline code span whose fence is longer than any run of backticks inside.
pub fn code(text: &str) -> String {
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    // CommonMark strips one space on each side, so padding keeps edge backticks apart
    // from the fence.
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A link to a heading in the same document.
pub fn link(text: &str, anchor: &str) -> String {
    format!("[{text}](#{anchor})")
}

/// Spec text (CommonMark, possibly several lines) made to fit in one table cell: `|`
/// escaped, lines of a paragraph joined with a space, list items and paragraphs
/// separated by `<br>`.
pub fn cell(text: &str) -> String {
    let mut out = String::new();
    let mut blank_lines = 0;
    for line in text.trim().lines() {
        let line = line.trim();
        if line.is_empty() {
            blank_lines += 1;
            continue;
        }
        if !out.is_empty() {
            let separator = if blank_lines > 0 {
                "<br><br>"
            } else if starts_list_item(line) {
                "<br>"
            } else {
                " "
            };
            out.push_str(separator);
        }
        blank_lines = 0;
        out.push_str(line);
    }
    out.replace('|', "\\|")
}

/// Spec text (CommonMark) with every backtick that opens no code span escaped
/// (`\``): literal text either way, but a cell that adds a code span after it
/// (``Default: `0` ``) would otherwise pair the two. Code spans do not cross the
/// paragraphs and list items that [`cell`] joins, so each is looked at alone.
pub fn literal_backticks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut block = String::new();
    for line in text.split_inclusive('\n') {
        let content = line.trim();
        if (content.is_empty() || starts_list_item(content)) && !block.is_empty() {
            out.push_str(&escape_unpaired_backticks(&block));
            block.clear();
        }
        block.push_str(line);
        if content.is_empty() {
            out.push_str(&block);
            block.clear();
        }
    }
    out.push_str(&escape_unpaired_backticks(&block));
    out
}

/// One inline block: a backtick run opens a code span when a later run of the same
/// length closes it (the span's text is copied as it is); a run that nothing
/// closes is escaped, every backtick of it. A backslash escapes the character
/// after it outside code spans.
fn escape_unpaired_backticks(block: &str) -> String {
    let chars: Vec<char> = block.chars().collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|&&c| c == '`').count();
    let mut out = String::with_capacity(block.len());
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if chars.get(i + 1).is_some_and(char::is_ascii_punctuation) => {
                out.push('\\');
                out.push(chars[i + 1]);
                i += 2;
            }
            '`' => {
                let run = run_at(i);
                let mut j = i + run;
                let close = loop {
                    match chars.get(j) {
                        None => break None,
                        Some('`') => {
                            let other = run_at(j);
                            if other == run {
                                break Some(j);
                            }
                            j += other;
                        }
                        Some(_) => j += 1,
                    }
                };
                match close {
                    Some(j) => out.extend(&chars[i..j + run]),
                    None => (0..run).for_each(|_| out.push_str("\\`")),
                }
                i = close.map_or(i + run, |j| j + run);
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn starts_list_item(line: &str) -> bool {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let rest = &line[digits..];
    if digits > 0 {
        rest.starts_with(". ") || rest.starts_with(") ")
    } else {
        ["- ", "* ", "+ "]
            .iter()
            .any(|marker| rest.starts_with(marker))
    }
}

/// A table whose columns are padded to a common width, as prettier prints them.
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// `header` and every row's cells are Markdown already fit for a cell ([`cell`]).
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are left empty and extra cells dropped.
    pub fn push(&mut self, mut cells: Vec<String>) {
        cells.resize(self.header.len(), String::new());
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn widths(&self) -> Vec<usize> {
        self.header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                self.rows
                    .iter()
                    .filter_map(|row| row.get(i))
                    .map(|c| display_width(c))
                    .fold(display_width(h).max(3), usize::max)
            })
            .collect()
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let widths = self.widths();
        let write_row = |f: &mut fmt::Formatter<'_>, cells: &[String]| -> fmt::Result {
            write!(f, "|")?;
            for (cell, width) in cells.iter().zip(&widths) {
                let pad = width.saturating_sub(display_width(cell));
                write!(f, " {cell}{} |", " ".repeat(pad))?;
            }
            Ok(())
        };
        write_row(f, &self.header)?;
        writeln!(f)?;
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        write_row(f, &rule)?;
        for row in &self.rows {
            writeln!(f)?;
            write_row(f, row)?;
        }
        Ok(())
    }
}

/// Columns a string takes in a monospace font, the way prettier measures table cells:
/// wide East Asian characters and emoji count two, combining marks and control
/// characters none.
pub fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let c = u32::from(c);
            match c {
                0..=0x1f | 0x7f..=0x9f | 0x300..=0x36f => 0,
                0x1100..=0x115f
                | 0x2e80..=0x303e
                | 0x3041..=0x33ff
                | 0x3400..=0x4dbf
                | 0x4e00..=0x9fff
                | 0xa000..=0xa4cf
                | 0xac00..=0xd7a3
                | 0xf900..=0xfaff
                | 0xfe30..=0xfe4f
                | 0xff00..=0xff60
                | 0xffe0..=0xffe6
                | 0x1f300..=0x1f64f
                | 0x1f900..=0x1f9ff
                | 0x20000..=0x3fffd => 2,
                _ => 1,
            }
        })
        .sum()
}

/// Heading anchors as GitHub makes them: lower case, punctuation dropped, spaces
/// turned into `-`, and `-1`, `-2`, ... appended to repeats in document order.
#[derive(Debug, Default)]
pub struct Slugger {
    seen: BTreeMap<String, usize>,
}

impl Slugger {
    /// The anchor of the next heading whose plain text is `heading`.
    pub fn slug(&mut self, heading: &str) -> String {
        let base: String = heading
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut slug = base.clone();
        while self.seen.contains_key(&slug) {
            let count = self.seen.entry(base.clone()).or_insert(0);
            *count += 1;
            slug = format!("{base}-{count}");
        }
        self.seen.insert(slug.clone(), 0);
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_fence_backticks_inside() {
        assert_eq!(code("a|b"), "`a|b`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    #[test]
    fn cells_escape_pipes_and_fold_lines() {
        assert_eq!(
            cell("a | b\nc\n\nnext\n- one\n- two\n"),
            "a \\| b c<br><br>next<br>- one<br>- two"
        );
    }

    #[test]
    fn backticks_that_open_no_code_span_are_escaped() {
        assert_eq!(literal_backticks("A ` alone."), "A \\` alone.");
        assert_eq!(literal_backticks("`code` and `"), "`code` and \\`");
        // A run is closed only by a run of its own length.
        assert_eq!(
            literal_backticks("Two `` and one `."),
            "Two \\`\\` and one \\`."
        );
        assert_eq!(literal_backticks("``a ` b``"), "``a ` b``");
        // Escaped backticks open nothing; inside a code span a backslash is text.
        assert_eq!(literal_backticks("\\` and `x\\`"), "\\` and `x\\`");
        // A code span may cross a line, not a paragraph or a list item.
        assert_eq!(literal_backticks("a `b\nc` d"), "a `b\nc` d");
        assert_eq!(
            literal_backticks("a `b\n\nc` d\n- e `\n- f `"),
            "a \\`b\n\nc\\` d\n- e \\`\n- f \\`"
        );
        // Pairs stay as they are once folded into a cell.
        assert_eq!(
            cell(&literal_backticks("A ` alone.")) + " Default: `0`.",
            "A \\` alone. Default: `0`."
        );
    }

    #[test]
    fn tables_pad_columns_like_prettier() {
        let mut t = Table::new(&["A", "Long header"]);
        t.push(vec!["wide cell".into(), "中".into()]);
        t.push(vec!["x".into()]);
        assert_eq!(
            t.to_string(),
            "| A         | Long header |\n\
             | --------- | ----------- |\n\
             | wide cell | 中          |\n\
             | x         |             |"
        );
    }

    #[test]
    fn slugs_follow_github() {
        let mut s = Slugger::default();
        assert_eq!(s.slug("POST /api/data"), "post-apidata");
        assert_eq!(s.slug("CrudEntry"), "crudentry");
        assert_eq!(s.slug("crudEntry"), "crudentry-1");
        assert_eq!(s.slug("crudentry"), "crudentry-2");
        assert_eq!(s.slug("crudentry-1"), "crudentry-1-1");
    }
}
