//! Running the built binary in tests: a clean environment, `serve` as a guarded child
//! process on a free port, and a plain-HTTP client.
#![allow(dead_code)] // Each test crate uses a different part.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_powersync-write-server");

/// The binary with a clean environment: no configuration from the caller's.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("POWERSYNC_WRITE") {
            command.env_remove(name);
        }
    }
    command
}

pub fn run(args: &[&str]) -> Output {
    command(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {args:?}: {e}"))
}

/// Runs and expects success; returns stdout.
pub fn ok(args: &[&str]) -> String {
    let output = run(args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs and expects failure; returns stderr.
pub fn fails(args: &[&str]) -> String {
    let output = run(args);
    assert!(
        !output.status.success(),
        "{args:?} should have failed: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stderr).expect("UTF-8 output")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("HTTP client")
}

/// The server child; killed when the test ends, however it ends.
pub struct ChildGuard {
    pub child: Child,
    pub log: PathBuf,
}

impl ChildGuard {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits up to `limit` for the server to exit on its own.
    pub async fn exit_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `serve --migrate --data-dir D --listen 127.0.0.1:PORT` with extra environment
/// variables, once `/health` answers.
pub async fn serve(data_dir: &Path, env: &[(&str, &str)]) -> (ChildGuard, SocketAddr) {
    serve_with(data_dir, &["--migrate"], env).await
}

/// `serve --data-dir D --listen 127.0.0.1:PORT` with extra arguments (`--migrate`,
/// `--example-schema`, ...) and environment variables, once `/health` answers.
pub async fn serve_with(
    data_dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (ChildGuard, SocketAddr) {
    let mut last = String::new();
    // A free port can be taken by someone else before the server binds it: try again.
    for _ in 0..3 {
        let listen: SocketAddr = format!("127.0.0.1:{}", free_port())
            .parse()
            .expect("address");
        let log = data_dir.join(format!("serve-{}.log", listen.port()));
        let mut command = command(&[
            "serve",
            "--data-dir",
            &data_dir.display().to_string(),
            "--listen",
            &listen.to_string(),
        ]);
        command.args(args).envs(env.iter().copied());
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
                last = format!("serve exited with {status}: {}", guard.log());
                break;
            }
            if let Ok(response) = http().get(format!("http://{listen}/health")).send().await
                && response.status() == 200
            {
                return (guard, listen);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if last.is_empty() {
            last = format!("/health did not answer within 60 s: {}", guard.log());
        }
    }
    panic!("{last}");
}
