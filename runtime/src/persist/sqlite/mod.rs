//! The SQLite persister: the embedded default, no server needed.
//!
//! One writer connection behind an async mutex serialises writes (SQLite allows one
//! writer at a time anyway); reads (`ping`, `introspect`, dead-letter reads) use a
//! small pool of read connections, which WAL mode lets run beside the writer. All
//! SQLite calls run on tokio's blocking pool. Upload transactions use `BEGIN
//! IMMEDIATE`, so the write lock is taken before anything runs.
//!
//! The files, as for every database: this one holds the options, the connections and
//! the [`Persister`] implementation, which delegates; `introspect` reads the schema,
//! `convert` turns JSON values into column values (`datetime` checks date and time
//! text, which SQLite stores as given), `statements` holds the SQL text, `store` runs
//! transactions and dead letters, `classify` turns errors into [`DbError`] and result
//! codes into classes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::Connection;
use serde::Deserialize;

use crate::persist::{
    Applied, DeadLetter, NewDeadLetter, Persister, RuntimeTables, TransactionWork,
};
use crate::schema::DatabaseSchema;
use crate::vocab::{DbError, Dialect};

pub mod classify;
mod convert;
mod datetime;
mod introspect;
mod statements;
mod store;

pub use classify::{CLIENT_LIBRARY_CODE, db_error};
/// Converts one JSON value for a column of the given type, as the persister does
/// before writing: `Err` is the message of the column's INVALID_DATA. Public for the
/// conversion's fuzz targets and tests; the persister itself is the usual entry.
pub use convert::convert as convert_value;
pub use statements::quote;

/// `PRAGMA synchronous` of the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    /// Every commit is on disk before it is acknowledged (the default: nothing is
    /// acknowledged that a power loss could undo).
    #[default]
    Full,
    /// Faster; in WAL mode a power loss may undo the last commits (never corrupts).
    Normal,
}

/// Settings of the SQLite persister (the `[sqlite]` table of the configuration).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SqliteOptions {
    /// How long a statement waits for another connection's lock before failing
    /// with SQLITE_BUSY (retryable).
    pub busy_timeout_ms: u64,
    pub synchronous: Synchronous,
    /// Idle read connections kept open.
    pub max_idle_readers: usize,
    /// Prepared statements cached per connection.
    pub statement_cache_capacity: usize,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            busy_timeout_ms: 5_000,
            synchronous: Synchronous::Full,
            max_idle_readers: 4,
            statement_cache_capacity: 256,
        }
    }
}

/// The file of a `sqlite://PATH` URL (`sqlite:///abs/app.db`, `sqlite://data/app.db`).
pub fn path_from_url(url: &str) -> Option<PathBuf> {
    url.strip_prefix("sqlite://")
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
}

/// The SQLite persister. Cheap to clone (shared connections).
#[derive(Clone)]
pub struct SqlitePersister {
    shared: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    options: SqliteOptions,
    writer: Arc<tokio::sync::Mutex<Connection>>,
    readers: Mutex<Vec<Connection>>,
}

impl SqlitePersister {
    /// Opens the database of a `sqlite://PATH` URL (see [`SqlitePersister::open`]).
    pub async fn connect(url: &str, options: SqliteOptions) -> Result<Self, DbError> {
        let path = path_from_url(url).ok_or_else(|| DbError::Connection {
            message: format!("not a SQLite URL (expected sqlite://PATH): {url}"),
        })?;
        Self::open(path, options).await
    }

    /// Opens (creating the file and its folder if missing) the database at `path`,
    /// in WAL mode with foreign keys enforced. A failure is `DbError::Connection`.
    pub async fn open(path: impl Into<PathBuf>, options: SqliteOptions) -> Result<Self, DbError> {
        let path = path.into();
        let writer = {
            let (path, options) = (path.clone(), options.clone());
            tokio::task::spawn_blocking(move || open_writer(&path, &options))
                .await
                .map_err(|error| classify::connection_error("opening the database", error))??
        };
        Ok(SqlitePersister {
            shared: Arc::new(Shared {
                path,
                options,
                writer: Arc::new(tokio::sync::Mutex::new(writer)),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Runs `work` on the writer connection on the blocking pool.
    async fn write<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    {
        // Waiting for the writer happens here, not on a blocking thread.
        let mut writer = self.shared.writer.clone().lock_owned().await;
        tokio::task::spawn_blocking(move || {
            store::rollback(&writer);
            work(&mut writer)
        })
        .await
        .map_err(|error| classify::connection_error("sqlite worker", error))?
    }

    /// Runs `work` on a read connection on the blocking pool.
    async fn read<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    {
        let shared = self.shared.clone();
        tokio::task::spawn_blocking(move || {
            let idle = shared
                .readers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop();
            let conn = match idle {
                Some(conn) => conn,
                None => open_reader(&shared.path, &shared.options)?,
            };
            let result = work(&conn);
            let mut readers = shared.readers.lock().unwrap_or_else(|p| p.into_inner());
            if readers.len() < shared.options.max_idle_readers {
                readers.push(conn);
            }
            result
        })
        .await
        .map_err(|error| classify::connection_error("sqlite worker", error))?
    }
}

fn open_connection(path: &Path, options: &SqliteOptions) -> Result<Connection, DbError> {
    let fail = |error: rusqlite::Error| {
        classify::connection_error(
            &format!("opening SQLite database {}", path.display()),
            error,
        )
    };
    let conn = Connection::open(path).map_err(fail)?;
    conn.busy_timeout(Duration::from_millis(options.busy_timeout_ms))
        .map_err(fail)?;
    conn.set_prepared_statement_cache_capacity(options.statement_cache_capacity);
    Ok(conn)
}

fn open_writer(path: &Path, options: &SqliteOptions) -> Result<Connection, DbError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| {
            classify::connection_error(&format!("creating {}", parent.display()), error)
        })?;
    }
    let conn = open_connection(path, options)?;
    let synchronous = match options.synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    };
    // The first statements read the file: a non-database file fails here.
    conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
        row.get::<_, String>(0)
    })
    .and_then(|_| {
        conn.execute_batch(&format!(
            "PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;"
        ))
    })
    .map_err(|error| {
        classify::connection_error(
            &format!("opening SQLite database {}", path.display()),
            error,
        )
    })?;
    Ok(conn)
}

fn open_reader(path: &Path, options: &SqliteOptions) -> Result<Connection, DbError> {
    let conn = open_connection(path, options)?;
    conn.execute_batch("PRAGMA query_only = ON")
        .map_err(|error| {
            classify::connection_error(
                &format!("opening SQLite database {}", path.display()),
                error,
            )
        })?;
    Ok(conn)
}

#[async_trait]
impl Persister for SqlitePersister {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn migrate(&self) -> Result<(), DbError> {
        self.write(store::migrate).await
    }

    async fn runtime_tables(&self) -> Result<RuntimeTables, DbError> {
        self.read(store::runtime_tables).await
    }

    async fn create_example_schema(&self) -> Result<(), DbError> {
        self.write(|conn| {
            conn.execute_batch(super::example::SQLITE)
                .map_err(|error| db_error(error, None))
        })
        .await
    }

    async fn ping(&self) -> Result<(), DbError> {
        self.read(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(|error| db_error(error, None))
        })
        .await
    }

    async fn introspect(&self) -> Result<DatabaseSchema, DbError> {
        self.read(introspect::run).await
    }

    async fn apply(&self, work: &TransactionWork<'_>) -> Result<Applied, DbError> {
        let job = store::Job::new(work, tokio::runtime::Handle::current());
        self.write(move |conn| store::run(conn, &job)).await
    }

    async fn store_dead_letter(&self, letter: &NewDeadLetter) -> Result<String, DbError> {
        let letter = letter.clone();
        self.write(move |conn| store::keep_dead_letter(conn, &letter))
            .await
    }

    async fn list_dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, DbError> {
        self.read(move |conn| store::list_dead_letters(conn, limit))
            .await
    }

    async fn get_dead_letter(&self, id: &str) -> Result<Option<DeadLetter>, DbError> {
        let id = id.to_string();
        self.read(move |conn| store::get_dead_letter(conn, &id))
            .await
    }

    async fn find_dead_letter(
        &self,
        subject: &str,
        client_id: &str,
        last_op_id: i64,
    ) -> Result<Option<DeadLetter>, DbError> {
        let (subject, client_id) = (subject.to_string(), client_id.to_string());
        self.read(move |conn| store::find_dead_letter(conn, &subject, &client_id, last_op_id))
            .await
    }

    async fn delete_dead_letter(&self, id: &str) -> Result<bool, DbError> {
        let id = id.to_string();
        self.write(move |conn| store::delete_dead_letter(conn, &id))
            .await
    }
}
