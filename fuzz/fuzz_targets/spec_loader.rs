//! The generator's spec loader and lowering on any text: a located diagnostic or an
//! IR, never a panic. (libFuzzer's `-timeout` turns a hang into a crash.)
//!
//! Input: the spec's text. The committed corpus starts from the canonical spec and
//! small documents that exercise `$ref`s, unions and `x-` extensions.
#![no_main]

use libfuzzer_sys::fuzz_target;
use powersync_write_gen::diagnostics::Diagnostics;
use powersync_write_gen::{lower, spec};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = text.lines().count().max(1);
    let located = |diagnostics: Diagnostics| {
        assert!(!diagnostics.0.is_empty(), "a failure without a diagnostic");
        for diagnostic in &diagnostics.0 {
            let location = &diagnostic.location;
            assert_eq!(location.file, "fuzzed.yaml");
            // Line 1 for a problem of the whole document; one past the last for an
            // unexpected end.
            assert!(
                (1..=lines + 1).contains(&location.line) && location.column >= 1,
                "{diagnostic:?} is not in the {lines}-line input"
            );
        }
    };
    match spec::load_str("fuzzed.yaml", text) {
        Ok(loaded) => {
            if let Err(diagnostics) = lower::lower(&loaded) {
                located(diagnostics);
            }
        }
        Err(diagnostics) => located(diagnostics),
    }
});
