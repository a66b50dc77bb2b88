//! A throwaway PostgreSQL cluster: `initdb` into a temporary folder, then `pg_ctl
//! start` on a free loopback port and a socket in that folder, with the server's
//! defaults plus the settings the caller passes ([`TEST_SETTINGS`] for tests, none
//! for a bench that measures a durable server). A detached watchdog stops it and
//! removes the folder once the process that started it has exited, however it exits.
//!
//! PostgreSQL refuses to run as root: as root, `initdb` and `pg_ctl` run as the
//! `postgres` user (`runuser`) and the folder is handed to that user.
//!
//! Binaries: `$PG_BIN` (the folder holding `initdb`, `pg_ctl`, `postgres` and `psql`),
//! else `/usr/lib/postgresql/15/bin`. A missing binary is an error that says what to
//! install.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{free_port, is_root, run};

/// Settings for tests: no waiting for the disk (a throwaway cluster has nothing to
/// keep through a machine crash) and room for many pools at once.
pub const TEST_SETTINGS: &[&str] = &[
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=400",
];

/// A running throwaway cluster. Stopped by [`Cluster::stop`], on drop, or by the
/// watchdog when the process exits.
pub struct Cluster {
    pub port: u16,
    /// The folder holding the data directory (`data`), the socket and the log (`log`).
    pub dir: PathBuf,
    settings: Vec<String>,
    running: bool,
}

/// The folder of the PostgreSQL binaries.
pub fn bin_dir() -> PathBuf {
    std::env::var_os("PG_BIN").map_or_else(
        || PathBuf::from("/usr/lib/postgresql/15/bin"),
        PathBuf::from,
    )
}

/// A server-side binary (`initdb`, `pg_ctl`), run as `postgres` when we are root.
fn server_command(program: &str) -> Command {
    let path = bin_dir().join(program);
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(path);
        command
    } else {
        Command::new(path)
    }
}

static SHARED: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// The process's shared cluster with [`TEST_SETTINGS`], started on first use (tests
/// use one database each, [`Cluster::database`]).
pub fn shared() -> &'static Cluster {
    match SHARED.get_or_init(|| Cluster::start(TEST_SETTINGS)) {
        Ok(cluster) => cluster,
        Err(message) => panic!("cannot start the throwaway PostgreSQL cluster: {message}"),
    }
}

impl Cluster {
    /// Creates a cluster and starts it. `settings` are `name=value` server settings
    /// (`-c` options: `fsync=off`, `max_connections=12`, ...).
    pub fn start(settings: &[&str]) -> Result<Cluster, String> {
        for program in ["initdb", "pg_ctl", "postgres", "psql"] {
            let path = bin_dir().join(program);
            if !path.exists() {
                return Err(format!(
                    "{} not found: install PostgreSQL 15 (Debian: postgresql-15) or set PG_BIN \
                     to the folder holding initdb, pg_ctl, postgres and psql",
                    path.display()
                ));
            }
        }
        if let Some(setting) = settings.iter().find(|s| !s.contains('=')) {
            return Err(format!(
                "server setting `{setting}`: write it as name=value"
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("pgtest-")
            .tempdir()
            .map_err(|e| format!("temporary folder: {e}"))?
            .keep();
        let mut cluster = Cluster {
            port: 0,
            dir,
            settings: settings.iter().map(|s| s.to_string()).collect(),
            running: false,
        };
        // Before anything can fail: the folder goes however this ends.
        watchdog(&cluster.dir, &cluster.data());
        if is_root() {
            let (uid, gid) = (postgres_id("-u")?, postgres_id("-g")?);
            std::os::unix::fs::chown(&cluster.dir, Some(uid), Some(gid))
                .map_err(|e| format!("chown {} to postgres: {e}", cluster.dir.display()))?;
        }
        let mut initdb = server_command("initdb");
        initdb.arg("-D").arg(cluster.data()).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-locale",
            // The cluster is thrown away: flushing its files to disk only costs time.
            "--no-sync",
        ]);
        run(initdb, "initdb")?;
        cluster.launch()?;
        Ok(cluster)
    }

    /// The data directory.
    pub fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    fn launch(&mut self) -> Result<(), String> {
        let mut last_error = String::new();
        // A free port can be taken by someone else before the server binds it: retry
        // (a restart keeps its port).
        for _ in 0..5 {
            let port = if self.port == 0 {
                free_port()?
            } else {
                self.port
            };
            let mut options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1",
                self.dir.display()
            );
            for setting in &self.settings {
                options.push_str(&format!(" -c {setting}"));
            }
            let mut pg_ctl = server_command("pg_ctl");
            pg_ctl
                .arg("-D")
                .arg(self.data())
                .arg("-l")
                .arg(self.dir.join("log"))
                .args(["-w", "-t", "60", "-o", &options, "start"])
                // pg_ctl leaves the server with its descriptors: a pipe would never close.
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            match run(pg_ctl, "pg_ctl start") {
                Ok(()) => {
                    self.port = port;
                    self.running = true;
                    return Ok(());
                }
                Err(error) => last_error = format!("{error}\n{}", self.log()),
            }
        }
        Err(last_error)
    }

    /// Runs SQL as the superuser `postgres` in the `postgres` database with `psql`
    /// (statement by statement, stopping at the first error); its output.
    pub fn sql(&self, sql: &str) -> Result<String, String> {
        self.sql_in("postgres", sql)
    }

    /// Runs SQL as the superuser in `database`; its output: tuples only, one row a
    /// line, columns separated by tabs.
    pub fn sql_in(&self, database: &str, sql: &str) -> Result<String, String> {
        let mut child = Command::new(bin_dir().join("psql"))
            .args(["-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-U", "postgres"])
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-d")
            .arg(database)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("psql: {e}"))?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        // Written by a thread: a long script would otherwise fill the pipe while psql
        // waits for us to read its output.
        let script = sql.to_string();
        let writer = std::thread::spawn(move || stdin.write_all(script.as_bytes()));
        let output = child.wait_with_output().map_err(|e| format!("psql: {e}"))?;
        let _ = writer.join();
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(format!(
                "{sql}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    }

    /// Turns TLS on with this server certificate (PEM, its chain) and key, and
    /// replaces the client authentication rules with `hba` (pg_hba.conf lines; the
    /// socket stays trusted for the superuser). Takes effect at once (a reload).
    pub fn enable_tls(&self, cert_pem: &str, key_pem: &str, hba: &[&str]) -> Result<(), String> {
        let data = self.data();
        let write = |name: &str, text: &str, mode: u32| -> Result<(), String> {
            use std::os::unix::fs::PermissionsExt as _;
            let path = data.join(name);
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if is_root() {
                let (uid, gid) = (postgres_id("-u")?, postgres_id("-g")?);
                std::os::unix::fs::chown(&path, Some(uid), Some(gid))
                    .map_err(|e| format!("chown {}: {e}", path.display()))?;
            }
            Ok(())
        };
        write("server.crt", cert_pem, 0o644)?;
        // PostgreSQL refuses a key others can read.
        write("server.key", key_pem, 0o600)?;
        let rules = std::iter::once("local all postgres trust")
            .chain(hba.iter().copied())
            .collect::<Vec<_>>()
            .join("\n");
        write("pg_hba.conf", &format!("{rules}\n"), 0o600)?;
        self.sql(
            "ALTER SYSTEM SET ssl = on;\n\
             ALTER SYSTEM SET ssl_cert_file = 'server.crt';\n\
             ALTER SYSTEM SET ssl_key_file = 'server.key';\n\
             SELECT pg_reload_conf();",
        )?;
        Ok(())
    }

    /// The URL of `database` as the superuser `postgres` over TCP.
    pub fn url(&self, database: &str) -> String {
        self.url_as("postgres", database)
    }

    /// The URL of `database` as `user` over TCP (trust authentication: no password).
    pub fn url_as(&self, user: &str, database: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a fresh database (`t1`, `t2`, ... per process) and returns its name.
    pub fn database(&self) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("t{}", NEXT.fetch_add(1, Ordering::Relaxed) + 1);
        if let Err(error) = self.sql(&format!("CREATE DATABASE {name}")) {
            panic!("cannot create a test database: {error}");
        }
        name
    }

    fn pg_ctl_stop(&mut self, mode: &str) -> Result<(), String> {
        if !self.running {
            return Ok(());
        }
        self.running = false;
        let mut pg_ctl = server_command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.data())
            .args(["-m", mode, "-w", "-t", "60", "stop"])
            .stdin(Stdio::null());
        run(pg_ctl, "pg_ctl stop")
    }

    /// Stops the server at once (`immediate`: no checkpoint, as a crash would); its
    /// data stays.
    pub fn kill(&mut self) {
        if let Err(error) = self.pg_ctl_stop("immediate") {
            eprintln!("{error}");
        }
    }

    /// Starts it again on the same port and data after [`Cluster::kill`].
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill();
        self.launch()
    }

    /// Stops the server (`fast`: clients disconnected, a clean shutdown) and removes
    /// its folder.
    pub fn stop(mut self) -> Result<(), String> {
        let stopped = self.pg_ctl_stop("fast");
        let _ = std::fs::remove_dir_all(&self.dir);
        stopped
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The uid (`-u`) or gid (`-g`) of the `postgres` user.
fn postgres_id(flag: &str) -> Result<u32, String> {
    let output = Command::new("id")
        .args([flag, "postgres"])
        .output()
        .map_err(|e| format!("id: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| {
            "running as root but there is no `postgres` user to run PostgreSQL as: install \
             PostgreSQL 15 (Debian: postgresql-15) or run as another user"
                .to_string()
        })
}

/// Stops the cluster on `data` and removes `dir` once this process is gone.
fn watchdog(dir: &Path, data: &Path) {
    let as_postgres = if is_root() {
        "runuser -u postgres -- "
    } else {
        ""
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         {as_postgres}'{pg_ctl}' -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        pg_ctl = bin_dir().join("pg_ctl").display(),
        data = data.display(),
        dir = dir.display(),
    );
    let _ = Command::new("setsid")
        .args(["sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}
