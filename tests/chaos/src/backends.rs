//! The backend instances under test: the reference backend's binary, serving the
//! example schema on PostgreSQL through the proxy. An instance can be killed with
//! SIGKILL and started again on the same port; it starts only once the database
//! answers (it learns the schema at start), so a restart retries until then.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

pub struct Backend {
    pub name: &'static str,
    pub port: u16,
    binary: PathBuf,
    config: PathBuf,
    database_url: String,
    data_dir: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl Backend {
    pub async fn start(
        name: &'static str,
        binary: &Path,
        config: &Path,
        database_url: &str,
        dir: &Path,
    ) -> anyhow::Result<Backend> {
        let data_dir = dir.join(name);
        std::fs::create_dir_all(&data_dir)?;
        let mut backend = Backend {
            name,
            port: throwaway_servers::free_port().map_err(anyhow::Error::msg)?,
            binary: binary.to_path_buf(),
            config: config.to_path_buf(),
            database_url: database_url.to_string(),
            log: dir.join(format!("{name}.log")),
            data_dir,
            child: None,
        };
        backend.restart(Duration::from_secs(120)).await?;
        Ok(backend)
    }

    /// The upload endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/api/data", self.port)
    }

    /// SIGKILL: no shutdown, in-flight batches cut wherever they are.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Starts the instance (again), retrying until it answers `/ready` or `patience`
    /// has passed.
    pub async fn restart(&mut self, patience: Duration) -> anyhow::Result<()> {
        self.kill().await;
        let deadline = Instant::now() + patience;
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()?;
        let ready = format!("http://127.0.0.1:{}/ready", self.port);
        loop {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)?;
            let mut child = Command::new(&self.binary)
                .arg("serve")
                .arg("--config")
                .arg(&self.config)
                .args(["--database-url", &self.database_url])
                .args(["--listen", &format!("127.0.0.1:{}", self.port)])
                .arg("--data-dir")
                .arg(&self.data_dir)
                .args(["--migrate", "--example-schema"])
                .env_remove("RUST_LOG")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .kill_on_drop(true)
                .spawn()?;
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // e.g. the database is down: try again
                }
                if http
                    .get(&ready)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
                {
                    self.child = Some(child);
                    return Ok(());
                }
                if Instant::now() > deadline {
                    let _ = child.start_kill();
                    anyhow::bail!(
                        "backend {} did not become ready within {} s; its log: {}",
                        self.name,
                        patience.as_secs(),
                        self.log.display()
                    );
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            if Instant::now() > deadline {
                anyhow::bail!(
                    "backend {} kept exiting at start; its log: {}",
                    self.name,
                    self.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
