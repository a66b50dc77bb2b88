//! A throwaway MariaDB server: `mariadb-install-db` into a temporary folder, then
//! `mariadbd` on a free loopback port and a socket in that folder, durable as a
//! production server is (InnoDB, flushed at each commit) unless the caller passes
//! other options. A detached watchdog kills it and removes the folder once the
//! process that started it has exited, however it exits.
//!
//! Binaries: `$MARIADB_BIN` (the folder holding `mariadbd`, `mariadb-install-db` and
//! the `mariadb` client), else the Debian package's places. A missing binary is an
//! error that says what to install.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::{free_port, is_root, run};

/// A running throwaway server. Stopped by [`Server::stop`], on drop, or by the
/// watchdog when the process exits.
pub struct Server {
    pub port: u16,
    /// The folder holding the data directory, the socket and the log.
    pub dir: PathBuf,
    extra: Vec<String>,
    child: Option<Child>,
}

fn binary(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("MARIADB_BIN") {
        return PathBuf::from(dir).join(name);
    }
    for dir in ["/usr/sbin", "/usr/bin"] {
        let path = Path::new(dir).join(name);
        if path.exists() {
            return path;
        }
    }
    PathBuf::from(name)
}

static SHARED: OnceLock<Result<Server, String>> = OnceLock::new();

/// The process's shared server, started on first use (tests use one database each,
/// [`Server::database`]).
pub fn shared() -> &'static Server {
    match SHARED.get_or_init(|| Server::start(&[])) {
        Ok(server) => server,
        Err(message) => panic!("cannot start the throwaway MariaDB server: {message}"),
    }
}

impl Server {
    /// Creates a data directory and starts a server on it. `extra` are more `mariadbd`
    /// options (`--max-connections=12`, `--read-only`, ...).
    pub fn start(extra: &[&str]) -> Result<Server, String> {
        for name in ["mariadbd", "mariadb-install-db", "mariadb"] {
            let path = binary(name);
            if !path.exists() {
                return Err(format!(
                    "{} not found: install MariaDB (Debian: mariadb-server) or set MARIADB_BIN",
                    path.display()
                ));
            }
        }
        let dir = tempfile::Builder::new()
            .prefix("mariadbtest-")
            .tempdir()
            .map_err(|e| format!("temporary folder: {e}"))?
            .keep();
        watchdog(&dir);
        // A temporary folder of its own: servers bootstrapping at once in the shared
        // /tmp collide on their temporary tables' names and abort.
        let tmp = dir.join("tmp");
        std::fs::create_dir(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        let mut install = Command::new(binary("mariadb-install-db"));
        install
            .arg(format!("--datadir={}", dir.join("data").display()))
            .arg(format!("--tmpdir={}", tmp.display()))
            .args([
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve",
                "--no-defaults",
            ]);
        if is_root() {
            install.arg("--user=root");
        }
        run(install, "mariadb-install-db")?;
        let mut server = Server {
            port: 0,
            dir,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            child: None,
        };
        server.launch()?;
        Ok(server)
    }

    /// The running `mariadbd`'s process id (for CPU accounting), if it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("mysqld.sock")
    }

    fn launch(&mut self) -> Result<(), String> {
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = if self.port == 0 {
                free_port()?
            } else {
                self.port
            };
            let log = self.dir.join("log");
            let mut command = Command::new(binary("mariadbd"));
            command
                .arg("--no-defaults")
                .arg(format!("--datadir={}", self.dir.join("data").display()))
                .arg(format!("--tmpdir={}", self.dir.join("tmp").display()))
                .arg(format!("--socket={}", self.socket().display()))
                .arg(format!(
                    "--pid-file={}",
                    self.dir.join("mysqld.pid").display()
                ))
                .arg(format!("--log-error={}", log.display()))
                .arg(format!("--port={port}"))
                .args([
                    "--bind-address=127.0.0.1",
                    "--skip-name-resolve",
                    "--character-set-server=utf8mb4",
                    "--collation-server=utf8mb4_bin",
                    "--innodb-flush-log-at-trx-commit=1",
                    "--innodb-buffer-pool-size=64M",
                    "--max-connections=400",
                ])
                .args(&self.extra)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if is_root() {
                command.arg("--user=root");
            }
            let mut child = command.spawn().map_err(|e| format!("mariadbd: {e}"))?;
            match self.wait_ready(&mut child) {
                Ok(()) => {
                    self.port = port;
                    self.child = Some(child);
                    return Ok(());
                }
                Err(error) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_error = format!(
                        "{error}\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                }
            }
        }
        Err(last_error)
    }

    fn wait_ready(&self, child: &mut Child) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("mariadbd exited at start ({status})"));
            }
            if self.sql("SELECT 1").is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err("mariadbd did not answer within 60 s".to_string())
    }

    /// Runs SQL as root through the socket with the `mariadb` client; its output.
    pub fn sql(&self, sql: &str) -> Result<String, String> {
        let output = Command::new(binary("mariadb"))
            .arg("--no-defaults")
            .arg(format!("--socket={}", self.socket().display()))
            .args(["-uroot", "--batch", "--skip-column-names", "-e", sql])
            .output()
            .map_err(|e| format!("mariadb client: {e}"))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(format!(
                "{sql}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    }

    /// The URL of `database` as root over TCP.
    pub fn url(&self, database: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a fresh database (`t1`, `t2`, ... per process) and returns its name.
    pub fn database(&self) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("t{}", NEXT.fetch_add(1, Ordering::Relaxed) + 1);
        if let Err(error) = self.sql(&format!("CREATE DATABASE `{name}`")) {
            panic!("cannot create a test database: {error}");
        }
        name
    }

    /// Kills the server at once (as a crash would); its data stays.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and data after [`Server::kill`].
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill();
        self.launch()
    }

    /// Stops the server and removes its folder.
    pub fn stop(mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Kills any server on `dir` and removes the folder once this process is gone. The
/// pattern's `[a]` keeps `pkill -f` from matching (and killing) this script itself.
fn watchdog(dir: &Path) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         pkill -9 -f -- '--datadir={dir}/dat[a]' >/dev/null 2>&1; sleep 1; rm -rf '{dir}'",
        pid = std::process::id(),
        dir = dir.display(),
    );
    let _ = Command::new("setsid")
        .args(["sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}
