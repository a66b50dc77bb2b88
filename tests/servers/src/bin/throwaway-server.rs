//! `throwaway-server postgres|postgres+pgbouncer|mariadb [SETTING ...]`: starts a
//! throwaway server for
//! tests written in other languages (TypeScript, Kotlin), prints one JSON line on
//! stdout once it answers, and stops it (and removes its folder) when stdin closes
//! or on SIGTERM/SIGINT. Should this process die any other way, the server's
//! watchdog stops it.
//!
//! The JSON line: `server` (`postgres` or `mariadb`), `host`, `port`, `user` (the
//! superuser, no password), `url` (its URL of the administration database:
//! `postgres` or `mysql`), `dir` (the server's folder) and `log` (its log file).
//! `postgres+pgbouncer` also starts PgBouncer in transaction mode in front of the
//! cluster ([`pgbouncer::Bouncer`]) and adds `pooler_port`: the same databases and
//! user, through the pooler.
//!
//! SETTINGs: for postgres `name=value` server settings added to the tests' settings
//! (`max_connections=50`); for mariadb `mariadbd` options (`--max-connections=50`).
//! Start failures go to stderr with exit code 1 and no JSON line.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc;

use serde_json::json;
use throwaway_servers::{mariadb, pgbouncer, postgres};

const USAGE: &str = "usage: throwaway-server postgres|postgres+pgbouncer|mariadb [SETTING ...]\n\
    (postgres: name=value server settings; mariadb: --option=value mariadbd options)";

/// A started server and how to stop it.
struct Started {
    description: serde_json::Value,
    stop: Box<dyn FnOnce() -> Result<(), String>>,
}

fn description(
    server: &str,
    port: u16,
    user: &str,
    url: String,
    dir: &Path,
    log: &Path,
) -> serde_json::Value {
    json!({
        "server": server,
        "host": "127.0.0.1",
        "port": port,
        "user": user,
        "url": url,
        "dir": dir,
        "log": log,
    })
}

fn start(kind: &str, settings: &[&str]) -> Result<Started, String> {
    match kind {
        "postgres" | "postgres+pgbouncer" => {
            let all: Vec<&str> = postgres::TEST_SETTINGS
                .iter()
                .copied()
                .chain(settings.iter().copied())
                .collect();
            let cluster = postgres::Cluster::start(&all)?;
            let mut description = description(
                "postgres",
                cluster.port,
                "postgres",
                cluster.url("postgres"),
                &cluster.dir,
                &cluster.dir.join("log"),
            );
            let bouncer = if kind == "postgres+pgbouncer" {
                let bouncer = pgbouncer::Bouncer::start(&cluster)?;
                description["pooler_port"] = json!(bouncer.port);
                Some(bouncer)
            } else {
                None
            };
            Ok(Started {
                description,
                stop: Box::new(move || {
                    // The pooler first: it holds connections to the cluster.
                    drop(bouncer);
                    cluster.stop()
                }),
            })
        }
        "mariadb" => {
            let server = mariadb::Server::start(settings)?;
            Ok(Started {
                description: description(
                    "mariadb",
                    server.port,
                    "root",
                    server.url("mysql"),
                    &server.dir,
                    &server.dir.join("log"),
                ),
                stop: Box::new(move || {
                    server.stop();
                    Ok(())
                }),
            })
        }
        other => Err(format!("unknown server `{other}`\n{USAGE}")),
    }
}

/// Blocks SIGTERM and SIGINT in this thread (and the threads it starts afterwards),
/// so that only [`wait_for_signal`] receives them. Called after the server started:
/// the server's processes must not inherit the blocked mask.
fn block_signals() -> libc::sigset_t {
    // SAFETY: the set is initialized by sigemptyset before use; pthread_sigmask only
    // reads it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    }
}

fn wait_for_signal(set: &libc::sigset_t) -> i32 {
    let mut signal = 0;
    // SAFETY: `set` is a valid, initialized signal set and `signal` a valid out pointer.
    unsafe { libc::sigwait(set, &mut signal) };
    signal
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((kind, settings)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let settings: Vec<&str> = settings.iter().map(String::as_str).collect();
    let started = match start(kind, &settings) {
        Ok(started) => started,
        Err(error) => {
            eprintln!("throwaway-server: cannot start {kind}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let set = block_signals();
    let (done, reason) = mpsc::channel::<String>();
    let on_signal = done.clone();
    std::thread::spawn(move || {
        let signal = wait_for_signal(&set);
        let _ = on_signal.send(format!("signal {signal}"));
    });
    std::thread::spawn(move || {
        // Everything read is ignored: only the end of stdin matters.
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = done.send("stdin closed".to_string());
    });
    let mut stdout = std::io::stdout();
    let why = match writeln!(stdout, "{}", started.description).and_then(|()| stdout.flush()) {
        Ok(()) => reason.recv().unwrap_or_default(),
        Err(error) => format!("stdout failed ({error})"),
    };
    match (started.stop)() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("throwaway-server: stopping {kind} after {why}: {error}");
            ExitCode::FAILURE
        }
    }
}
