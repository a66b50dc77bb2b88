//! Persisters: everything that touches a database, behind one trait so the engine
//! does not know which database it writes to.
//!
//! A persister introspects the schema, creates the runtime's own tables (`migrate`),
//! applies one upload transaction atomically together with its idempotency-ledger and
//! write-checkpoint updates, and keeps dead letters. Values are converted to column
//! types inside the persister, since that is database-specific.

use std::sync::Arc;

use async_trait::async_trait;

use crate::hooks::HandlerRegistry;
use crate::schema::DatabaseSchema;
pub use crate::vocab::NewDeadLetter;
use crate::vocab::{DbError, Dialect, MappedEntry, Principal};

pub mod example;
pub mod mysql;
pub mod postgres;
pub mod sqlite;
mod values;
pub mod version;

pub use version::{RuntimeTables, SCHEMA_VERSION, SchemaProblem};

/// ` AND a AND b` for the SQL conditions present (a guard's stored-row and sent-value
/// conditions, appended to a `WHERE`).
pub fn and_conditions(conditions: [Option<String>; 2]) -> String {
    conditions
        .into_iter()
        .flatten()
        .map(|condition| format!(" AND {condition}"))
        .collect()
}

/// Everything a persister needs to apply one upload transaction.
pub struct TransactionWork<'a> {
    pub principal: &'a Principal,
    pub entries: &'a [MappedEntry],
    pub schema: &'a DatabaseSchema,
    /// Set when the client sent `client_id` and every entry has an `op_id`.
    pub idempotency: Option<Idempotency<'a>>,
    /// Set when write checkpoints are enabled.
    pub checkpoint: Option<CheckpointKey<'a>>,
    pub handlers: &'a HandlerRegistry,
}

/// The ledger key and range of one transaction. The ledger is keyed by the principal's
/// subject and this client id together: a client id is the client's own choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Idempotency<'a> {
    pub client_id: &'a str,
    /// The transaction's highest `op_id`: it is a replay when the ledger's last
    /// applied op_id for the client is at least this.
    pub last_op_id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointKey<'a> {
    pub user_id: &'a str,
    pub client_id: &'a str,
}

/// What applying a transaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Written and committed; the new write checkpoint if checkpoints are enabled.
    Written { write_checkpoint: Option<i64> },
    /// The ledger shows it was applied before: nothing was written.
    Duplicate,
}

/// A stored dead letter.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// Stable id (a UUID), returned to the client as `dead_letter_id`.
    pub id: String,
    /// RFC 3339 time it was stored.
    pub created_at: String,
    pub letter: NewDeadLetter,
}

#[async_trait]
pub trait Persister: Send + Sync + 'static {
    fn dialect(&self) -> Dialect;
    /// Creates the runtime's own tables if missing (ledger, checkpoints, dead letters),
    /// upgrades older layouts in place and records [`SCHEMA_VERSION`], never touching
    /// any other table. Idempotent, and safe when several instances run it at once;
    /// refuses ([`DbError::RuntimeTables`]) a database of a newer version.
    async fn migrate(&self) -> Result<(), DbError>;
    /// What the runtime's own tables look like (`serve` refuses to start, and `/ready`
    /// answers 503, unless [`RuntimeTables::check`] passes). One or two cheap queries.
    async fn runtime_tables(&self) -> Result<RuntimeTables, DbError>;
    /// Creates the example `lists`/`todos` tables if missing ([`example`]).
    async fn create_example_schema(&self) -> Result<(), DbError>;
    /// Cheap round trip for `/ready`.
    async fn ping(&self) -> Result<(), DbError>;
    /// The user tables and their columns (the runtime's own tables excluded).
    async fn introspect(&self) -> Result<DatabaseSchema, DbError>;
    /// Applies one transaction atomically with its ledger and checkpoint updates.
    async fn apply(&self, work: &TransactionWork<'_>) -> Result<Applied, DbError>;
    /// Stores a dead letter in its own database transaction; returns its id.
    async fn store_dead_letter(&self, letter: &NewDeadLetter) -> Result<String, DbError>;
    /// Dead letters, oldest first.
    async fn list_dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, DbError>;
    async fn get_dead_letter(&self, id: &str) -> Result<Option<DeadLetter>, DbError>;
    /// The dead letter stored for the transaction of `subject`'s `client_id` ending at
    /// `last_op_id` (its ledger key), so a replay is answered with the same failure.
    /// Another user's letters are never found, whatever `client_id` they sent.
    async fn find_dead_letter(
        &self,
        subject: &str,
        client_id: &str,
        last_op_id: i64,
    ) -> Result<Option<DeadLetter>, DbError>;
    /// Removes a dead letter; `false` when there was none with that id.
    async fn delete_dead_letter(&self, id: &str) -> Result<bool, DbError>;
}

/// A shared persister.
pub type SharedPersister = Arc<dyn Persister>;

/// What [`open`] needs besides the URL (the configuration's `pool_size`, `[sqlite]`,
/// `[postgres]` and `[mysql]`; see `Config::open_options`).
#[derive(Debug, Clone, PartialEq)]
pub struct OpenOptions {
    /// Connections kept open at most (PostgreSQL, MySQL).
    pub pool_size: usize,
    pub sqlite: sqlite::SqliteOptions,
    pub postgres: postgres::PostgresOptions,
    pub mysql: mysql::MysqlOptions,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            pool_size: 16,
            sqlite: sqlite::SqliteOptions::default(),
            postgres: postgres::PostgresOptions::default(),
            mysql: mysql::MysqlOptions::default(),
        }
    }
}

/// Opens the persister for a database URL: `sqlite://PATH`, `postgres://...`
/// (`postgresql://` too) or `mysql://...` (MySQL and MariaDB).
pub async fn open(url: &str, options: &OpenOptions) -> Result<SharedPersister, DbError> {
    if url.starts_with("sqlite:") {
        let persister = sqlite::SqlitePersister::connect(url, options.sqlite.clone()).await?;
        Ok(Arc::new(persister))
    } else if url.starts_with("mysql://") {
        let mut my = mysql::MysqlConfig::new(url);
        my.pool_size = options.pool_size;
        my.scripts = options.mysql.scripts;
        Ok(Arc::new(mysql::MysqlPersister::new(my)?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut pg = postgres::PostgresConfig::new(url);
        pg.pool_size = options.pool_size;
        pg.transaction_pooler = options.postgres.transaction_pooler;
        Ok(Arc::new(postgres::PostgresPersister::new(pg)?))
    } else {
        Err(DbError::Connection {
            message: format!(
                "unsupported database URL `{}`: use sqlite://PATH, postgres://USER@HOST:PORT/DATABASE or mysql://USER:PASSWORD@HOST:PORT/DATABASE",
                redact_url(url)
            ),
        })
    }
}

/// The URL without its password, for logs and messages (kept here for callers; the
/// work is in [`crate::redact`]).
pub use crate::redact::redact_url;

/// A connection string's option value with its `%XX` escapes decoded (`+` stays).
pub(crate) fn percent_decode(value: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| format!("`{value}` is not UTF-8 once decoded"))
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redact_url("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(redact_url("sqlite://data/a.db"), "sqlite://data/a.db");
    }
}
