//! `powersync-write-server`: the reference PowerSync write backend's command line.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use powersync_write_server::auth::{AuthMode, Authenticator, mint_dev_token};
use powersync_write_server::config::{Config, LogFormat};
use powersync_write_server::dead_letters;
use powersync_write_server::engine::{Engine, Hooks};
use powersync_write_server::escape::{escape_control, escaping_fields};
use powersync_write_server::metrics::Metrics;
use powersync_write_server::persist::{self, SharedPersister};
use powersync_write_server::policy::{self, Policies};
use powersync_write_server::service::{self, WriteService};

/// mimalloc rather than glibc's malloc: see its line in Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "powersync-write-server",
    version,
    about = "The reference PowerSync write backend: applies uploaded CRUD transactions to SQLite, PostgreSQL or MySQL/MariaDB",
    after_help = "Quick start (SQLite under ./data, dev tokens):\n  \
        powersync-write-server serve --example-schema\n  \
        powersync-write-server token --sub user-1\n\n\
        Configuration: --config FILE (TOML), POWERSYNC_WRITE__<KEY> environment variables \
        (`__` between nested keys), then flags; see the README for every key."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Global, so `dead-letters list --data-dir D` works as well as `dead-letters --data-dir D list`.
#[derive(Args, Clone)]
struct Common {
    /// TOML configuration file.
    #[arg(
        long,
        value_name = "FILE",
        env = "POWERSYNC_WRITE_CONFIG",
        global = true
    )]
    config: Option<PathBuf>,
    /// Database: sqlite://PATH, postgres://USER@HOST:PORT/DB or mysql://USER:PASSWORD@HOST:PORT/DB (default: sqlite under the data folder).
    #[arg(long, value_name = "URL", global = true)]
    database_url: Option<String>,
    /// Folder for the default SQLite database and the dev-mode signing key.
    #[arg(long, value_name = "DIR", global = true)]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the write API (POST /api/data, GET /health, GET /ready, GET /metrics).
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on (default 127.0.0.1:6060).
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// Create or upgrade the runtime's tables first (as `migrate` does). Without it,
        /// `serve` refuses a database whose runtime tables are missing or outdated.
        #[arg(long)]
        migrate: bool,
        /// Also create the example `lists`/`todos` tables if missing (implies --migrate), and
        /// let users write their own lists and todos unless [authorization] names them.
        #[arg(long)]
        example_schema: bool,
        /// Allow dev-mode auth (tokens anyone with the data folder can mint) on a
        /// non-loopback address. Never do this in production.
        #[arg(long)]
        insecure_dev_auth_on_public_address: bool,
        /// Log format on stderr: `text` (coloured only on a terminal) or `json` (one
        /// object per line, for log shippers); overrides the `log_format` key.
        #[arg(long, value_name = "FORMAT", value_parser = parse_log_format)]
        log_format: Option<LogFormat>,
    },
    /// Create the runtime's own tables (ledger, checkpoints, dead letters), upgrade an older
    /// layout and record the schema version; no other table is touched. Safe to run on every
    /// deploy, also from several instances at once.
    Migrate {
        #[command(flatten)]
        common: Common,
        /// Also create the example `lists`/`todos` tables if missing.
        #[arg(long)]
        example_schema: bool,
    },
    /// Print a dev-mode token for a user (signed with the key under the data folder).
    Token {
        #[command(flatten)]
        common: Common,
        /// The user id (`sub` claim).
        #[arg(long)]
        sub: String,
        /// Lifetime, e.g. 3600s, 60m, 12h, 7d.
        #[arg(long, default_value = "12h", value_parser = parse_duration)]
        ttl: Duration,
    },
    /// Inspect and resolve transactions kept as dead letters.
    DeadLetters {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        action: DeadLetterAction,
    },
    /// Load and check the configuration (and the JWKS source) without serving.
    CheckConfig {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum DeadLetterAction {
    /// List dead letters, oldest first.
    List {
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Show one dead letter with its whole transaction.
    Show { id: String },
    /// Apply a dead letter's transaction again (after fixing the cause), as its uploader but
    /// without the [authorization] policies (the operator decides); removes it on success.
    Retry { id: String },
    /// Remove a dead letter for good.
    Discard { id: String },
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}`: expected a number and a unit, like 12h"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("`{text}`: unit must be s, m, h or d")),
    };
    Ok(Duration::from_secs(seconds))
}

fn parse_log_format(text: &str) -> Result<LogFormat, String> {
    match text {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err(format!("`{text}`: expected text or json")),
    }
}

fn load_config(common: &Common) -> anyhow::Result<Config> {
    let mut config = Config::load(common.config.as_deref(), std::env::vars())?;
    if let Some(url) = &common.database_url {
        config.database_url = Some(url.clone());
    }
    if let Some(dir) = &common.data_dir {
        config.data_dir = dir.clone();
    }
    Ok(config)
}

/// Set once the log is JSON: the error that ends the process is logged as JSON too.
static JSON_LOG: AtomicBool = AtomicBool::new(false);

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => {
            builder.json().init();
            JSON_LOG.store(true, Ordering::Relaxed);
        }
        // Control characters in client text are escaped in each recorded value; the
        // formatter's colours only on a terminal (never in a file or a pipe), and not
        // when NO_COLOR is set.
        LogFormat::Text => builder
            .fmt_fields(escaping_fields())
            .with_ansi(colour_stderr())
            .init(),
    }
}

fn colour_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

async fn open(config: &Config) -> anyhow::Result<SharedPersister> {
    let url = config.database_url();
    persist::open(&url, &config.open_options())
        .await
        .with_context(|| format!("cannot open the database {}", persist::redact_url(&url)))
}

async fn migrate(
    persister: &SharedPersister,
    url: &str,
    example_schema: bool,
) -> anyhow::Result<()> {
    persister.migrate().await.with_context(|| {
        format!(
            "migrating the runtime's tables in the database {}",
            persist::redact_url(url)
        )
    })?;
    if example_schema {
        persister
            .create_example_schema()
            .await
            .context("creating the example lists/todos tables")?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if JSON_LOG.load(Ordering::Relaxed) {
                tracing::error!(error = %format!("{error:#}"), "stopped");
            } else {
                eprintln!("error: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            common,
            listen,
            migrate: do_migrate,
            example_schema,
            insecure_dev_auth_on_public_address,
            log_format,
        } => {
            let mut config = load_config(&common)?;
            if let Some(listen) = listen {
                config.listen = listen;
            }
            if let Some(format) = log_format {
                config.log_format = format;
            }
            init_logging(config.log_format);
            serve(
                config,
                do_migrate || example_schema,
                example_schema,
                insecure_dev_auth_on_public_address,
            )
            .await
        }
        Command::Migrate {
            common,
            example_schema,
        } => {
            let config = load_config(&common)?;
            let url = config.database_url();
            let persister = open(&config).await?;
            migrate(&persister, &url, example_schema).await?;
            println!(
                "migrated {}: the runtime's tables are at schema version {}",
                persist::redact_url(&url),
                persist::SCHEMA_VERSION
            );
            Ok(())
        }
        Command::Token { common, sub, ttl } => {
            let config = load_config(&common)?;
            if config.auth.effective_mode() != AuthMode::Dev {
                bail!(
                    "`token` mints dev-mode tokens, but [auth] is configured for {:?}: get tokens from your identity provider",
                    config.auth.effective_mode()
                );
            }
            println!("{}", mint_dev_token(&config.data_dir, &sub, ttl)?);
            Ok(())
        }
        Command::DeadLetters { common, action } => {
            let config = load_config(&common)?;
            let persister = open(&config).await?;
            // Its errors can quote client text (a table name, a database message):
            // escaped, unlike configuration errors, whose snippets span lines.
            dead_letters::run(persister, &config, action.into())
                .await
                .map_err(|error| anyhow::anyhow!("{}", escape_control(&format!("{error:#}"))))
        }
        Command::CheckConfig { common } => {
            let config = load_config(&common)?;
            config.http.check()?;
            config.auth.check()?;
            let policies = Policies::from_config(&config.authorization)?;
            Authenticator::new(&config.auth, &config.data_dir)
                .await
                .context("setting up authentication")?;
            let persister = open(&config).await?;
            let runtime_tables = match persister.runtime_tables().await {
                Ok(tables) => match tables.check() {
                    Ok(()) => format!("schema version {}", persist::SCHEMA_VERSION),
                    Err(problem) => problem.to_string(),
                },
                Err(error) => format!("not readable: {error}"),
            };
            let engine = Engine::new(
                persister,
                config.mapping.clone(),
                policies,
                Hooks::defaults(config.engine.retry_after_ms),
                config.engine.clone(),
            )
            .await
            .context("learning the database schema")?;
            print_policies(&engine);
            println!("runtime tables: {runtime_tables}");
            refuse_policy_problems(&engine.policy_problems())?;
            println!(
                "configuration is valid: listen {}, database {}, auth {:?}",
                config.listen,
                persist::redact_url(&config.database_url()),
                config.auth.effective_mode()
            );
            Ok(())
        }
    }
}

/// Each table's effective policy: every table of the database, then configured
/// tables the database does not have.
fn print_policies(engine: &Engine) {
    let policies = engine.policies();
    let schema = engine.schema();
    println!("authorization (who may write which rows):");
    for table in schema.tables.keys() {
        println!("  {table}: {}", policies.policy(table));
    }
    for (table, policy) in policies.configured() {
        if !schema.tables.contains_key(table) {
            println!("  {table} (not in the database): {policy}");
        }
    }
    println!("  other tables: {}", policies.default_policy());
    println!(
        "  denied writes: {}",
        if policies.requires_client_handling() {
            "handed to the client (requires_client_handling: true)"
        } else {
            "kept as dead letters"
        }
    );
}

fn refuse_policy_problems(problems: &[String]) -> anyhow::Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    bail!(
        "the [authorization] configuration does not fit the database:\n  - {}\nfix these keys (or the schema), then start again",
        problems.join("\n  - ")
    )
}

impl From<DeadLetterAction> for dead_letters::Action {
    fn from(action: DeadLetterAction) -> Self {
        match action {
            DeadLetterAction::List { limit } => dead_letters::Action::List { limit },
            DeadLetterAction::Show { id } => dead_letters::Action::Show { id },
            DeadLetterAction::Retry { id } => dead_letters::Action::Retry { id },
            DeadLetterAction::Discard { id } => dead_letters::Action::Discard { id },
        }
    }
}

async fn serve(
    config: Config,
    do_migrate: bool,
    example_schema: bool,
    force_dev: bool,
) -> anyhow::Result<()> {
    config.http.check()?;
    let authenticator = Authenticator::new(&config.auth, &config.data_dir)
        .await
        .context("setting up authentication")?;
    if authenticator.mode() == AuthMode::Dev && !config.listen.ip().is_loopback() && !force_dev {
        bail!(
            "dev-mode auth accepts tokens anyone with the data folder can mint, so it only listens on loopback; \
             configure [auth] (jwks_file, jwks_url or hs256_secret) to listen on {}, or pass \
             --insecure-dev-auth-on-public-address",
            config.listen
        );
    }
    let url = config.database_url();
    let persister = open(&config).await?;
    if do_migrate {
        migrate(&persister, &url, example_schema).await?;
    }
    check_runtime_tables(&persister, &url).await?;
    let mut policies = Policies::from_config(&config.authorization)?;
    if example_schema {
        policies = policies.with_defaults_for(policy::example_policies());
    }
    let hooks = Hooks::defaults(config.engine.retry_after_ms);
    let engine = Engine::new(
        persister,
        config.mapping.clone(),
        policies,
        hooks,
        config.engine.clone(),
    )
    .await
    .context("learning the database schema")?;
    refuse_policy_problems(&engine.policy_problems())?;
    let service = WriteService {
        engine: Arc::new(engine),
        authenticator: Arc::new(authenticator),
        metrics: Arc::new(Metrics::new()),
        admission: config.http.admission(),
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    tracing::info!(
        listen = %config.listen,
        database = %persist::redact_url(&config.database_url()),
        auth = ?config.auth.effective_mode(),
        max_connections = config.http.max_connections,
        header_read_timeout_ms = config.http.header_read_timeout_ms,
        body_read_timeout_ms = config.http.body_read_timeout_ms,
        "serving"
    );
    powersync_write_server::http::serve(
        listener,
        service::app(service, config.body_limit_bytes),
        &config.http,
        shutdown_signal(),
    )
    .await?;
    tracing::info!("stopped: in-flight batches finished");
    Ok(())
}

/// Refuses to serve a database whose runtime tables this release cannot use: every
/// upload would fail.
async fn check_runtime_tables(persister: &SharedPersister, url: &str) -> anyhow::Result<()> {
    let url = persist::redact_url(url);
    let tables = persister
        .runtime_tables()
        .await
        .with_context(|| format!("cannot read the runtime's tables in the database {url}"))?;
    if let Err(problem) = tables.check() {
        bail!("cannot serve the database {url}: {problem}");
    }
    if tables.recorded_version.is_none() {
        tracing::info!(
            database = %url,
            "the runtime's tables have this release's layout but no schema version recorded; \
             `migrate` records it"
        );
    }
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting, let in-flight batches finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
