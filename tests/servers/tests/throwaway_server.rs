//! The `throwaway-server` binary: one JSON line describing a server that answers,
//! then a clean stop (folder removed, port closed, exit 0) when stdin closes or on
//! SIGTERM; start failures on stderr with exit code 1.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;
use throwaway_servers::postgres::bin_dir;

const BIN: &str = env!("CARGO_BIN_EXE_throwaway-server");

fn spawn(args: &[&str]) -> (Child, Value) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn throwaway-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("read the JSON line");
    let description: Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not one JSON line ({e}): {line:?}"));
    (child, description)
}

fn psql(url: &str, sql: &str) -> Result<String, String> {
    let output = Command::new(bin_dir().join("psql"))
        .args(["-X", "-A", "-t", "-d", url, "-c", sql])
        .output()
        .unwrap();
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

fn port_closed(port: u64) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port as u16)).is_err()
}

#[test]
fn postgres_answers_and_stops_when_stdin_closes() {
    let (mut child, description) = spawn(&["postgres", "max_connections=50"]);
    let port = description["port"].as_u64().unwrap();
    assert_eq!(description["server"], "postgres");
    assert_eq!(description["host"], "127.0.0.1");
    assert_eq!(description["user"], "postgres");
    let url = description["url"].as_str().unwrap();
    assert_eq!(
        url,
        format!("postgres://postgres@127.0.0.1:{port}/postgres")
    );
    // The tests' settings, and the caller's added to them.
    assert_eq!(psql(url, "SHOW max_connections").unwrap(), "50\n");
    assert_eq!(psql(url, "SHOW fsync").unwrap(), "off\n");
    let dir = PathBuf::from(description["dir"].as_str().unwrap());
    let log = PathBuf::from(description["log"].as_str().unwrap());
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("ready to accept connections")
    );
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert!(!dir.exists(), "the folder is removed");
    assert!(port_closed(port), "nothing listens after the stop");
}

#[test]
fn postgres_with_pgbouncer_answers_through_the_pooler_and_stops_both() {
    let (mut child, description) = spawn(&["postgres+pgbouncer"]);
    let port = description["port"].as_u64().unwrap();
    let pooler = description["pooler_port"].as_u64().expect("pooler_port");
    assert_ne!(port, pooler);
    let through = format!("postgres://postgres@127.0.0.1:{pooler}/postgres");
    // The answer comes from the cluster behind PgBouncer.
    assert_eq!(
        psql(&through, "SHOW port").unwrap(),
        format!("{port}\n"),
        "PgBouncer forwards to the cluster"
    );
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert!(port_closed(port), "the cluster stopped");
    assert!(port_closed(pooler), "PgBouncer stopped");
}

#[test]
fn postgres_stops_on_sigterm_and_sigint() {
    for signal in ["TERM", "INT"] {
        let (mut child, description) = spawn(&["postgres"]);
        let port = description["port"].as_u64().unwrap();
        psql(description["url"].as_str().unwrap(), "SELECT 1").expect("answers");
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        // stdin stays open: the signal alone stops it.
        assert!(child.wait().unwrap().success(), "SIG{signal}: a clean stop");
        assert!(!PathBuf::from(description["dir"].as_str().unwrap()).exists());
        assert!(
            port_closed(port),
            "SIG{signal}: nothing listens after the stop"
        );
    }
}

#[test]
fn mariadb_answers_and_stops_when_stdin_closes() {
    let (mut child, description) = spawn(&["mariadb", "--max-connections=20"]);
    let port = description["port"].as_u64().unwrap();
    assert_eq!(description["server"], "mariadb");
    assert_eq!(description["user"], "root");
    assert_eq!(
        description["url"],
        format!("mysql://root@127.0.0.1:{port}/mysql")
    );
    let output = Command::new("mariadb")
        .args([
            "--no-defaults",
            "-h127.0.0.1",
            "-uroot",
            "--batch",
            "--skip-column-names",
        ])
        .arg(format!("-P{port}"))
        .args(["-e", "SELECT @@max_connections"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "20\n",
        "{output:?}"
    );
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert!(!PathBuf::from(description["dir"].as_str().unwrap()).exists());
    assert!(port_closed(port));
}

#[test]
fn failures_say_why_on_stderr_without_a_json_line() {
    for (args, expected, code) in [
        (&["oracle"][..], "unknown server `oracle`", 1),
        (
            &["postgres", "fsync"][..],
            "`fsync`: write it as name=value",
            1,
        ),
        (
            &[][..],
            "usage: throwaway-server postgres|postgres+pgbouncer|mariadb",
            2,
        ),
    ] {
        let output = Command::new(BIN)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(code), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
