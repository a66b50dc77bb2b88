//! Differences, collected over a whole run and reported together.

use serde_json::Value;

/// Every difference found, one paragraph each.
#[derive(Default)]
pub struct Report {
    problems: Vec<String>,
    pub checked: usize,
}

impl Report {
    /// Records that `language` gave `actual` for `case` where `expected` was due.
    pub fn expect(&mut self, case: &str, language: &str, expected: &Value, actual: &Value) {
        self.checked += 1;
        if expected != actual {
            self.problems.push(format!(
                "case `{case}`: {language} differs from the case's expectation\n{}",
                diff("expected", expected, language, actual)
            ));
        }
    }

    /// Records that `language` and `other` must have answered `case` alike.
    pub fn same(&mut self, case: &str, first: (&str, &Value), second: (&str, &Value)) {
        if first.1 != second.1 {
            self.problems.push(format!(
                "case `{case}`: {} and {} answer differently\n{}",
                first.0,
                second.0,
                diff(first.0, first.1, second.0, second.1)
            ));
        }
    }

    pub fn problem(&mut self, text: String) {
        self.problems.push(text);
    }

    /// Fails with every problem, or passes.
    pub fn finish(self, what: &str) {
        assert!(
            self.problems.is_empty(),
            "{} problem(s) in {what} ({} answers checked):\n\n{}",
            self.problems.len(),
            self.checked,
            self.problems.join("\n\n")
        );
        assert!(self.checked > 0, "{what}: nothing was checked");
    }
}

/// The two values pretty-printed, line by line, marking the lines that differ.
pub fn diff(left_name: &str, left: &Value, right_name: &str, right: &Value) -> String {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let (l, r) = (pretty(left), pretty(right));
    let (l, r): (Vec<&str>, Vec<&str>) = (l.lines().collect(), r.lines().collect());
    let width = l
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(left_name.len());
    let mut out = format!("    {left_name:width$} | {right_name}\n");
    for i in 0..l.len().max(r.len()) {
        let a = l.get(i).copied().unwrap_or("");
        let b = r.get(i).copied().unwrap_or("");
        let mark = if a == b { ' ' } else { '!' };
        out.push_str(&format!("  {mark} {a:width$} | {b}\n"));
    }
    out
}
