//! MySQL/MariaDB persister: mysql_async over its own connection pool.
//!
//! One upload transaction is one database transaction: the ledger row is claimed
//! (created or raised, and locked until the end; a replay is refused by the claim
//! itself), then one statement per group of consecutive same-shape entries (a
//! multi-row `INSERT ... ON DUPLICATE KEY UPDATE` for PUTs, `DELETE ... WHERE key IN
//! (...)` for DELETEs, one `UPDATE` per PATCH), then the write checkpoint; then
//! COMMIT. Statement text depends only on the shape and the number of rows: it is
//! built once per shape ([`statements::SqlCache`]).
//!
//! A transaction of unguarded writes, the usual case, is sent as one script: all its
//! statements in one text query, one round trip ([`script`]); the server stops at the
//! first failing statement, which names the failing group. A transaction with a
//! guarded write (an authorization policy's ownership check) or a custom handler
//! needs the database's answers between statements: it runs statement by statement,
//! on statements prepared once per connection (mysql_async's statement cache).
//!
//! When a grouped statement fails, the transaction is rolled back and run again entry
//! by entry to find the failing entry; that slow path runs only on failure. Custom
//! handlers run again in that slow path, so their effects outside the database must
//! be idempotent.
//!
//! Every connection runs with a strict `sql_mode`, `time_zone = '+00:00'` and
//! `utf8mb4`, and reports matched rather than changed rows (`CLIENT_FOUND_ROWS`), so
//! a guarded `UPDATE` that sets a row to its current values still counts.
//!
//! TLS follows the URL's `ssl-mode` (and `ssl-ca`) as the `mysql` client does: see
//! [`tls`].
//!
//! The files, as for every database: this one holds the configuration, the pool and
//! the [`Persister`] implementation, which delegates; `introspect` reads the catalog,
//! `convert` turns JSON values into column values, `statements` holds the SQL text,
//! `store` runs transactions and dead letters, `classify` turns errors into
//! [`DbError`] and error numbers into classes.

pub mod classify;
mod convert;
mod introspect;
mod script;
mod statements;
mod store;
pub mod tls;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use mysql_async::prelude::Queryable;
use mysql_async::{Opts, OptsBuilder, Pool, PoolConstraints, PoolOpts};

use self::classify::{from_acquire, from_mysql};
pub use self::statements::quote_ident;

/// Converts `value` as for a column that `information_schema.COLUMNS` describes with
/// `data_type` and `column_type` (`decimal`, `decimal(10,2) unsigned`): the
/// persister's conversion, for fuzzing and tests.
pub fn convert_value(
    data_type: &str,
    column_type: &str,
    value: &serde_json::Value,
) -> Result<mysql_async::Value, String> {
    let column = crate::schema::ColumnSchema {
        name: String::new(),
        ty: introspect::column_type(data_type, column_type),
        nullable: true,
        sql_type: column_type.to_string(),
    };
    convert::to_value(&column, value)
}
use self::statements::{RuntimeSql, SqlCache};
use super::{Applied, DeadLetter, NewDeadLetter, Persister, RuntimeTables, TransactionWork};
use crate::schema::DatabaseSchema;
use crate::vocab::{DbError, Dialect};

/// The session every connection starts with: strict about values (a value that does
/// not fit is an error, never truncated or zeroed), UTC, and full UTF-8.
const SESSION_INIT: [&str; 2] = [
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,\
     ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
    "SET time_zone = '+00:00', NAMES utf8mb4",
];

/// How to reach the database.
#[derive(Debug, Clone, PartialEq)]
pub struct MysqlConfig {
    /// `mysql://user[:password]@host[:port]/database[?options]`; `ssl-mode` and
    /// `ssl-ca` choose TLS ([`tls`]).
    pub url: String,
    /// Connections kept open at most (default 16).
    pub pool_size: usize,
    /// Longest wait to connect, or for a free connection when all are busy; then the
    /// transaction is answered retryable (default 5 s).
    pub connect_timeout: Duration,
    /// Prepared statements kept per connection (default 256), for transactions run
    /// statement by statement (guarded writes, custom handlers). Every shape of write
    /// (table, operation, column set, and for groups the number of rows) is one
    /// statement: past this many, the least recently used is closed on the server.
    pub statement_cache_capacity: usize,
    /// Send a transaction of unguarded writes as one script (default true): see
    /// [`MysqlOptions::scripts`].
    pub scripts: bool,
}

/// The `[mysql]` configuration table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MysqlOptions {
    /// Send a transaction of unguarded writes as one multi-statement query, one round
    /// trip ([`script`]). `false` for a MySQL-compatible server or proxy that refuses
    /// multi-statement queries: every transaction then runs statement by statement,
    /// on prepared statements.
    pub scripts: bool,
}

impl Default for MysqlOptions {
    fn default() -> Self {
        MysqlOptions { scripts: true }
    }
}

impl MysqlConfig {
    pub fn new(url: impl Into<String>) -> Self {
        MysqlConfig {
            url: url.into(),
            pool_size: 16,
            connect_timeout: Duration::from_secs(5),
            statement_cache_capacity: 256,
            scripts: true,
        }
    }
}

/// The MySQL/MariaDB [`Persister`].
pub struct MysqlPersister {
    pool: Pool,
    connect_timeout: Duration,
    pool_size: usize,
    sql: RuntimeSql,
    /// Write statement texts by shape.
    statements: SqlCache,
    scripts: bool,
    /// The longest script piece ([`script::piece_bytes`]), from the server's
    /// `max_allowed_packet`, read with the schema.
    piece_bytes: AtomicUsize,
    write_statements: AtomicU64,
}

impl MysqlPersister {
    /// Builds the pool; connections are opened on first use (see [`Persister::ping`]).
    pub fn new(config: MysqlConfig) -> Result<Self, DbError> {
        let redacted = super::redact_url(&config.url);
        let invalid = |error: String| DbError::Connection {
            message: format!("invalid MySQL URL `{redacted}`: {error}"),
        };
        let (rest, ssl) = tls::split(&config.url).map_err(invalid)?;
        let opts = Opts::from_url(&rest).map_err(|error| invalid(error.to_string()))?;
        if opts.db_name().is_none_or(str::is_empty) {
            return Err(DbError::Connection {
                message: format!(
                    "the MySQL URL `{redacted}` names no database: add it after the host, \
                     e.g. mysql://USER:PASSWORD@HOST:3306/DATABASE"
                ),
            });
        }
        let size = config.pool_size.max(1);
        let constraints = PoolConstraints::new(0, size).ok_or_else(|| DbError::Connection {
            message: format!("invalid pool size {size}"),
        })?;
        // Idle connections are kept for minutes: with the defaults the pool closed
        // and reopened connections for about every transaction under load.
        // Connections are not reset when returned to the pool: a reset (the driver's
        // default) drops the prepared statements, so every statement was prepared
        // again on every transaction, and it resets the session to the server's
        // defaults. What a reset would clean is handled here: an unfinished transaction
        // is rolled back by the driver when its `Transaction` is dropped, and the
        // runtime sets no other session state. The session settings are `setup`
        // queries, which the driver runs again after any reset it does do.
        let pool_opts = PoolOpts::default()
            .with_constraints(constraints)
            .with_inactive_connection_ttl(Duration::from_secs(300))
            .with_ttl_check_interval(Duration::from_secs(300))
            .with_reset_connection(false);
        let builder = OptsBuilder::from_opts(opts)
            .pool_opts(pool_opts)
            .setup(SESSION_INIT.to_vec())
            .stmt_cache_size(config.statement_cache_capacity.max(1))
            // TCP as the URL says, not a local socket the server happens to report.
            .prefer_socket(false)
            .client_found_rows(true);
        let builder = match ssl {
            Some(ssl) => {
                tls::ensure_crypto_provider();
                builder.ssl_opts(ssl)
            }
            None => builder,
        };
        Ok(MysqlPersister {
            pool: Pool::new(builder),
            connect_timeout: config.connect_timeout,
            pool_size: size,
            sql: RuntimeSql::new(),
            statements: SqlCache::default(),
            scripts: config.scripts,
            piece_bytes: AtomicUsize::new(script::PIECE_BYTES),
            write_statements: AtomicU64::new(0),
        })
    }

    /// [`MysqlPersister::new`] with the default configuration.
    pub fn from_url(url: &str) -> Result<Self, DbError> {
        Self::new(MysqlConfig::new(url))
    }

    /// Write statements run so far (one per group of entries), for tests and metrics.
    pub fn write_statements(&self) -> u64 {
        self.write_statements.load(Ordering::Relaxed)
    }

    /// A pooled connection, or [`DbError::Connection`] when none can be had in time.
    async fn conn(&self) -> Result<mysql_async::Conn, DbError> {
        match tokio::time::timeout(self.connect_timeout, self.pool.get_conn()).await {
            Ok(result) => result.map_err(|e| from_acquire(&e)),
            Err(_) => Err(DbError::Connection {
                message: format!(
                    "no database connection within {:?}: the server is unreachable, or all \
                     {} pooled connections are busy (raise pool_size or the server's \
                     max_connections); the upload can be retried",
                    self.connect_timeout, self.pool_size
                ),
            }),
        }
    }
}

#[async_trait]
impl Persister for MysqlPersister {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    async fn migrate(&self) -> Result<(), DbError> {
        store::migrate(self).await
    }

    async fn runtime_tables(&self) -> Result<RuntimeTables, DbError> {
        let mut conn = self.conn().await?;
        self.read_runtime_tables(&mut conn).await
    }

    async fn create_example_schema(&self) -> Result<(), DbError> {
        let mut conn = self.conn().await?;
        conn.query_drop(super::example::MYSQL)
            .await
            .map_err(|e| from_mysql(&e, None))
    }

    async fn ping(&self) -> Result<(), DbError> {
        let mut conn = self.conn().await?;
        conn.ping().await.map_err(|e| from_mysql(&e, None))
    }

    async fn introspect(&self) -> Result<DatabaseSchema, DbError> {
        let mut conn = self.conn().await?;
        let settings: Option<(Option<String>, u64)> = conn
            .query_first("SELECT DATABASE(), @@max_allowed_packet")
            .await
            .map_err(|e| from_mysql(&e, None))?;
        let (database, max_packet) = settings.unwrap_or((None, 0));
        if max_packet > 0 {
            self.piece_bytes
                .store(script::piece_bytes(max_packet), Ordering::Relaxed);
        }
        introspect::introspect(&mut conn, &database.unwrap_or_default())
            .await
            .map_err(|e| from_mysql(&e, None))
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
