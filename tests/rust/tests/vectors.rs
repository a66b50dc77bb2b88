//! Every shared vector: the generated validator must report exactly the listed
//! violations (as a multiset of `(path, keyword)`) and count exactly the `omitted`
//! ones beyond the cap, and every valid value must survive decode -> encode through
//! the typed model.
//!
//! Re-encoding drops properties the model does not declare, so the re-encoded value is
//! compared with the input minus those properties, worked out from the spec's IR (not
//! from the model, which would make the check circular). Numbers compare by value.

use conformance_rust::{json_eq, known_part_of, spec_api, vectors};
use powersync_write_api::{models, validation};
use serde_json::{Value, json};

#[test]
fn the_validator_reports_exactly_the_listed_violations() {
    let vectors = vectors().unwrap();
    assert!(vectors.len() >= 100, "only {} vectors found", vectors.len());
    let mut failures = Vec::new();
    for vector in &vectors {
        let Some(violations) = validation::validate_schema(&vector.schema, &vector.value) else {
            failures.push(format!("{}: no schema `{}`", vector.file, vector.schema));
            continue;
        };
        let (listed, omitted) = violations.into_parts();
        let mut got: Vec<(String, String)> =
            listed.into_iter().map(|v| (v.path, v.keyword)).collect();
        got.sort();
        if got != vector.errors {
            failures.push(format!(
                "{}:\n  expected {:?}\n  got      {:?}",
                vector.file, vector.errors, got
            ));
        }
        if omitted != vector.omitted {
            failures.push(format!(
                "{}: expected {} omitted violations, got {omitted}",
                vector.file, vector.omitted
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors fail:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}

#[test]
fn valid_values_survive_decode_and_encode() {
    let api = spec_api().unwrap();
    let vectors = vectors().unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for vector in vectors.iter().filter(|v| v.errors.is_empty()) {
        checked += 1;
        let Some(result) = models::reencode(&vector.schema, &vector.value) else {
            failures.push(format!("{}: no model `{}`", vector.file, vector.schema));
            continue;
        };
        let expected = known_part_of(&api, &vector.schema, &vector.value);
        match result {
            Ok(encoded) if json_eq(&encoded, &expected) => {}
            Ok(encoded) => failures.push(format!(
                "{}:\n  expected {expected}\n  got      {encoded}",
                vector.file
            )),
            Err(e) => failures.push(format!("{}: does not decode: {e}", vector.file)),
        }
    }
    assert!(checked >= 30, "only {checked} valid vectors");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_typed_validate_agrees_with_the_json_validator_on_valid_vectors() {
    for vector in vectors()
        .unwrap()
        .iter()
        .filter(|v| v.errors.is_empty() && v.schema == "WriteBatch")
    {
        let batch: models::WriteBatch = serde_json::from_value(vector.value.clone()).unwrap();
        assert_eq!(batch.validate(), Ok(()), "{}", vector.file);
    }
}

#[test]
fn the_vectors_cover_the_cap_and_the_crud_limit() {
    let vectors = vectors().unwrap();
    let capped = |v: &&conformance_rust::Vector| {
        v.errors.len() == validation::MAX_VIOLATIONS && v.omitted > 0
    };
    assert!(
        vectors.iter().filter(capped).count() >= 2,
        "expected vectors with {} listed and more omitted violations",
        validation::MAX_VIOLATIONS
    );
    assert!(
        vectors.iter().any(|v| v
            .errors
            .iter()
            .any(|(p, k)| p.ends_with(".crud") && k == "maxItems")),
        "no vector has `crud` over maxItems"
    );
}

fn entries(count: usize, entry: Value) -> Value {
    Value::Array(vec![entry; count])
}

#[test]
fn crud_takes_10000_entries_and_refuses_10001() {
    let entry = json!({"op": "PUT", "table": "todos", "id": "t1"});
    let at_limit = json!({"crud": entries(10_000, entry.clone())});
    let violations = validation::validate_schema("CrudTransaction", &at_limit).unwrap();
    assert!(violations.is_empty(), "{violations:?}");
    let over = json!({"crud": entries(10_001, entry)});
    let violations = validation::validate_schema("CrudTransaction", &over).unwrap();
    let got: Vec<(&str, &str)> = violations
        .listed()
        .iter()
        .map(|v| (v.path.as_str(), v.keyword.as_str()))
        .collect();
    assert_eq!(got, [("$.crud", "maxItems")]);
    assert_eq!(violations.omitted(), 0);
}

#[test]
fn the_cap_lists_the_first_violations_in_walk_order_and_counts_the_rest() {
    assert_eq!(validation::MAX_VIOLATIONS, 100);
    // Each `{}` entry misses op, table and id: 3 violations per entry.
    let batch = json!({"transactions": [{"crud": entries(1_000, json!({}))}]});
    let violations = validation::validate_schema("WriteBatch", &batch).unwrap();
    assert_eq!(violations.total(), 3_000);
    assert_eq!(violations.omitted(), 2_900);
    let listed = violations.listed();
    assert_eq!(listed.len(), 100);
    assert_eq!(listed[0].path, "$.transactions[0].crud[0].op");
    assert_eq!(listed[98].path, "$.transactions[0].crud[32].id");
    assert_eq!(listed[99].path, "$.transactions[0].crud[33].op");
    assert!(listed.iter().all(|v| !v.message.is_empty()));
    // A `Vec` turned into `Violations` (as `Rejection::invalid_request` does) is cut
    // the same way.
    let many: Vec<validation::Violation> = (0..250)
        .map(|i| validation::Violation::new(&format!("$[{i}]"), "type", "x".to_owned()))
        .collect();
    let cut = validation::Violations::from(many);
    assert_eq!((cut.listed().len(), cut.omitted()), (100, 150));
    assert_eq!(cut.listed()[99].path, "$[99]");
}
