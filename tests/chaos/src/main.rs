//! `cargo xtask chaos`: the reference backend under faults, with an exactly-once
//! audit. Simulated devices upload continuously to two instances of the backend's
//! binary on a throwaway PostgreSQL while faults are injected on a schedule; then
//! every device drains its queue and the audit checks that no acknowledged write was
//! lost and none applied twice.
//!
//! Faults, in turn: the database killed (`pg_ctl stop -m immediate`) and started;
//! every backend connection terminated (`pg_terminate_backend`); the network between
//! backends and database cut, delayed and truncated (`proxy`); a backend killed with
//! SIGKILL and started again. On the client side, always: replies dropped, clients
//! that give up mid-request, requests spread over both instances (one client's
//! resends racing on both).
//!
//! With `--pooler`, the backends reach the database through PgBouncer in transaction
//! mode (behind the proxy) with `[postgres] transaction_pooler = true`.
//!
//! Usage: `chaos --binary PATH [--seconds N] [--devices N] [--fault-every-ms N]
//! [--seed N] [--pooler]`. Exit status 1 when anything was lost, applied twice,
//! dead-lettered or left in a queue.

mod audit;
mod backends;
mod devices;
mod proxy;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use throwaway_servers::postgres::Cluster;

use backends::Backend;
use devices::Device;
use proxy::Proxy;

/// The fault kinds, in the order they are injected.
const FAULTS: [&str; 6] = [
    "database restart",
    "connections terminated",
    "network cut",
    "network delay",
    "network truncated",
    "backend SIGKILL",
];

/// Durable commits (a crash of the database must not lose an acknowledged
/// transaction, which `synchronous_commit = off` would), no fsync (the machine does
/// not crash here).
const SERVER_SETTINGS: &[&str] = &["fsync=off", "full_page_writes=off", "max_connections=200"];

const HS256_SECRET: &str = "chaos-run-secret-0123456789abcdef0123456789abcdef";

struct Options {
    binary: PathBuf,
    seconds: u64,
    devices: usize,
    fault_every: Duration,
    seed: u64,
    pooler: bool,
}

fn options() -> anyhow::Result<Options> {
    let mut options = Options {
        binary: PathBuf::new(),
        seconds: 180,
        devices: 8,
        fault_every: Duration::from_millis(4_000),
        seed: 1,
        pooler: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--binary" => options.binary = PathBuf::from(value()?),
            "--seconds" => options.seconds = value()?.parse().context("--seconds")?,
            "--devices" => options.devices = value()?.parse().context("--devices")?,
            "--fault-every-ms" => {
                options.fault_every =
                    Duration::from_millis(value()?.parse().context("--fault-every-ms")?)
            }
            "--seed" => options.seed = value()?.parse().context("--seed")?,
            "--pooler" => options.pooler = true,
            other => anyhow::bail!(
                "unknown argument `{other}`; accepted: --binary PATH, --seconds N, \
                 --devices N, --fault-every-ms N, --seed N, --pooler"
            ),
        }
    }
    if !options.binary.is_file() {
        anyhow::bail!(
            "--binary {}: not the backend's binary (cargo build -p powersync-write-server)",
            options.binary.display()
        );
    }
    if options.devices == 0 || options.seconds == 0 {
        anyhow::bail!("--devices and --seconds must be at least 1");
    }
    Ok(options)
}

/// A small deterministic generator (xorshift64*), so a run's client behaviour
/// follows from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// In `0..n` (`n` at least 1).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 > 1.0 - probability
    }
}

fn token(subject: &str) -> anyhow::Result<String> {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        + 86_400;
    let claims = serde_json::json!({"sub": subject, "iss": "chaos", "aud": "chaos", "exp": exp});
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(HS256_SECRET.as_bytes()),
    )?)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(error) => {
            eprintln!("chaos: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<bool> {
    let options = options()?;
    let cluster = tokio::task::spawn_blocking(|| Cluster::start(SERVER_SETTINGS))
        .await?
        .map_err(anyhow::Error::msg)
        .context("starting the throwaway PostgreSQL")?;
    cluster
        .sql("CREATE DATABASE chaos")
        .map_err(anyhow::Error::msg)?;
    let direct_url = cluster.url("chaos");
    let cluster = Arc::new(Mutex::new(cluster));
    let bouncer = if options.pooler {
        Some(
            throwaway_servers::pgbouncer::Bouncer::start(&cluster.lock().expect("cluster"))
                .map_err(anyhow::Error::msg)?,
        )
    } else {
        None
    };
    let port = match &bouncer {
        Some(bouncer) => bouncer.port,
        None => cluster.lock().expect("cluster").port,
    };
    let proxy = Proxy::start(port).await?;
    let dir = tempfile_dir()?;
    let config = dir.join("chaos.toml");
    std::fs::write(
        &config,
        format!(
            "pool_size = 4\n\
             [http]\nmax_batches_per_user = 16\n\
             [auth]\nmode = \"hs256\"\nhs256_secret = \"{HS256_SECRET}\"\n\
             issuers = [\"chaos\"]\naudiences = [\"chaos\"]\n\
             [postgres]\ntransaction_pooler = {}\n",
            options.pooler
        ),
    )?;
    let proxied_url = format!("postgres://postgres@127.0.0.1:{}/chaos", proxy.port);
    let mut instances = Vec::new();
    for name in ["a", "b"] {
        instances.push(Backend::start(name, &options.binary, &config, &proxied_url, &dir).await?);
    }
    let admin = connect(&direct_url).await?;
    audit::install(&admin).await?;
    println!(
        "chaos: {} s, {} devices, a fault every {} ms, seed {}{}; logs in {}",
        options.seconds,
        options.devices,
        options.fault_every.as_millis(),
        options.seed,
        if options.pooler {
            ", through PgBouncer in transaction mode"
        } else {
            ""
        },
        dir.display()
    );

    let started = Instant::now();
    let generate_until = started + Duration::from_secs(options.seconds);
    let drain_by = generate_until + Duration::from_secs(120);
    let endpoints: Vec<String> = instances.iter().map(Backend::endpoint).collect();
    let mut devices = Vec::new();
    for index in 0..options.devices {
        let subject = format!("user-{index}");
        let device = Device {
            index,
            token: token(&subject)?,
            subject,
            endpoints: endpoints.clone(),
            rng: Rng::new(options.seed.wrapping_add(index as u64 + 1)),
        };
        devices.push(tokio::spawn(device.run(generate_until, drain_by)));
    }

    let mut injected = [0usize; FAULTS.len()];
    let mut rng = Rng::new(options.seed);
    let mut turn = 0;
    while Instant::now() + options.fault_every < generate_until {
        tokio::time::sleep(options.fault_every).await;
        let kind = turn % FAULTS.len();
        turn += 1;
        let at = started.elapsed();
        inject(kind, &cluster, &proxy, &mut instances, &mut rng).await?;
        println!("{:>6.1} s  {}", at.as_secs_f64(), FAULTS[kind]);
        injected[kind] += 1;
    }

    let mut reports = Vec::new();
    for device in devices {
        reports.push(device.await?);
    }
    let acked: Vec<devices::Tx> = reports.iter().flat_map(|r| r.acked.clone()).collect();
    // A new connection: the database may have restarted since the first one.
    drop(admin);
    let audit = audit::check(&connect(&direct_url).await?, &acked).await?;
    for instance in &mut instances {
        instance.kill().await;
    }

    let sum = |f: fn(&devices::DeviceReport) -> u64| reports.iter().map(f).sum::<u64>();
    let stalled = reports
        .iter()
        .enumerate()
        .max_by_key(|(_, r)| r.longest_stall)
        .map(|(i, r)| (i, r.longest_stall))
        .unwrap_or_default();
    let undrained: Vec<usize> = reports
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.drained)
        .map(|(i, _)| i)
        .collect();
    let fatal = sum(|r| r.fatal);
    println!(
        "\nchaos run finished after {:.0} s",
        started.elapsed().as_secs_f64()
    );
    println!(
        "transactions acknowledged: {} in {} requests ({} replies dropped on purpose, {} \
         requests given up mid-way, {} refused with 429/503)",
        audit.acknowledged,
        sum(|r| r.requests),
        sum(|r| r.dropped_replies),
        sum(|r| r.gave_up),
        sum(|r| r.refused)
    );
    let faults: Vec<String> = FAULTS
        .iter()
        .zip(injected)
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    println!(
        "faults injected: {} ({})",
        injected.iter().sum::<usize>(),
        faults.join(", ")
    );
    println!("lost: {}", audit.lost);
    println!("applied twice: {}", audit.applied_twice);
    println!(
        "rows no acknowledged transaction wrote: {}",
        audit.unexpected_rows
    );
    println!(
        "dead letters: {} (fatal results: {fatal})",
        audit.dead_letters
    );
    println!(
        "longest stall: {:.1} s (device {})",
        stalled.1.as_secs_f64(),
        stalled.0
    );
    if !undrained.is_empty() {
        println!("queues not drained within 120 s of the end: devices {undrained:?}");
    }
    Ok(audit.lost == 0
        && audit.applied_twice == 0
        && audit.unexpected_rows == 0
        && audit.dead_letters == 0
        && fatal == 0
        && audit.acknowledged > 0
        && undrained.is_empty())
}

async fn inject(
    kind: usize,
    cluster: &Arc<Mutex<Cluster>>,
    proxy: &Proxy,
    instances: &mut [Backend],
    rng: &mut Rng,
) -> anyhow::Result<()> {
    match FAULTS[kind] {
        "database restart" => {
            let cluster = cluster.clone();
            tokio::task::spawn_blocking(move || {
                let mut cluster = cluster.lock().expect("cluster");
                cluster.kill();
                std::thread::sleep(Duration::from_millis(500));
                cluster.restart()
            })
            .await?
            .map_err(anyhow::Error::msg)?;
        }
        "connections terminated" => {
            let cluster = cluster.clone();
            tokio::task::spawn_blocking(move || {
                cluster.lock().expect("cluster").sql(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                     WHERE datname = 'chaos' AND pid <> pg_backend_pid()",
                )
            })
            .await?
            .map_err(anyhow::Error::msg)?;
        }
        "network cut" => proxy.cut(),
        "network delay" => {
            proxy.delay(Duration::from_millis(200));
            tokio::time::sleep(Duration::from_secs(2)).await;
            proxy.delay(Duration::ZERO);
        }
        "network truncated" => proxy.truncate(3),
        "backend SIGKILL" => {
            let instance = &mut instances[rng.below(instances.len())];
            instance.kill().await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            instance.restart(Duration::from_secs(60)).await?;
        }
        other => unreachable!("fault {other}"),
    }
    Ok(())
}

async fn connect(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// A folder for the run's configuration and logs, kept after the run.
fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("chaos-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
