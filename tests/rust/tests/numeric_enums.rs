//! Integer and number enums, on the generated crate of the `numeric_enums` feature
//! fixture: each is written as the JSON number the spec lists (`1` stays `1`,
//! `0.5` stays `0.5`), read back from any spelling of an allowed number (`1.0` is
//! `1` in a number enum), refused with the `enum` keyword when the number is not
//! listed (as a string enum refuses a string), and carried as path, query and
//! header parameters and as a response header.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use feature_numeric_enums::client::Client;
use feature_numeric_enums::models::{
    Level, Priority, PutSettingScale, PutSettingStep, PutSettingXRetry, Ratio, Setting,
    SettingFallback, SettingRetries, SettingStepsItem, SettingWeight,
};
use feature_numeric_enums::operations::{PutSettingRequest, PutSettingResponse};
use feature_numeric_enums::server::{NumericEnums, RouterConfig, router};
use feature_numeric_enums::validation::validate_schema;
use http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

fn setting() -> Setting {
    Setting {
        priority: Priority::V2,
        retries: SettingRetries::V3,
        weight: Some(SettingWeight::V1_5),
        fallback: Some(None),
        levels: Some(vec![Level::Minus1, Level::V10, Level::V0]),
        steps: Some(vec![SettingStepsItem::V4, SettingStepsItem::V0_125]),
        ratio: Some(Ratio::Minus2_25),
    }
}

#[test]
fn numeric_enums_are_written_as_the_spec_lists_them() {
    let encoded = serde_json::to_string(&setting()).unwrap();
    assert_eq!(
        encoded,
        r#"{"priority":2,"retries":3,"weight":1.5,"fallback":null,"levels":[-1,10,0],"steps":[4,0.125],"ratio":-2.25}"#
    );
    assert_eq!(serde_json::to_string(&Ratio::V1).unwrap(), "1");
    assert_eq!(serde_json::to_string(&Ratio::V0_5).unwrap(), "0.5");
    let back: Setting = serde_json::from_str(&encoded).unwrap();
    assert_eq!(back, setting());
    assert!(back.validate().is_ok());
    let present = Setting {
        fallback: Some(Some(SettingFallback::V2)),
        ..setting()
    };
    let encoded = serde_json::to_value(&present).unwrap();
    assert_eq!(encoded["fallback"], json!(2));
    assert_eq!(serde_json::from_value::<Setting>(encoded).unwrap(), present);
}

#[test]
fn values_and_display_are_the_numbers() {
    assert_eq!(Priority::ALL, [Priority::V1, Priority::V2, Priority::V3]);
    assert_eq!(Priority::V3.value(), 3_i32);
    assert_eq!(Level::Minus1.value(), -1_i64);
    assert_eq!(Level::from_value(10), Some(Level::V10));
    assert_eq!(Level::from_value(11), None);
    assert_eq!(SettingFallback::from_value(2), Some(SettingFallback::V2));
    assert_eq!(Ratio::Minus2_25.value(), -2.25);
    assert_eq!(Ratio::from_value(1.0), Some(Ratio::V1));
    assert_eq!(Ratio::from_value(0.25), None);
    assert_eq!(Level::Minus1.to_string(), "-1");
    assert_eq!(Ratio::V0_5.to_string(), "0.5");
}

#[test]
fn a_number_enum_reads_any_spelling_of_a_listed_number() {
    for (text, expected) in [
        ("1", Ratio::V1),
        ("1.0", Ratio::V1),
        ("0.50", Ratio::V0_5),
        ("5e-1", Ratio::V0_5),
        ("-2.25", Ratio::Minus2_25),
    ] {
        assert_eq!(
            serde_json::from_str::<Ratio>(text).unwrap(),
            expected,
            "{text}"
        );
    }
}

#[test]
fn decoding_refuses_numbers_that_are_not_listed() {
    for text in ["4", "0", "-1", "2147483649", "1.0", "\"1\"", "null", "true"] {
        assert!(serde_json::from_str::<Priority>(text).is_err(), "{text}");
    }
    for text in ["2", "0.25", "\"0.5\"", "null"] {
        assert!(serde_json::from_str::<Ratio>(text).is_err(), "{text}");
    }
    let error = serde_json::from_str::<Level>("5").unwrap_err().to_string();
    assert!(error.contains("one of -1, 0, 10"), "{error}");
}

/// The (path, keyword) pairs of validating `value` against the schema `name`.
fn violations(name: &str, value: &Value) -> Vec<(String, String)> {
    validate_schema(name, value)
        .unwrap()
        .listed()
        .iter()
        .map(|v| (v.path.clone(), v.keyword.clone()))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(p, k)| ((*p).to_owned(), (*k).to_owned()))
        .collect()
}

#[test]
fn a_number_not_listed_is_an_enum_violation() {
    let invalid = json!({
        "priority": 4,
        "retries": 2,
        "weight": 0.75,
        "fallback": 3,
        "levels": [10, 5],
        "steps": [0.125, 1],
        "ratio": 0.5000001,
    });
    assert_eq!(
        violations("Setting", &invalid),
        pairs(&[
            ("$.priority", "enum"),
            ("$.retries", "enum"),
            ("$.weight", "enum"),
            ("$.fallback", "enum"),
            ("$.levels[1]", "enum"),
            ("$.steps[1]", "enum"),
            ("$.ratio", "enum"),
        ])
    );
    let message = validate_schema("Level", &json!(5)).unwrap().listed()[0]
        .message
        .clone();
    assert_eq!(message, "must be one of -1, 0, 10");
}

#[test]
fn a_value_of_another_type_is_a_type_violation() {
    let invalid = json!({"priority": "1", "retries": 1.0, "weight": true, "ratio": null});
    assert_eq!(
        violations("Setting", &invalid),
        pairs(&[
            ("$.priority", "type"),
            ("$.retries", "type"),
            ("$.weight", "type"),
            ("$.ratio", "type"),
        ])
    );
    // A number enum takes integers and fractions alike; `null` only where nullable.
    assert!(violations("Ratio", &json!(1.0)).is_empty());
    assert!(violations("Ratio", &json!(-2.25)).is_empty());
    assert!(
        violations(
            "Setting",
            &json!({"priority": 1, "retries": 0, "fallback": null})
        )
        .is_empty()
    );
}

#[test]
fn every_generated_value_survives_encode_and_decode() {
    feature_numeric_enums::strategies::check_all_roundtrips(256).unwrap();
}

/// Records every request and answers with its body and its first level.
#[derive(Default)]
struct Echo {
    received: Mutex<Vec<PutSettingRequest>>,
}

impl NumericEnums for Echo {
    async fn put_setting(&self, request: PutSettingRequest) -> PutSettingResponse {
        let response = PutSettingResponse::Ok {
            x_level: request.levels.as_ref().and_then(|l| l.first().copied()),
            body: request.body.clone(),
        };
        self.received.lock().unwrap().push(request);
        response
    }
}

#[tokio::test]
async fn numeric_enum_parameters_arrive_intact() {
    let api = Arc::new(Echo::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = router(Arc::clone(&api), RouterConfig::default());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::new(format!("http://{address}"));

    let sent = PutSettingRequest {
        priority: Priority::V3,
        step: PutSettingStep::V0_5,
        scale: Some(PutSettingScale::V2_5),
        levels: Some(vec![Level::Minus1, Level::V10]),
        x_retry: PutSettingXRetry::V2,
        body: setting(),
    };
    let response = client.put_setting(&sent).await.unwrap();
    assert_eq!(
        response,
        PutSettingResponse::Ok {
            x_level: Some(Level::Minus1),
            body: setting(),
        }
    );
    let minimal = PutSettingRequest {
        scale: None,
        levels: None,
        step: PutSettingStep::V1,
        ..sent.clone()
    };
    let response = client.put_setting(&minimal).await.unwrap();
    assert!(matches!(
        response,
        PutSettingResponse::Ok { x_level: None, .. }
    ));
    assert_eq!(*api.received.lock().unwrap(), vec![sent, minimal]);
}

/// Sends a raw request to the router: the status and the violations' (path, keyword).
async fn send(uri: &str, retry: &str, body: &Value) -> (StatusCode, Vec<(String, String)>) {
    let request = Request::put(uri)
        .header("x-retry", retry)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = router(Arc::new(Echo::default()), RouterConfig::default())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let found = body["violations"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|v| {
                    (
                        v["path"].as_str().unwrap().to_owned(),
                        v["keyword"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (status, found)
}

#[tokio::test]
async fn the_server_reads_numeric_parameters_from_text_and_refuses_unlisted_ones() {
    let body = json!({"priority": 1, "retries": 0});
    let (status, found) = send("/settings/1/1.0?scale=2.5&levels=-1&levels=0", "2", &body).await;
    assert_eq!((status, found), (StatusCode::OK, Vec::new()));

    // An unlisted number is `enum` and text that is no number `type`, as in a body.
    for (uri, retry, path, keyword) in [
        ("/settings/4/1", "1", "path.priority", "enum"),
        ("/settings/one/1", "1", "path.priority", "type"),
        ("/settings/1/0.75", "1", "path.step", "enum"),
        ("/settings/1/1?scale=0.3", "1", "query.scale", "enum"),
        (
            "/settings/1/1?levels=0&levels=7",
            "1",
            "query.levels[1]",
            "enum",
        ),
        ("/settings/1/1", "3", "header.X-Retry", "enum"),
    ] {
        let (status, found) = send(uri, retry, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri} {retry}");
        assert_eq!(found, pairs(&[(path, keyword)]), "{uri} {retry}");
    }

    let (status, found) = send("/settings/1/1", "1", &json!({"priority": 9, "retries": 0})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(found, pairs(&[("$.priority", "enum")]));
}
