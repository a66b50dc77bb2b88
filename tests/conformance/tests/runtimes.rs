//! The TypeScript server on Node (the package's Node adapter), Deno
//! (`Deno.serve`) and Bun (`Bun.serve`), over the same in-memory implementation:
//! every server case and every case of `cases/runtimes.json` gets the same reply,
//! byte for byte, on all three, and each still meets its case; and on each, a
//! keep-alive pooled client goes on after a 413 to a chunked body.

use std::collections::BTreeMap;
use std::time::Duration;

use conformance::cases::{self, Request, RuntimeCase, server_cases};
use conformance::languages::{self, Runtime};
use conformance::process::Server;
use conformance::raw::{self, Framing, RawReply};
use conformance::repo_root;
use conformance::report::Report;
use serde_json::{Value, json};

/// The reply headers every runtime must send alike. The others are left out as
/// transport noise, which each server writes its own way: `date` (the clock),
/// `keep-alive` (Node's idle timeout hint), `content-length` and
/// `transfer-encoding` (framing: the body's bytes are compared instead), and
/// the header names' case (Bun capitalizes them).
fn compared_headers(reply: &RawReply) -> BTreeMap<String, String> {
    let mut headers = BTreeMap::new();
    for name in ["content-type", "allow", "retry-after", "vary"] {
        if let Some(value) = reply.header(name) {
            headers.insert(name.to_owned(), value);
        }
    }
    for (name, _) in &reply.headers {
        if name.starts_with("access-control-")
            && let Some(value) = reply.header(name)
        {
            headers.insert(name.clone(), value);
        }
    }
    // Only `close` means something: HTTP/1.1 keeps a connection by default,
    // which Node says (`keep-alive`) and Deno and Bun leave unsaid.
    let closes = reply
        .header("connection")
        .is_some_and(|c| c.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")));
    if closes {
        headers.insert("connection".to_owned(), "close".to_owned());
    }
    headers
}

/// What is compared of a reply: status, the headers above, and the body's bytes
/// (as text when they are UTF-8).
fn comparable(reply: &RawReply) -> Value {
    let body = match std::str::from_utf8(&reply.body) {
        Ok(text) => json!(text),
        Err(_) => json!({ "bytes": reply.body }),
    };
    json!({
        "status": reply.status,
        "headers": compared_headers(reply),
        "body": body,
    })
}

/// Sends one case to every runtime and records how each differs from the
/// case or from Node.
async fn run_case(
    report: &mut Report,
    servers: &[Server],
    name: &str,
    request: &Request,
    framing: Framing,
    expected: &Value,
    check: impl Fn(&RawReply) -> Vec<String>,
) {
    let mut replies: Vec<(&str, Value)> = Vec::new();
    for server in servers {
        match raw::exchange(&server.base_url, request, framing).await {
            Ok(reply) => {
                let normal = cases::normal_reply(
                    reply.status,
                    reply.header("allow").as_deref(),
                    &reply.body,
                );
                report.expect(name, server.language, expected, &normal);
                for problem in check(&reply) {
                    report.problem(format!("case `{name}`: {}: {problem}", server.language));
                }
                replies.push((server.language, comparable(&reply)));
            }
            Err(e) => report.problem(format!(
                "case `{name}`: {} gave no reply: {e}",
                server.language
            )),
        }
    }
    if let Some(((first, a), rest)) = replies.split_first() {
        for (other, b) in rest {
            report.same(name, (first, a), (other, b));
        }
    }
}

/// What a `cases/runtimes.json` case asks of the reply besides its normal form.
fn runtime_checks(case: &RuntimeCase) -> impl Fn(&RawReply) -> Vec<String> + '_ {
    move |reply| {
        let headers = compared_headers(reply);
        let mut problems = Vec::new();
        for (name, expected) in &case.headers {
            // `connection` as compared (`close` or nothing); any other as sent.
            let found = if name == "connection" {
                headers.get(name).cloned()
            } else {
                reply.header(name)
            };
            if &found != expected {
                problems.push(format!(
                    "header `{name}`: expected {expected:?}, found {found:?}"
                ));
            }
        }
        if let Some(body) = &case.body
            && reply.body != body.as_bytes()
        {
            problems.push(format!(
                "body: expected {body:?}, found {:?}",
                String::from_utf8_lossy(&reply.body)
            ));
        }
        problems
    }
}

/// A pooled keep-alive client (one idle connection at most) sends `GET /health`,
/// then an upload whose 200 KB body goes chunked, then `GET /health` again: the
/// upload gets the 413, saying `Connection: close`, and the pool goes on.
async fn keep_alive_pool_after_413(base: &str) -> Result<(), String> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .map_err(|e| e.to_string())?;
    for round in 1..=3 {
        let health = |when: &'static str| {
            let http = http.clone();
            async move {
                let reply = http
                    .get(format!("{base}/health"))
                    .send()
                    .await
                    .map_err(|e| {
                        format!("round {round}: GET /health {when} the 413 failed: {e:?}")
                    })?;
                if reply.status() != 200 {
                    return Err(format!(
                        "round {round}: GET /health {when}: {}",
                        reply.status()
                    ));
                }
                Ok(())
            }
        };
        health("before").await?;
        let chunks = (0..25).map(|_| Ok::<_, std::io::Error>(vec![b' '; 8192]));
        let reply = http
            .post(format!("{base}/api/data"))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", cases::TOKEN))
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                chunks,
            )))
            .send()
            .await
            .map_err(|e| format!("round {round}: the chunked upload got no reply: {e:?}"))?;
        let status = reply.status();
        let connection = reply
            .headers()
            .get("connection")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = reply.text().await.map_err(|e| e.to_string())?;
        if status != 413 || connection.as_deref() != Some("close") {
            return Err(format!(
                "round {round}: the chunked upload got {status}, Connection {connection:?}: {body}"
            ));
        }
        health("after").await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn node_deno_and_bun_answer_every_case_byte_for_byte() -> anyhow::Result<()> {
    let root = repo_root();
    let runtimes: Vec<Runtime> = languages::javascript_runtimes(&root)?;
    for command in languages::typescript_build() {
        conformance::process::output("typescript", &command, &[], &[], &root).await?;
    }
    let cases = server_cases(&root)?;
    let runtime_cases = cases::runtime_cases(&root)?;
    assert!(cases.len() > 40, "too few server cases: {}", cases.len());
    assert!(
        runtime_cases.len() >= 8,
        "too few runtime cases: {}",
        runtime_cases.len()
    );

    let mut servers = Vec::new();
    for runtime in &runtimes {
        servers.push(Server::start(runtime.name, &runtime.server, &root).await?);
    }
    let mut report = Report::default();
    for case in &cases {
        run_case(
            &mut report,
            &servers,
            &case.name,
            &case.request,
            Framing::Length,
            &case.expected,
            |_| Vec::new(),
        )
        .await;
    }
    for case in &runtime_cases {
        let framing = if case.chunked {
            Framing::Chunked(8192)
        } else {
            Framing::Length
        };
        run_case(
            &mut report,
            &servers,
            &case.case.name,
            &case.case.request,
            framing,
            &case.case.expected,
            runtime_checks(case),
        )
        .await;
    }
    for server in &servers {
        let outcome = tokio::time::timeout(
            Duration::from_secs(60),
            keep_alive_pool_after_413(&server.base_url),
        )
        .await
        .unwrap_or_else(|_| Err("no answer within 60 s".to_owned()));
        if let Err(problem) = outcome {
            report.problem(format!(
                "{}: a keep-alive pool after a 413 to a chunked body: {problem}",
                server.language
            ));
        }
    }
    for server in servers {
        let language = server.language;
        let stderr = server.stop().await;
        if !stderr.trim().is_empty() {
            eprintln!("--- {language} server's standard error:\n{stderr}");
        }
    }
    report.finish("the TypeScript server on Node, Deno and Bun");
    Ok(())
}
