//! PostgreSQL persister: tokio-postgres over a deadpool connection pool.
//!
//! One upload transaction is one database transaction. Its statements are pipelined
//! (sent together, answers read together): the ledger claim, one statement per group
//! of consecutive same-shape entries, the write checkpoint; then COMMIT. Each group is
//! a single statement over `UNNEST` of one `text[]` per column, every value cast to
//! its column's type in SQL, so the statement text depends only on the shape: it is
//! built once per shape ([`statements::SqlCache`]) and prepared once per connection. A group
//! of one entry uses the single-row form instead (one `text` per column), whose plan
//! PostgreSQL caches. When a grouped statement fails, the transaction is
//! rolled back and run again entry by entry (with deferred constraints made
//! immediate) to find the failing entry; that slow path runs only on failure.
//! Custom handlers run again in that slow path, so their effects outside the database
//! must be idempotent.
//!
//! TLS follows the connection string's `sslmode` (and `sslrootcert`) as libpq does:
//! see [`tls`].
//!
//! The files, as for every database: this one holds the configuration, the pool and
//! the [`Persister`] implementation, which delegates; `introspect` reads the catalog,
//! `convert` turns JSON values into column text, `statements` holds the SQL text,
//! `store` runs transactions and dead letters, `classify` turns errors into
//! [`DbError`] and SQLSTATEs into classes.

pub mod classify;
mod convert;
mod introspect;
mod statements;
mod store;
pub mod tls;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};

use self::classify::{from_pg, from_pool};
pub use self::convert::to_text as convert_value;
pub use self::introspect::RUNTIME_PREFIX;
pub use self::statements::quote_ident;
use self::statements::{RuntimeSql, SqlCache};
use super::{Applied, DeadLetter, NewDeadLetter, Persister, RuntimeTables, TransactionWork};
use crate::schema::DatabaseSchema;
use crate::vocab::{DbError, Dialect};

/// How to reach the database.
#[derive(Debug, Clone, PartialEq)]
pub struct PostgresConfig {
    /// `postgres://user[:password]@host[:port]/database[?options]` (or `postgresql://`,
    /// or a key=value connection string); `sslmode` and `sslrootcert` choose TLS
    /// ([`tls`]).
    pub url: String,
    /// Connections kept open at most (default 16).
    pub pool_size: usize,
    /// Longest wait to connect, or for a free connection when all are busy; then the
    /// transaction is answered retryable (default 5 s).
    pub connect_timeout: Duration,
    /// Schemas whose tables are introspected (default `["public"]`). The runtime's own
    /// tables live in the first one.
    pub schemas: Vec<String>,
    /// Prepared statements kept per connection (default 256). Every shape of write
    /// (table, operation, column set) is one statement, and a PATCH's column set is
    /// the client's choice: past this many, a connection's statements are closed
    /// (deallocated on the server) and prepared again as used.
    pub statement_cache_capacity: usize,
    /// The database is reached through a pooler in transaction mode (PgBouncer before
    /// 1.21 or without `max_prepared_statements`, Supabase's pooler on port 6543,
    /// Neon's): each transaction may run on another server connection, so no prepared
    /// statement is kept past its transaction. Writes prepare their statements in the
    /// transaction and close them before COMMIT (a round trip more per statement);
    /// statements outside a transaction never use named statements, in either mode.
    pub transaction_pooler: bool,
}

/// The `[postgres]` configuration table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostgresOptions {
    /// See [`PostgresConfig::transaction_pooler`].
    pub transaction_pooler: bool,
}

impl PostgresConfig {
    pub fn new(url: impl Into<String>) -> Self {
        PostgresConfig {
            url: url.into(),
            pool_size: 16,
            connect_timeout: Duration::from_secs(5),
            schemas: vec!["public".to_string()],
            statement_cache_capacity: 256,
            transaction_pooler: false,
        }
    }
}

/// The PostgreSQL [`Persister`].
pub struct PostgresPersister {
    pool: Pool,
    schemas: Vec<String>,
    sql: RuntimeSql,
    /// Write statement texts by shape.
    statements: SqlCache,
    statement_cache_capacity: usize,
    transaction_pooler: bool,
    write_statements: AtomicU64,
}

impl PostgresPersister {
    /// Builds the pool; connections are opened on first use (see [`Persister::ping`]).
    pub fn new(config: PostgresConfig) -> Result<Self, DbError> {
        let invalid = |message: String| DbError::Connection {
            message: format!("invalid PostgreSQL URL: {message}"),
        };
        let (rest, tls_options) = tls::split(&config.url).map_err(invalid)?;
        let mut pg_config: tokio_postgres::Config =
            rest.parse().map_err(|error| invalid(format!("{error}")))?;
        pg_config.ssl_mode(tls_options.mode.negotiation());
        let connector =
            tls::RustlsConnect::new(&tls_options).map_err(|message| DbError::Connection {
                message: format!("TLS to PostgreSQL: {message}"),
            })?;
        pg_config.connect_timeout(config.connect_timeout);
        if pg_config.get_application_name().is_none() {
            pg_config.application_name("powersync-write-server");
        }
        let manager = Manager::from_config(
            pg_config,
            connector,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(config.pool_size.max(1))
            .wait_timeout(Some(config.connect_timeout))
            .create_timeout(Some(config.connect_timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|error| DbError::Connection {
                message: format!("cannot build the connection pool: {error}"),
            })?;
        let schemas = if config.schemas.is_empty() {
            vec!["public".to_string()]
        } else {
            config.schemas
        };
        Ok(PostgresPersister {
            pool,
            sql: RuntimeSql::new(&schemas[0]),
            schemas,
            statements: SqlCache::default(),
            statement_cache_capacity: config.statement_cache_capacity.max(1),
            transaction_pooler: config.transaction_pooler,
            write_statements: AtomicU64::new(0),
        })
    }

    /// [`PostgresPersister::new`] with the default configuration.
    pub fn from_url(url: &str) -> Result<Self, DbError> {
        Self::new(PostgresConfig::new(url))
    }

    /// Write statements run so far (one per group of entries), for tests and metrics.
    pub fn write_statements(&self) -> u64 {
        self.write_statements.load(Ordering::Relaxed)
    }

    async fn client(&self) -> Result<deadpool_postgres::Client, DbError> {
        self.pool.get().await.map_err(from_pool)
    }
}

#[async_trait]
impl Persister for PostgresPersister {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn migrate(&self) -> Result<(), DbError> {
        store::migrate(self).await
    }

    async fn runtime_tables(&self) -> Result<RuntimeTables, DbError> {
        let client = self.client().await?;
        self.read_runtime_tables(&**client).await
    }

    async fn create_example_schema(&self) -> Result<(), DbError> {
        let client = self.client().await?;
        client
            .batch_execute(super::example::POSTGRES)
            .await
            .map_err(|e| from_pg(&e, None))
    }

    async fn ping(&self) -> Result<(), DbError> {
        let client = self.client().await?;
        client
            .simple_query("SELECT 1")
            .await
            .map_err(|e| from_pg(&e, None))?;
        Ok(())
    }

    async fn introspect(&self) -> Result<DatabaseSchema, DbError> {
        let client = self.client().await?;
        introspect::introspect(&client, &self.schemas)
            .await
            .map_err(|e| from_pg(&e, None))
    }

    async fn apply(&self, work: &TransactionWork<'_>) -> Result<Applied, DbError> {
        store::apply(self, work).await
    }

    async fn store_dead_letter(&self, letter: &NewDeadLetter) -> Result<String, DbError> {
        store::store_dead_letter(self, letter).await
    }

    async fn list_dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, DbError> {
        store::list_dead_letters(self, limit).await
    }

    async fn get_dead_letter(&self, id: &str) -> Result<Option<DeadLetter>, DbError> {
        store::get_dead_letter(self, id).await
    }

    async fn find_dead_letter(
        &self,
        subject: &str,
        client_id: &str,
        last_op_id: i64,
    ) -> Result<Option<DeadLetter>, DbError> {
        store::find_dead_letter(self, subject, client_id, last_op_id).await
    }

    async fn delete_dead_letter(&self, id: &str) -> Result<bool, DbError> {
        store::delete_dead_letter(self, id).await
    }
}
