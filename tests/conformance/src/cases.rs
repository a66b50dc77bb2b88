//! The cases: for servers, every `WriteBatch` vector plus `cases/server.json`; for
//! clients, `cases/client.json`. Replies are compared in a normal form (see
//! [`normal_reply`]) that keeps what every language must agree on and drops what
//! each may word its own way (messages).

use std::path::Path;

use conformance_rust::{Vector, per_transaction};
use serde_json::{Map, Value, json};

/// An HTTP request a server case sends.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A server case: a request, and the normal form of the reply every server gives.
#[derive(Debug, Clone)]
pub struct ServerCase {
    pub name: String,
    pub request: Request,
    pub expected: Value,
}

/// The token the conformance implementation accepts (README.md).
pub const TOKEN: &str = "conformance-token";

/// Every server case: the vectors first, then the hand-written ones.
pub fn server_cases(root: &Path) -> anyhow::Result<Vec<ServerCase>> {
    let vectors = conformance_rust::vectors().map_err(anyhow::Error::msg)?;
    let mut cases: Vec<ServerCase> = vectors
        .iter()
        .filter(|v| v.schema == "WriteBatch")
        .map(vector_case)
        .collect();
    let file = root.join("tests/conformance/cases/server.json");
    let text =
        std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let listed: Vec<Value> =
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    for (i, case) in listed.iter().enumerate() {
        cases.push(
            hand_case(case).map_err(|e| anyhow::anyhow!("{} case {i}: {e}", file.display()))?,
        );
    }
    Ok(cases)
}

fn json_request(body: Vec<u8>) -> Request {
    Request {
        method: "POST".into(),
        path: "/api/data".into(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("authorization".into(), format!("Bearer {TOKEN}")),
        ],
        body,
    }
}

/// A `WriteBatch` vector sent to `POST /api/data`, with the answer
/// `tests/vectors/README.md` derives for a server that validates each transaction
/// on its own.
fn vector_case(v: &Vector) -> ServerCase {
    let body = serde_json::to_vec(&v.value).expect("a JSON value always serialises");
    let expected = match per_transaction(&v.errors) {
        None => json!({"status": 400, "body": error_body(
            "INVALID_REQUEST",
            Some(pairs(&v.errors)),
            v.omitted,
        )}),
        Some(invalid) => {
            let transactions = v.value["transactions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let results: Vec<Value> = transactions
                .iter()
                .enumerate()
                .map(|(i, t)| match invalid.get(&i) {
                    None => json!({
                        "status": "success",
                        "write_checkpoint": t["crud"].as_array().map_or(0, Vec::len).to_string(),
                    }),
                    Some(errors) => json!({
                        "status": "fatal_error",
                        "requires_client_handling": false,
                        "failed_operation": {
                            "error_code": "INVALID_REQUEST",
                            "message": "the transaction does not match the schema",
                            "details": {
                                "violations": pairs(errors),
                                "violations_omitted": if invalid.len() == 1 { v.omitted } else { 0 },
                            },
                        },
                    }),
                })
                .collect();
            json!({"status": 200, "body": {"results": results}})
        }
    };
    let name = v
        .file
        .trim_start_matches("tests/vectors/")
        .trim_end_matches(".json")
        .to_owned();
    ServerCase {
        name,
        request: json_request(body),
        expected,
    }
}

/// `(path, keyword)` pairs as sorted `[path, keyword]` arrays: violations compare
/// as multisets.
fn pairs(errors: &[(String, String)]) -> Value {
    let mut sorted = errors.to_vec();
    sorted.sort();
    sorted.iter().map(|(p, k)| json!([p, k])).collect()
}

/// The normal form of an error body.
fn error_body(code: &str, violations: Option<Value>, omitted: u64) -> Value {
    let mut keys = vec!["code", "message"];
    let mut body = Map::new();
    body.insert("code".into(), code.into());
    if let Some(v) = violations {
        keys.push("violations");
        body.insert("violations".into(), v);
    }
    if omitted > 0 {
        keys.push("violations_omitted");
        body.insert("violations_omitted".into(), omitted.into());
    }
    keys.sort_unstable();
    body.insert("keys".into(), json!(keys));
    Value::Object(body)
}

/// A case of `cases/server.json`: `{name, request: {method, path, headers, body |
/// json, pad_to}, expect}`. Without `headers`, a request has the JSON content type
/// and the conformance token; `pad_to` grows the JSON body to at least that many
/// bytes with a long `op_data` string in its first entry.
fn hand_case(case: &Value) -> anyhow::Result<ServerCase> {
    let name = case["name"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no `name`"))?
        .to_owned();
    let r = &case["request"];
    let mut request = json_request(Vec::new());
    if let Some(method) = r["method"].as_str() {
        method.clone_into(&mut request.method);
    }
    if let Some(path) = r["path"].as_str() {
        path.clone_into(&mut request.path);
    }
    if let Some(headers) = r["headers"].as_object() {
        request.headers = headers
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
    }
    if let Some(body) = r["body"].as_str() {
        request.body = body.as_bytes().to_vec();
    } else if !r["json"].is_null() {
        let mut value = r["json"].clone();
        if let Some(size) = r["pad_to"].as_u64() {
            let size = usize::try_from(size)?;
            value["transactions"][0]["crud"][0]["op_data"]["padding"] = "x".repeat(size).into();
        }
        request.body = serde_json::to_vec(&value)?;
    }
    let expected = case["expect"].clone();
    if expected.is_null() {
        anyhow::bail!("case `{name}`: no `expect`");
    }
    Ok(ServerCase {
        name,
        request,
        expected,
    })
}

/// A case of `cases/runtimes.json`, sent only to the TypeScript server on each
/// JavaScript runtime: a server case (same format, plus `request.chunked` to
/// send the body chunked), and what the normal form leaves out that its reply
/// must have: `expect_headers` (a value, or `null` for absent) and `expect_body`
/// (the exact text).
#[derive(Debug, Clone)]
pub struct RuntimeCase {
    pub case: ServerCase,
    pub chunked: bool,
    pub headers: Vec<(String, Option<String>)>,
    pub body: Option<String>,
}

/// Every case of `cases/runtimes.json`.
pub fn runtime_cases(root: &Path) -> anyhow::Result<Vec<RuntimeCase>> {
    let file = root.join("tests/conformance/cases/runtimes.json");
    let text =
        std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let listed: Vec<Value> =
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    listed
        .iter()
        .enumerate()
        .map(|(i, case)| {
            let at = |e: anyhow::Error| anyhow::anyhow!("{} case {i}: {e}", file.display());
            let headers = case["expect_headers"]
                .as_object()
                .map(|h| {
                    h.iter()
                        .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().map(str::to_owned)))
                        .collect()
                })
                .unwrap_or_default();
            Ok(RuntimeCase {
                case: hand_case(case).map_err(at)?,
                chunked: case["request"]["chunked"].as_bool() == Some(true),
                headers,
                body: case["expect_body"].as_str().map(str::to_owned),
            })
        })
        .collect()
}

/// The normal form of a server's reply: `{status, allow?, body}`, where `body` is
/// a 200's JSON (with each result's `details.violations` as sorted `[path,
/// keyword]` pairs), an error body's `code`, sorted `keys`, `violations` (sorted
/// pairs) and `violations_omitted`, or `{"not_json": text}`.
pub fn normal_reply(status: u16, allow: Option<&str>, body: &[u8]) -> Value {
    let mut out = Map::new();
    out.insert("status".into(), status.into());
    if let Some(allow) = allow {
        let mut methods: Vec<&str> = allow.split(',').map(str::trim).collect();
        methods.sort_unstable();
        out.insert("allow".into(), methods.join(", ").into());
    }
    let body = match serde_json::from_slice::<Value>(body) {
        Err(_) => {
            json!({"not_json": String::from_utf8_lossy(body).chars().take(200).collect::<String>()})
        }
        Ok(mut value) if status == 200 => {
            // `get_mut`, not indexing: `value["x"]` on a `&mut` inserts a `null`.
            let results = value.get_mut("results").and_then(Value::as_array_mut);
            for result in results.into_iter().flatten() {
                let details = result
                    .get_mut("failed_operation")
                    .and_then(|f| f.get_mut("details"));
                if let Some(details) = details
                    && let Some(violations) = details.get("violations").and_then(Value::as_array)
                {
                    let mut list: Vec<(String, String)> = violations
                        .iter()
                        .map(|v| (text(&v["path"]), text(&v["keyword"])))
                        .collect();
                    list.sort();
                    details["violations"] = list.iter().map(|(p, k)| json!([p, k])).collect();
                }
            }
            value
        }
        Ok(value) => {
            let mut keys: Vec<&str> = value
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            keys.sort_unstable();
            let mut body = Map::new();
            body.insert("code".into(), value["code"].clone());
            body.insert("keys".into(), json!(keys));
            if let Some(violations) = value["violations"].as_array() {
                let mut list: Vec<(String, String)> = violations
                    .iter()
                    .map(|v| (text(&v["path"]), text(&v["keyword"])))
                    .collect();
                list.sort();
                body.insert(
                    "violations".into(),
                    list.iter().map(|(p, k)| json!([p, k])).collect(),
                );
            }
            if let Some(n) = value.get("violations_omitted") {
                body.insert("violations_omitted".into(), n.clone());
            }
            Value::Object(body)
        }
    };
    out.insert("body".into(), body);
    Value::Object(out)
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// A client case of `cases/client.json`: the operation the client calls, the
/// reply the fake server scripts for it, and the outcome every client reports.
#[derive(Debug, Clone)]
pub struct ClientCase {
    pub name: String,
    pub operation: String,
    pub reply: ScriptedReply,
    pub expected: Value,
}

/// What the fake server answers.
#[derive(Debug, Clone)]
pub enum ScriptedReply {
    /// Closes the connection without a reply.
    Close,
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
}

/// Every client case: each `WriteBatchResponse` vector as a `200` reply to
/// `uploadData` and each `ErrorResponse` vector as its `400` reply (a valid one
/// decoded, an invalid one refused), then the cases of `cases/client.json`.
pub fn client_cases(root: &Path) -> anyhow::Result<Vec<ClientCase>> {
    let mut cases: Vec<ClientCase> = conformance_rust::vectors()
        .map_err(anyhow::Error::msg)?
        .iter()
        .filter_map(|v| {
            let status = match v.schema.as_str() {
                "WriteBatchResponse" => 200,
                "ErrorResponse" => 400,
                _ => return None,
            };
            let expected = if v.errors.is_empty() {
                json!({"outcome": "response", "status": status, "body": v.value})
            } else {
                json!({"outcome": "invalid_response", "status": status})
            };
            Some(ClientCase {
                name: v
                    .file
                    .trim_start_matches("tests/vectors/")
                    .trim_end_matches(".json")
                    .replace('/', "-"),
                operation: "uploadData".into(),
                reply: ScriptedReply::Http {
                    status,
                    headers: vec![("content-type".into(), "application/json".into())],
                    body: serde_json::to_vec(&v.value).expect("a JSON value always serialises"),
                },
                expected,
            })
        })
        .collect();
    cases.extend(listed_client_cases(root)?);
    Ok(cases)
}

fn listed_client_cases(root: &Path) -> anyhow::Result<Vec<ClientCase>> {
    let file = root.join("tests/conformance/cases/client.json");
    let text =
        std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let listed: Vec<Value> =
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    listed
        .iter()
        .map(|case| {
            let name = case["name"].as_str().unwrap_or_default().to_owned();
            let r = &case["reply"];
            let reply = if r["close"].as_bool() == Some(true) {
                ScriptedReply::Close
            } else {
                let mut headers: Vec<(String, String)> = r["headers"]
                    .as_object()
                    .map(|h| {
                        h.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default();
                let body = if let Some(text) = r["body"].as_str() {
                    text.as_bytes().to_vec()
                } else {
                    if !headers
                        .iter()
                        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                    {
                        headers.push(("content-type".into(), "application/json".into()));
                    }
                    serde_json::to_vec(&r["json"])?
                };
                ScriptedReply::Http {
                    status: u16::try_from(r["status"].as_u64().unwrap_or(0))?,
                    headers,
                    body,
                }
            };
            let expected = case["expect"].clone();
            if name.is_empty() || expected.is_null() {
                anyhow::bail!("{}: a case without `name` or `expect`", file.display());
            }
            Ok(ClientCase {
                name,
                operation: case["operation"]
                    .as_str()
                    .unwrap_or("uploadData")
                    .to_owned(),
                reply,
                expected,
            })
        })
        .collect()
}
