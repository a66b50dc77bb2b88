//! `--url URL --token TOKEN`: the same workload and table against a backend of this
//! protocol that is already running, whatever it is built with, so that it can be set
//! beside the reference backend. Nothing is started and no database is touched here:
//! the backend's database must hold the workload's tables (the runtime's example
//! schema, `serve --example-schema`), and `TOKEN` must be accepted by it for writes to
//! `lists` and `todos`.
//!
//! Every reply is checked as in the other modes (one `success` per transaction, none a
//! duplicate), so a backend that answers without applying fails the run. The load
//! generator is this process alone; its CPU time over each run is reported as a share
//! of one core, so a reader can tell whether it took cores from a backend on the same
//! machine.

use std::time::{Duration, Instant};

use super::{
    CONCURRENCY, Load, Options, Result, Row, TRANSACTIONS_PER_REQUEST, cpu_time, print_table,
    summarize,
};

/// The backend to drive.
pub struct Remote {
    pub endpoint: String,
    pub token: String,
}

impl Remote {
    /// `url` is the upload endpoint, or the backend's root (then `/api/data`).
    pub fn new(url: &str, token: &str) -> Result<Remote> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| format!("--url {url}: not a URL ({e}); e.g. http://localhost:6060"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("--url {url}: expected an http:// or https:// URL").into());
        }
        let endpoint = if parsed.path() == "/" {
            parsed.join("api/data")?.to_string()
        } else {
            parsed.to_string()
        };
        if token.trim().is_empty() {
            return Err("--token is empty: give a bearer token the backend accepts".into());
        }
        Ok(Remote {
            endpoint,
            token: token.trim().to_string(),
        })
    }
}

pub fn run(options: &Options, remote: &Remote) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("client")
        .build()?;
    runtime.block_on(drive(options, remote))
}

async fn drive(options: &Options, remote: &Remote) -> Result<()> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(60))
        .build()?;
    println!("backend: {}", remote.endpoint);
    let mut rows = Vec::new();
    let mut shares = Vec::new();
    let mut run_number = 0usize;
    for per_request in TRANSACTIONS_PER_REQUEST {
        for concurrency in CONCURRENCY {
            let cell = format!("{per_request} tx/req, c={concurrency}");
            let short = format!("{per_request}x{concurrency}");
            if !options.cells.is_empty() && !options.cells.contains(&short) {
                continue;
            }
            let mut runs = Vec::new();
            let mut cell_shares = Vec::new();
            for _ in 0..options.rounds {
                run_number += 1;
                let load = Load {
                    run: run_number,
                    per_request,
                    concurrency,
                    options,
                };
                eprintln!("running {cell}, backend ...");
                let (cpu, wall) = (cpu_time("self")?, Instant::now());
                let measured = load
                    .http(&http, "backend", &remote.endpoint, &remote.token)
                    .await?;
                let share = (cpu_time("self")? - cpu).as_secs_f64() / wall.elapsed().as_secs_f64();
                cell_shares.push(share);
                runs.push(vec![measured]);
            }
            cell_shares.sort_by(f64::total_cmp);
            let share = cell_shares[cell_shares.len() / 2];
            shares.push(share);
            for (measured, _) in summarize(runs, |_| None) {
                rows.push(Row {
                    cell: cell.clone(),
                    path: "backend".to_string(),
                    measured,
                    ratio: format!("load generator: {:.0}% of one core", share * 100.0),
                });
            }
        }
    }
    print_table("Remote backend", options, &rows);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let most = shares.iter().copied().fold(0.0, f64::max);
    println!(
        "(the load generator's CPU time over each run's wall time, median over rounds; this \
         machine has {cores} cores, so at most {:.0}% of its CPU went to the load)",
        most * 100.0 / cores as f64
    );
    Ok(())
}
