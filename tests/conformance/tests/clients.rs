//! Every language's generated client, given the same scripted replies, reports the
//! same outcome, the case's expected one, and sends the same request (README.md).

use std::collections::{BTreeMap, HashMap};

use conformance::cases::{ClientCase, client_cases};
use conformance::fake_server::FakeServer;
use conformance::languages::{self, RustPrograms};
use conformance::process::output;
use conformance::repo_root;
use conformance::report::Report;
use conformance_rust::{known_part_of, spec_api};
use serde_json::{Value, json};

/// The schema of a reply body, by operation and status.
fn body_schema(operation: &str, status: u64) -> &'static str {
    match (operation, status) {
        ("uploadData", 200) => "WriteBatchResponse",
        (_, 200) => "HealthStatus",
        _ => "ErrorResponse",
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_client_reads_every_reply_alike() -> anyhow::Result<()> {
    let root = repo_root();
    let api = spec_api().map_err(anyhow::Error::msg)?;
    let languages = languages::all(RustPrograms {
        server: env!("CARGO_BIN_EXE_conformance-server-rust"),
        client: env!("CARGO_BIN_EXE_conformance-client-rust"),
    });
    languages::build(&languages, &root).await?;
    let cases: Vec<ClientCase> = client_cases(&root)?;
    assert!(cases.len() > 40, "too few client cases: {}", cases.len());
    let by_name: HashMap<&str, &ClientCase> = cases.iter().map(|c| (c.name.as_str(), c)).collect();

    let server = FakeServer::start(
        cases
            .iter()
            .map(|c| (c.name.clone(), c.reply.clone()))
            .collect(),
    )
    .await?;
    let list: Vec<Value> = cases
        .iter()
        .map(|c| json!({"name": c.name, "operation": c.operation}))
        .collect();
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("cases.json");
    std::fs::write(&file, serde_json::to_vec(&list)?)?;
    let file = file.to_string_lossy().into_owned();

    let mut report = Report::default();
    // Per case: each language's outcome (its body reduced to what the schema
    // declares), and the requests it sent.
    let mut outcomes: BTreeMap<String, Vec<(&str, Value)>> = BTreeMap::new();
    let mut requests: BTreeMap<String, Vec<(&str, Value)>> = BTreeMap::new();
    for language in &languages {
        let stdout = output(
            language.name,
            &language.client,
            &[&file],
            &[("CONFORMANCE_BASE_URL", &server.base_url)],
            &root,
        )
        .await?;
        let mut seen = 0;
        for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
            let mut outcome: Value = serde_json::from_str(line).map_err(|e| {
                anyhow::anyhow!("{}: a line that is not JSON ({e}): {line}", language.name)
            })?;
            let name = outcome["case"].as_str().unwrap_or_default().to_owned();
            let Some(case) = by_name.get(name.as_str()) else {
                report.problem(format!("{}: an outcome for no case: {line}", language.name));
                continue;
            };
            seen += 1;
            if let Some(map) = outcome.as_object_mut() {
                map.remove("case");
            }
            let status = outcome["status"].as_u64().unwrap_or(0);
            if outcome["outcome"] == "response" && !outcome["body"].is_null() {
                outcome["body"] =
                    known_part_of(&api, body_schema(&case.operation, status), &outcome["body"]);
            }
            let mut expected = case.expected.clone();
            if expected["outcome"] == "response" && !expected["body"].is_null() {
                expected["body"] = known_part_of(
                    &api,
                    body_schema(&case.operation, status),
                    &expected["body"],
                );
            }
            report.expect(&name, language.name, &expected, &outcome);
            outcomes
                .entry(name)
                .or_default()
                .push((language.name, outcome));
        }
        if seen != cases.len() {
            report.problem(format!(
                "{}: {seen} outcomes for {} cases:\n{stdout}",
                language.name,
                cases.len()
            ));
        }
        for (case, received) in server.take_received() {
            let body: Value = serde_json::from_slice(&received.body)
                .unwrap_or_else(|_| json!({"not_json": String::from_utf8_lossy(&received.body)}));
            requests.entry(case).or_default().push((
                language.name,
                json!({
                    "method": received.method,
                    "path": received.path,
                    "authorization": received.authorization,
                    "content_type": received.content_type.map(|c| c.to_ascii_lowercase()),
                    "body": body,
                }),
            ));
        }
    }
    for (case, answers) in outcomes.iter().chain(requests.iter()) {
        if let Some(((first, a), rest)) = answers.split_first() {
            for (other, b) in rest {
                report.same(case, (first, a), (other, b));
            }
        }
    }
    for (case, sent) in &requests {
        for (language, request) in sent {
            let secured = by_name
                .get(case.as_str())
                .is_some_and(|c| c.operation == "uploadData");
            if secured && request["authorization"] != "Bearer conformance-token" {
                report.problem(format!("case `{case}`: {language} sent {request}"));
            }
        }
    }
    report.finish("the client conformance run");
    Ok(())
}
