//! Running the language programs: a server that lives until dropped, and a
//! command whose output is read once it ends.

use std::net::TcpListener;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

/// A command line: the program, its arguments and its environment variables.
#[derive(Debug, Clone)]
pub struct CommandLine {
    pub program: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl CommandLine {
    pub fn new(program: impl Into<String>, args: &[&str]) -> CommandLine {
        CommandLine {
            program: program.into(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env: Vec::new(),
        }
    }

    /// The same command with `name` set to `value` in its environment.
    #[must_use]
    pub fn with_env(mut self, name: &str, value: impl Into<String>) -> CommandLine {
        self.env.push((name.to_owned(), value.into()));
        self
    }

    fn command(&self, root: &Path) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(root)
            .kill_on_drop(true);
        command
    }
}

impl std::fmt::Display for CommandLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.program)?;
        for arg in &self.args {
            write!(f, " {arg}")?;
        }
        Ok(())
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running server program, killed when dropped.
pub struct Server {
    pub language: &'static str,
    pub base_url: String,
    child: Child,
}

impl Server {
    /// Starts `command` with `PORT` set and waits until `GET /health` answers 200.
    pub async fn start(
        language: &'static str,
        command: &CommandLine,
        root: &Path,
    ) -> anyhow::Result<Server> {
        let port = free_port()?;
        let mut child = command
            .command(root)
            .env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| anyhow::anyhow!("{language}: cannot start `{command}`: {e}"))?;
        let base_url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(reply) = http.get(format!("{base_url}/health")).send().await
                && reply.status() == 200
            {
                return Ok(Server {
                    language,
                    base_url,
                    child,
                });
            }
            if let Some(status) = child.try_wait()? {
                let stderr = read_stderr(&mut child).await;
                anyhow::bail!(
                    "{language}: `{command}` exited ({status}) before serving:\n{stderr}"
                );
            }
            if Instant::now() > deadline {
                anyhow::bail!("{language}: `{command}` did not answer GET /health within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the server and returns what it wrote to standard error.
    pub async fn stop(mut self) -> String {
        let _ = self.child.start_kill();
        read_stderr(&mut self.child).await
    }
}

async fn read_stderr(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ =
            tokio::time::timeout(Duration::from_secs(5), stderr.read_to_string(&mut text)).await;
    }
    text
}

/// Runs `command` with `args` appended and `env` set, and returns its standard
/// output; fails with its standard error when it does not exit 0.
pub async fn output(
    language: &'static str,
    command: &CommandLine,
    args: &[&str],
    env: &[(&str, &str)],
    root: &Path,
) -> anyhow::Result<String> {
    let mut cmd = command.command(root);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(300), cmd.output())
        .await
        .map_err(|_| anyhow::anyhow!("{language}: `{command}` did not finish within 300 s"))?
        .map_err(|e| anyhow::anyhow!("{language}: cannot run `{command}`: {e}"))?;
    if !out.status.success() {
        anyhow::bail!(
            "{language}: `{command}` failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
