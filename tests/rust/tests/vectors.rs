//! Every shared vector: the generated validator must report exactly the listed
//! violations (as a multiset of `(path, keyword)`), and every valid value must survive
//! decode -> encode through the typed model.
//!
//! Re-encoding drops properties the model does not declare, so the re-encoded value is
//! compared with the input minus those properties, worked out from the spec's IR (not
//! from the model, which would make the check circular). Numbers compare by value.

use conformance_rust::{json_eq, known_part_of, spec_api, vectors};
use powersync_write_api::{models, validation};

#[test]
fn the_validator_reports_exactly_the_listed_violations() {
    let vectors = vectors().unwrap();
    assert!(vectors.len() >= 20, "only {} vectors found", vectors.len());
    let mut failures = Vec::new();
    for vector in &vectors {
        let Some(violations) = validation::validate_schema(&vector.schema, &vector.value) else {
            failures.push(format!("{}: no schema `{}`", vector.file, vector.schema));
            continue;
        };
        let mut got: Vec<(String, String)> = violations
            .into_iter()
            .map(|v| (v.path, v.keyword))
            .collect();
        got.sort();
        if got != vector.errors {
            failures.push(format!(
                "{}:\n  expected {:?}\n  got      {:?}",
                vector.file, vector.errors, got
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
    assert!(checked >= 5, "only {checked} valid vectors");
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
