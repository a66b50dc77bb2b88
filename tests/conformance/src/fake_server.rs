//! The scripted fake server the client programs call: plain HTTP/1.1 over TCP, so
//! that a case can answer anything (a body that is not JSON, a status no spec
//! lists, a closed connection). It answers `/<case>/...` with that case's scripted
//! reply, closes every connection after one reply, and records every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::cases::ScriptedReply;

/// A request as the fake server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub method: String,
    /// The path below the case's segment (`/api/data`).
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

pub struct FakeServer {
    pub base_url: String,
    received: Arc<Mutex<Vec<(String, Received)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeServer {
    pub async fn start(script: HashMap<String, ScriptedReply>) -> anyhow::Result<FakeServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let script = Arc::new(script);
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let script = Arc::clone(&script);
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let _ = serve(stream, &script, &log).await;
                });
            }
        });
        Ok(FakeServer {
            base_url,
            received,
            task,
        })
    }

    /// Every request received so far, with its case's name, and forgets them.
    pub fn take_received(&self) -> Vec<(String, Received)> {
        std::mem::take(
            &mut *self
                .received
                .lock()
                .expect("the log lock is never poisoned"),
        )
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Log = Mutex<Vec<(String, Received)>>;

async fn serve(
    mut stream: TcpStream,
    script: &HashMap<String, ScriptedReply>,
    log: &Log,
) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            anyhow::bail!("the connection closed before a request head");
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buffer.len() > 1 << 20 {
            anyhow::bail!("a request head over 1 MiB");
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut start = lines.next().unwrap_or_default().split(' ');
    let method = start.next().unwrap_or_default().to_owned();
    let target = start.next().unwrap_or_default().to_owned();
    let mut headers = HashMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let path = target.split('?').next().unwrap_or_default();
    let (case, rest) = path
        .trim_start_matches('/')
        .split_once('/')
        .unwrap_or((path.trim_start_matches('/'), ""));
    log.lock().expect("the log lock is never poisoned").push((
        case.to_owned(),
        Received {
            method,
            path: format!("/{rest}"),
            authorization: headers.get("authorization").cloned(),
            content_type: headers.get("content-type").cloned(),
            body,
        },
    ));
    match script.get(case) {
        Some(ScriptedReply::Close) => Ok(()),
        Some(ScriptedReply::Http {
            status,
            headers,
            body,
        }) => {
            let mut reply = format!("HTTP/1.1 {status} {}\r\n", reason(*status));
            for (name, value) in headers {
                reply.push_str(&format!("{name}: {value}\r\n"));
            }
            reply.push_str(&format!(
                "content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            ));
            stream.write_all(reply.as_bytes()).await?;
            stream.write_all(body).await?;
            stream.shutdown().await?;
            Ok(())
        }
        None => {
            let body = format!("no case `{case}`");
            let reply = format!(
                "HTTP/1.1 599 No Such Case\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(reply.as_bytes()).await?;
            Ok(())
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        418 => "I'm a teapot",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
