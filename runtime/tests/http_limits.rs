//! The built binary's `[http]` limits, over raw loopback sockets: half-sent headers
//! and idle keep-alive connections are closed after the header timeout, a stalled or
//! trickled body gets 408, at the connection cap new clients wait for a slot, and
//! `/health` still answers under a low open-file limit with many half-open
//! connections, and a flood of large uploads stays within the memory the in-flight
//! limit allows. Timeouts are short here; upper bounds are generous.
#![cfg(unix)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod cli_support;
use cli_support::{BIN, ChildGuard, free_port, http, ok};

/// Far above every configured timeout here, so a loaded machine cannot fail a test.
const PATIENCE: Duration = Duration::from_secs(20);

/// Reads until the server closes the connection (EOF or reset); panics after
/// `PATIENCE`. Returns what was read.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("the server should close the connection");
    String::from_utf8_lossy(&bytes).into_owned()
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.expect("connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_headers_and_idle_keep_alive_connections_are_closed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, addr) = cli_support::serve(
        dir.path(),
        &[("POWERSYNC_WRITE__HTTP__HEADER_READ_TIMEOUT_MS", "500")],
    )
    .await;

    // Half a request: the request line and one header, no blank line.
    let started = Instant::now();
    let mut half = connect(addr).await;
    half.write_all(b"POST /api/data HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .expect("write");
    let reply = read_until_closed(&mut half).await;
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "closed before the timeout"
    );
    assert_eq!(reply, "", "no reply to half a request");

    // A whole request on a keep-alive connection is answered; then the idle
    // connection is closed too.
    let started = Instant::now();
    let mut idle = connect(addr).await;
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    let reply = read_until_closed(&mut idle).await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains(r#"{"status":"ok"}"#), "{reply}");
    assert!(started.elapsed() >= Duration::from_millis(450));
    drop(server);
}

/// POST /api/data from a page (`Origin`) with a valid token and `Content-Length: 100`,
/// then only `sent`.
async fn start_upload(addr: SocketAddr, token: &str, sent: &[u8]) -> TcpStream {
    let mut stream = connect(addr).await;
    let head = format!(
        "POST /api/data HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Origin: http://127.0.0.1:5173\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(sent).await.expect("write");
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_or_trickled_body_gets_408_and_a_closed_connection() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().display().to_string();
    ok(&["migrate", "--data-dir", &d, "--example-schema"]);
    let token = ok(&["token", "--data-dir", &d, "--sub", "user-1"])
        .trim()
        .to_string();
    let (server, addr) = cli_support::serve(
        dir.path(),
        &[("POWERSYNC_WRITE__HTTP__BODY_READ_TIMEOUT_MS", "1000")],
    )
    .await;

    // Stalled: ten bytes of a hundred, then nothing.
    let started = Instant::now();
    let mut stalled = start_upload(addr, &token, br#"{"transac"#).await;
    let reply = read_until_closed(&mut stalled).await;
    assert!(
        reply.starts_with("HTTP/1.1 408"),
        "{reply}\n{}",
        server.log()
    );
    assert!(reply.contains("REQUEST_TIMEOUT"), "{reply}");
    assert!(reply.contains("body_read_timeout_ms"), "{reply}");
    // CORS wraps the deadline, so a browser lets the page read this reply too.
    assert!(reply.contains("access-control-allow-origin: *"), "{reply}");
    assert!(started.elapsed() >= Duration::from_millis(900));

    // Trickled: a byte every 100 ms keeps each chunk on time, but not the body.
    let mut trickled = start_upload(addr, &token, b"{").await;
    let (mut reader, mut writer) = trickled.split();
    let trickle = async {
        for _ in 0..99 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    };
    let read = async {
        let mut bytes = Vec::new();
        let _ = tokio::time::timeout(PATIENCE, reader.read_to_end(&mut bytes)).await;
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let started = Instant::now();
    let ((), reply) = tokio::join!(trickle, read);
    assert!(
        reply.starts_with("HTTP/1.1 408"),
        "{reply}\n{}",
        server.log()
    );
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "answered only after the whole body had trickled in"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_connection_cap_a_new_client_waits_for_a_slot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, addr) = cli_support::serve(
        dir.path(),
        &[
            ("POWERSYNC_WRITE__HTTP__MAX_CONNECTIONS", "4"),
            ("POWERSYNC_WRITE__HTTP__HEADER_READ_TIMEOUT_MS", "1000"),
        ],
    )
    .await;

    // Four silent connections take every slot (accepted in order, before the fifth).
    let started = Instant::now();
    let mut silent = Vec::new();
    for _ in 0..4 {
        silent.push(connect(addr).await);
    }
    let mut fifth = connect(addr).await;
    fifth
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let reply = read_until_closed(&mut fifth).await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    // Served only once the silent ones had timed out and freed their slots.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "served after {:?}, with every slot taken",
        started.elapsed()
    );
    for mut stream in silent {
        assert_eq!(read_until_closed(&mut stream).await, "");
    }
    assert!(
        server.log().contains("all connection slots are in use"),
        "{}",
        server.log()
    );
}

/// `serve` under `ulimit -n 128`, once `/health` answers.
async fn serve_with_few_files(data_dir: &Path, env: &[(&str, &str)]) -> (ChildGuard, SocketAddr) {
    let listen: SocketAddr = format!("127.0.0.1:{}", free_port())
        .parse()
        .expect("address");
    let log = data_dir.join("serve.log");
    let mut command = Command::new("sh");
    command
        .args([
            "-c",
            "ulimit -n 128 && exec \"$0\" \"$@\"",
            BIN,
            "serve",
            "--migrate",
        ])
        .args(["--data-dir", &data_dir.display().to_string()])
        .args(["--listen", &listen.to_string()]);
    for (name, _) in std::env::vars() {
        if name.starts_with("POWERSYNC_WRITE") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("spawn serve");
    let mut guard = ChildGuard { child, log };
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = guard.child.try_wait() {
            panic!("serve exited with {status}: {}", guard.log());
        }
        if let Ok(response) = http().get(format!("http://{listen}/health")).send().await
            && response.status() == 200
        {
            return (guard, listen);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("/health did not answer within 60 s: {}", guard.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_with_many_half_open_connections_and_few_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, addr) = serve_with_few_files(
        dir.path(),
        &[
            ("POWERSYNC_WRITE__HTTP__MAX_CONNECTIONS", "64"),
            ("POWERSYNC_WRITE__HTTP__HEADER_READ_TIMEOUT_MS", "1000"),
        ],
    )
    .await;

    // More half-open connections than the server has files.
    let mut half_open = Vec::new();
    for _ in 0..200 {
        let mut stream = connect(addr).await;
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
            .await
            .expect("write");
        half_open.push(stream);
    }
    let response = tokio::time::timeout(
        Duration::from_secs(30),
        http().get(format!("http://{addr}/health")).send(),
    )
    .await
    .unwrap_or_else(|_| panic!("/health did not answer within 30 s: {}", server.log()))
    .expect("/health");
    assert_eq!(response.status(), 200);
    drop(half_open);
}

/// A `/proc/<pid>/status` figure in bytes (`VmRSS`, `VmHWM`: the peak RSS).
fn memory_figure(pid: u32, name: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let line = status
        .lines()
        .find(|line| line.starts_with(name))
        .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"));
    let kib: u64 = line
        .trim_start_matches(name)
        .trim_start_matches(':')
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("a number of kB");
    kib * 1024
}

/// One upload of `size` bytes: a one-transaction batch padded with spaces (still
/// valid JSON). Returns the status code, or 0 when no reply came (the server may
/// close a refused connection while the body is still being sent).
async fn large_upload(addr: SocketAddr, token: &str, n: usize, size: usize) -> u16 {
    let mut body = format!(
        r#"{{"client_id":"flood-{n}","transactions":[{{"crud":[{{"op":"PUT","table":"lists","id":"{}","op_id":1,"op_data":{{"name":"flood"}}}}]}}]}}"#,
        uuid::Uuid::new_v4()
    )
    .into_bytes();
    body.resize(size, b' ');
    let head = format!(
        "POST /api/data HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    );
    let mut stream = connect(addr).await;
    let (mut reader, mut writer) = stream.split();
    let send = async {
        // A refused upload's connection may be closed before the body is all sent.
        if writer.write_all(head.as_bytes()).await.is_ok() {
            let _ = writer.write_all(&body).await;
        }
    };
    let read = async {
        let mut reply = Vec::new();
        let _ = reader.read_to_end(&mut reply).await;
        reply
    };
    let ((), reply) = tokio::time::timeout(PATIENCE, async { tokio::join!(send, read) })
        .await
        .expect("every upload is answered or closed in time");
    let reply = String::from_utf8_lossy(&reply);
    reply
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_large_uploads_stays_within_the_memory_the_in_flight_limit_allows() {
    const IN_FLIGHT: usize = 4;
    const BODY: usize = 2 * 1024 * 1024;
    const CLIENTS: usize = 150;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().display().to_string();
    ok(&["migrate", "--data-dir", &d, "--example-schema"]);
    let token = ok(&["token", "--data-dir", &d, "--sub", "user-1"])
        .trim()
        .to_string();
    let in_flight = IN_FLIGHT.to_string();
    let (server, addr) = cli_support::serve(
        dir.path(),
        &[
            ("POWERSYNC_WRITE__HTTP__MAX_BATCHES_IN_FLIGHT", &in_flight),
            ("POWERSYNC_WRITE__HTTP__MAX_BATCHES_PER_USER", "1000"),
        ],
    )
    .await;
    let pid = server.child.id();

    // Warm up with a few large uploads, one at a time, so the baseline holds what
    // any large upload needs (allocator arenas, buffers).
    for n in 0..3 {
        let status = large_upload(addr, &token, n, BODY).await;
        assert_eq!(status, 200, "{}", server.log());
    }
    let baseline = memory_figure(pid, "VmRSS");

    // CLIENTS uploads at once: 300 MiB in all, were every body held.
    let mut uploads = tokio::task::JoinSet::new();
    for n in 0..CLIENTS {
        let token = token.clone();
        uploads.spawn(async move { large_upload(addr, &token, 100 + n, BODY).await });
    }
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    while let Some(status) = uploads.join_next().await {
        *statuses.entry(status.expect("upload task")).or_default() += 1;
    }
    let peak = memory_figure(pid, "VmHWM");
    let allowed = (IN_FLIGHT * BODY * 4 + 48 * 1024 * 1024) as u64;
    let grown = peak.saturating_sub(baseline);
    println!(
        "baseline RSS {} MiB, peak {} MiB, grown {} MiB (allowed {} MiB); replies {statuses:?}",
        baseline >> 20,
        peak >> 20,
        grown >> 20,
        allowed >> 20
    );

    // The limit was reached, and every upload was answered 200 or 503 (or, refused,
    // closed while still sending).
    assert!(
        statuses.get(&503).copied().unwrap_or(0) > 0,
        "no upload was refused: {statuses:?}\n{}",
        server.log()
    );
    assert!(
        statuses.get(&200).copied().unwrap_or(0) >= IN_FLIGHT,
        "{statuses:?}"
    );
    assert!(
        statuses.keys().all(|status| [0, 200, 503].contains(status)),
        "{statuses:?}\n{}",
        server.log()
    );
    // The peak grew by at most a few copies of the bodies in flight, plus slack for
    // connections and the allocator; holding every body would add 300 MiB.
    assert!(
        grown <= allowed,
        "the flood grew the peak RSS by {} MiB, more than the {} MiB that {IN_FLIGHT} \
         batches in flight of {} MiB allow",
        grown >> 20,
        allowed >> 20,
        BODY >> 20
    );
}
