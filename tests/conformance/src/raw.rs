//! One HTTP/1.1 exchange over its own TCP connection, byte for byte: the request
//! written as given (its body with `Content-Length`, or chunked), the reply read
//! as sent, so that two servers' replies can be compared exactly.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::cases::Request;

/// A reply as it came: status code, headers in order (names lower-cased) and the
/// body's bytes (chunked framing removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawReply {
    /// Every value of `name`, joined by `, ` (as HTTP reads repeated headers).
    pub fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

/// How the body is sent: with its length, or in chunks of this many bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Length,
    Chunked(usize),
}

/// Sends `request` to `base_url` (`http://host:port`) on a new connection and
/// reads the one reply.
pub async fn exchange(
    base_url: &str,
    request: &Request,
    framing: Framing,
) -> anyhow::Result<RawReply> {
    let authority = base_url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow::anyhow!("not an http:// URL: {base_url}"))?;
    let work = async {
        let mut stream = TcpStream::connect(authority).await?;
        stream
            .write_all(&encode(authority, request, framing))
            .await?;
        read_reply(&mut BufReader::new(stream), request.method == "HEAD").await
    };
    tokio::time::timeout(Duration::from_secs(30), work)
        .await
        .map_err(|_| anyhow::anyhow!("no whole reply within 30 s"))?
}

/// The request's bytes. A body goes with a `POST` (empty or not) or when given.
fn encode(authority: &str, request: &Request, framing: Framing) -> Vec<u8> {
    let mut head = format!(
        "{} {} HTTP/1.1\r\nhost: {authority}\r\n",
        request.method, request.path
    );
    for (name, value) in &request.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let with_body = !request.body.is_empty() || request.method == "POST";
    let mut bytes = Vec::new();
    match framing {
        Framing::Length => {
            if with_body {
                head.push_str(&format!("content-length: {}\r\n", request.body.len()));
            }
            head.push_str("\r\n");
            bytes.extend_from_slice(head.as_bytes());
            bytes.extend_from_slice(&request.body);
        }
        Framing::Chunked(size) => {
            head.push_str("transfer-encoding: chunked\r\n\r\n");
            bytes.extend_from_slice(head.as_bytes());
            for chunk in request.body.chunks(size.max(1)) {
                bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                bytes.extend_from_slice(chunk);
                bytes.extend_from_slice(b"\r\n");
            }
            bytes.extend_from_slice(b"0\r\n\r\n");
        }
    }
    bytes
}

async fn line<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> anyhow::Result<String> {
    let mut line = String::new();
    if reader.read_line(&mut line).await? == 0 {
        anyhow::bail!("the connection closed before the reply's end");
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn read_reply<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
    head_request: bool,
) -> anyhow::Result<RawReply> {
    let status_line = line(reader).await?;
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("not an HTTP status line: {status_line:?}"))?;
    let mut headers = Vec::new();
    loop {
        let header = line(reader).await?;
        if header.is_empty() {
            break;
        }
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| anyhow::anyhow!("not a header line: {header:?}"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut reply = RawReply {
        status,
        headers,
        body: Vec::new(),
    };
    if head_request || status == 204 || status == 304 || status < 200 {
        return Ok(reply);
    }
    let chunked = reply
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    if chunked {
        loop {
            let size_line = line(reader).await?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| anyhow::anyhow!("not a chunk size: {size_line:?}"))?;
            if size == 0 {
                // Trailers, up to the empty line.
                while !line(reader).await?.is_empty() {}
                break;
            }
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk).await?;
            reply.body.extend_from_slice(&chunk);
            line(reader).await?;
        }
    } else if let Some(length) = reply.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| anyhow::anyhow!("not a Content-Length: {length:?}"))?;
        reply.body = vec![0; length];
        reader.read_exact(&mut reply.body).await?;
    } else {
        reader.read_to_end(&mut reply.body).await?;
    }
    Ok(reply)
}
