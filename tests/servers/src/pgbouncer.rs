//! A throwaway PgBouncer in front of a throwaway PostgreSQL [`Cluster`], in
//! `pool_mode = transaction`: each transaction may run on another server connection,
//! as behind Supabase's pooler on port 6543 or Neon's, so a prepared statement or a
//! session setting does not outlive its transaction. Debian's package (1.18) predates
//! protocol-level prepared statements, like many poolers still deployed.
//!
//! Few server connections (`default_pool_size = 4`), so clients share them and a
//! statement kept from an earlier transaction is found missing, not by luck present.
//!
//! Binary: `$PGBOUNCER` or `/usr/sbin/pgbouncer` (Debian: pgbouncer). It refuses to run
//! as root: as root it runs as the `postgres` user, like the cluster. A watchdog stops
//! it when the process that started it exits.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::postgres::Cluster;
use crate::{free_port, is_root};

/// A running PgBouncer; stopped on drop or by the watchdog.
pub struct Bouncer {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

fn binary() -> PathBuf {
    std::env::var_os("PGBOUNCER")
        .map_or_else(|| PathBuf::from("/usr/sbin/pgbouncer"), PathBuf::from)
}

impl Bouncer {
    /// Starts PgBouncer in transaction mode in front of every database of `cluster`.
    pub fn start(cluster: &Cluster) -> Result<Bouncer, String> {
        let binary = binary();
        if !binary.exists() {
            return Err(format!(
                "{} not found: install PgBouncer (Debian: pgbouncer) or set PGBOUNCER to its \
                 binary",
                binary.display()
            ));
        }
        // Inside the cluster's folder, which the cluster's watchdog removes.
        let dir = cluster.dir.join("pgbouncer");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let port = free_port()?;
        let config = format!(
            "[databases]\n\
             * = host=127.0.0.1 port={pg_port}\n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\n\
             listen_port = {port}\n\
             unix_socket_dir =\n\
             auth_type = trust\n\
             auth_file = {dir}/users.txt\n\
             pool_mode = transaction\n\
             default_pool_size = 4\n\
             max_client_conn = 500\n\
             logfile = {dir}/log\n\
             pidfile = {dir}/pid\n",
            pg_port = cluster.port,
            dir = dir.display(),
        );
        std::fs::write(dir.join("pgbouncer.ini"), config).map_err(|e| format!("config: {e}"))?;
        // Trust still needs the user listed.
        std::fs::write(dir.join("users.txt"), "\"postgres\" \"\"\n")
            .map_err(|e| format!("users: {e}"))?;
        let mut command = if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .map_err(|e| format!("chown: {e}"))?;
            if !status.success() {
                return Err(format!("chown {} to postgres failed", dir.display()));
            }
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&binary);
            command
        } else {
            Command::new(&binary)
        };
        let child = command
            .arg(dir.join("pgbouncer.ini"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        watchdog(child.id());
        let mut bouncer = Bouncer { port, dir, child };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = bouncer.child.try_wait() {
                return Err(format!("pgbouncer exited with {status}: {}", bouncer.log()));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "pgbouncer did not listen within 30 s: {}",
                    bouncer.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(bouncer)
    }

    /// The URL of `database` through the pooler, as the superuser `postgres`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// PgBouncer's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        // runuser passes SIGTERM on to PgBouncer, which then exits.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// Stops `child` once this process is gone.
fn watchdog(child: u32) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; kill {child} 2>/dev/null",
        pid = std::process::id(),
    );
    let _ = Command::new("setsid")
        .args(["sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}
