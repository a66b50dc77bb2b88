//! Loading and lowering never panic, whatever the text: mutated copies of the
//! project's spec and of the feature fixtures (ranges deleted, lines duplicated,
//! characters replaced, text truncated), and hand-picked hostile inputs, must all
//! end in `Ok` or `Err`. A panic fails the test (proptest catches it and shrinks
//! the input).

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;

use powersync_write_gen::{lower, spec};

fn run(text: &str) {
    if let Ok(loaded) = spec::load_str("mutated.yaml", text) {
        let _ = lower::lower(&loaded);
    }
}

fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = vec![root.join("../spec/powersync-write.yaml")];
    for dir in ["tests/fixtures/features", "tests/fixtures/rejected"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .expect("fixture folder exists")
            .map(|e| e.expect("readable entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        found.sort();
        files.extend(found);
    }
    files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteRange(Index, usize),
    DuplicateLine(Index),
    Replace(Index, char),
    Truncate(Index),
    SwapLines(Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Characters that matter to YAML and to the generator's parsing.
    let chars = prop::sample::select(vec![
        ' ', '\n', '\t', ':', '-', '[', ']', '{', '}', '"', '\'', '#', '&', '*', '!', '|', '>',
        '~', '%', '@', '`', ',', '?', '0', '9', 'a', 'é', '\u{feff}', '/', '$',
    ]);
    prop_oneof![
        (any::<Index>(), 1usize..200).prop_map(|(i, n)| Mutation::DeleteRange(i, n)),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), chars).prop_map(|(i, c)| Mutation::Replace(i, c)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

/// Applies a mutation on char boundaries (the text stays valid UTF-8, as it is
/// after reading a file).
fn apply(text: &str, mutation: &Mutation) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    if chars.is_empty() || lines.is_empty() {
        return text.to_owned();
    }
    match mutation {
        Mutation::DeleteRange(at, len) => {
            let start = at.index(chars.len());
            let end = (start + len).min(chars.len());
            chars[..start].iter().chain(&chars[end..]).collect()
        }
        Mutation::DuplicateLine(at) => {
            let i = at.index(lines.len());
            let mut out = lines.clone();
            out.insert(i, lines[i]);
            out.concat()
        }
        Mutation::Replace(at, c) => {
            let mut out = chars.clone();
            out[at.index(chars.len())] = *c;
            out.into_iter().collect()
        }
        Mutation::Truncate(at) => chars[..at.index(chars.len())].iter().collect(),
        Mutation::SwapLines(a, b) => {
            let mut out = lines.clone();
            out.swap(a.index(lines.len()), b.index(lines.len()));
            out.concat()
        }
    }
}

proptest! {
    // A failing case is written to `robustness.proptest-regressions` beside this file
    // (proptest's default place cannot be found for an integration test): commit it,
    // and every later run replays the case first.
    #![proptest_config(ProptestConfig {
        cases: 1500,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_specs_never_panic(seed in any::<Index>(), mutations in prop::collection::vec(mutation(), 1..4)) {
        let seeds = seeds();
        let mut text = seeds[seed.index(seeds.len())].clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        run(&text);
    }
}

/// Nested invalid schemas within the depth limit: `openapiv3`'s error path alone
/// would take time exponential in the depth.
fn deep_invalid_schemas() -> Vec<String> {
    let head = "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"v\"}, \"paths\": {}, \"components\": {\"schemas\": {\"A\": ";
    let nest = |open: &str, leaf: &str, close: &str| {
        format!("{head}{}{leaf}{}}}}}}}", open.repeat(28), close.repeat(28))
    };
    vec![
        nest("{\"allOf\": [", "null", "]}"),
        nest(
            "{\"type\": \"object\", \"properties\": {\"p\": ",
            "{\"type\": \"string\", \"minLength\": true}",
            "}}",
        ),
        nest(
            "{\"type\": \"array\", \"items\": ",
            "{\"externalDocs\": {\"url\": \"u\", \"description\": 5}}",
            "}",
        ),
        nest(
            "{\"additionalProperties\": ",
            "{\"discriminator\": {\"propertyName\": 1}}",
            "}",
        ),
    ]
}

/// Runs `inputs` on another thread and fails if they take too long: a hang is as
/// bad as a panic for a tool that reads untrusted files.
fn run_all_within(inputs: Vec<String>, seconds: u64) {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for input in &inputs {
            run(input);
        }
        let _ = done.send(());
    });
    match finished.recv_timeout(std::time::Duration::from_secs(seconds)) {
        Ok(()) => {}
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("loading and lowering took more than {seconds} s")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            panic!("loading or lowering panicked")
        }
    }
}

#[test]
fn deep_invalid_schemas_are_rejected_quickly() {
    run_all_within(deep_invalid_schemas(), 20);
}

#[test]
fn hostile_inputs_never_panic() {
    // Nested inline objects just under the depth limit and well over it.
    let deep_schema = |levels: usize| {
        let mut s = String::from(
            "openapi: 3.0.3\ninfo: {title: t, version: v}\npaths: {}\ncomponents:\n  schemas:\n    A:\n",
        );
        let mut indent = 6;
        for _ in 0..levels {
            s.push_str(&format!(
                "{:indent$}type: object\n{:indent$}properties:\n{:w$}p:\n",
                "",
                "",
                "",
                w = indent + 2
            ));
            indent += 4;
        }
        s
    };
    let inputs = [
        String::new(),
        "~".to_owned(),
        "[]".to_owned(),
        "openapi: 3.0.3".to_owned(),
        "openapi: 3.0".to_owned(),
        "[".repeat(10_000),
        "{a: ".repeat(5_000),
        "- ".repeat(5_000),
        "a: &a [*a]".to_owned(),
        "a: &a\n  b: *a\n".to_owned(),
        // An alias bomb.
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n".to_owned(),
        "\u{feff}openapi: 3.0.3\n\0".to_owned(),
        "openapi: 3.0.3\ninfo: {title: t, version: v}\npaths: {}\ncomponents: {schemas: {A: {allOf: [{$ref: '#/components/schemas/A'}]}}}\n".to_owned(),
        "openapi: 3.0.3\ninfo: {title: t, version: v}\npaths: {}\ncomponents: {schemas: {A: {allOf: [{$ref: '#/components/schemas/B'}]}, B: {allOf: [{$ref: '#/components/schemas/A'}, {type: object}]}}}\n".to_owned(),
        "openapi: 3.0.3\ninfo: {title: t, version: v}\npaths: {/a: {get: {operationId: a, parameters: [{$ref: '#/components/parameters/P'}], responses: {'200': {$ref: '#/components/responses/R'}}}}}\ncomponents: {parameters: {P: {$ref: '#/components/parameters/P'}}, responses: {R: {$ref: '#/components/responses/S'}, S: {$ref: '#/components/responses/R'}}}\n".to_owned(),
        "openapi: 3.0.3\ninfo: {title: t, version: v}\npaths: {}\ncomponents: {schemas: {'a/b~c': {$ref: '#/components/schemas/a~1b~0c'}, U: {oneOf: [{$ref: '#/components/schemas/U'}], discriminator: {propertyName: k}}}}\n".to_owned(),
        deep_schema(29),
        deep_schema(40),
    ];
    run_all_within(inputs.to_vec(), 60);
}
