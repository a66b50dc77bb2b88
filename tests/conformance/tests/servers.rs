//! Every language's server stub, wired to the same in-memory implementation,
//! answers every server case alike: the case's expected reply, and the same reply
//! as every other language (README.md).

use conformance::cases::{Request, ServerCase, server_cases};
use conformance::languages::{self, RustPrograms};
use conformance::process::Server;
use conformance::report::Report;
use conformance::{cases, repo_root};
use serde_json::Value;

async fn send(http: &reqwest::Client, base: &str, request: &Request) -> anyhow::Result<Value> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes())?;
    let mut builder = http.request(method, format!("{base}{}", request.path));
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if !request.body.is_empty() || request.method == "POST" {
        builder = builder.body(request.body.clone());
    }
    let reply = builder.send().await?;
    let status = reply.status().as_u16();
    let allow = reply
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = reply.bytes().await?;
    Ok(cases::normal_reply(status, allow.as_deref(), &body))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_server_answers_every_case_alike() -> anyhow::Result<()> {
    let root = repo_root();
    let languages = languages::all(RustPrograms {
        server: env!("CARGO_BIN_EXE_conformance-server-rust"),
        client: env!("CARGO_BIN_EXE_conformance-client-rust"),
    });
    languages::build(&languages, &root).await?;
    let cases: Vec<ServerCase> = server_cases(&root)?;
    assert!(cases.len() > 40, "too few server cases: {}", cases.len());

    let mut servers = Vec::new();
    for language in &languages {
        servers.push(Server::start(language.name, &language.server, &root).await?);
    }
    let http = reqwest::Client::new();
    let mut report = Report::default();
    for case in &cases {
        let mut answers: Vec<(&str, Value)> = Vec::new();
        for server in &servers {
            match send(&http, &server.base_url, &case.request).await {
                Ok(answer) => {
                    report.expect(&case.name, server.language, &case.expected, &answer);
                    answers.push((server.language, answer));
                }
                Err(e) => report.problem(format!(
                    "case `{}`: {} gave no reply: {e}",
                    case.name, server.language
                )),
            }
        }
        if let Some(((first, a), rest)) = answers.split_first() {
            for (other, b) in rest {
                report.same(&case.name, (first, a), (other, b));
            }
        }
    }
    for server in servers {
        let language = server.language;
        let stderr = server.stop().await;
        if !stderr.trim().is_empty() {
            eprintln!("--- {language} server's standard error:\n{stderr}");
        }
    }
    report.finish("the server conformance run");
    Ok(())
}
