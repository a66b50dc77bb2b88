//! PostgreSQL persister: tokio-postgres over a deadpool connection pool.
//!
//! One upload transaction is one database transaction. Its statements are pipelined
//! (sent together, answers read together): the ledger claim, one statement per group
//! of consecutive same-shape entries, the write checkpoint; then COMMIT. Each group is
//! a single statement over `UNNEST` of one `text[]` per column, every value cast to
//! its column's type in SQL, so the statement text depends only on the shape: it is
//! built once per shape ([`sql::SqlCache`]) and prepared once per connection. A group
//! of one entry uses the single-row form instead (one `text` per column), whose plan
//! PostgreSQL caches. When a grouped statement fails, the transaction is
//! rolled back and run again entry by entry (with deferred constraints made
//! immediate) to find the failing entry; that slow path runs only on failure.
//! Custom handlers run again in that slow path, so their effects outside the database
//! must be idempotent.
//!
//! Not supported yet: TLS connections (`NoTls` only).

mod convert;
mod error;
mod executor;
mod introspect;
mod sql;

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Transaction};
use serde_json::Value;
use tokio_postgres::types::ToSql;

pub use self::convert::to_text as convert_value;
use self::error::{from_pg, from_pool};
pub use self::introspect::RUNTIME_PREFIX;
pub use self::sql::quote_ident;
use self::sql::{Guard, Shape, ShapeSql, SqlCache};
use super::version::{self, SCHEMA_VERSION, TABLES, VERSION_TABLE};
use super::{
    Applied, DeadLetter, NewDeadLetter, Persister, RuntimeTables, SchemaProblem, TransactionWork,
};
use crate::classify;
use crate::schema::{DatabaseSchema, TableSchema};
use crate::vocab::Class;
use crate::vocab::{DbError, Dialect, MappedEntry, RowGuard, WriteOp};

/// How to reach the database.
#[derive(Debug, Clone, PartialEq)]
pub struct PostgresConfig {
    /// `postgres://user[:password]@host[:port]/database[?options]` (or `postgresql://`,
    /// or a key=value connection string). TLS is not supported yet.
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
}

impl PostgresConfig {
    pub fn new(url: impl Into<String>) -> Self {
        PostgresConfig {
            url: url.into(),
            pool_size: 16,
            connect_timeout: Duration::from_secs(5),
            schemas: vec!["public".to_string()],
            statement_cache_capacity: 256,
        }
    }
}

/// The runtime's own statements, with the table names qualified.
struct RuntimeSql {
    /// The schema the runtime's tables live in (the first configured one).
    schema: String,
    /// Qualified names, for messages.
    ledger: String,
    checkpoints: String,
    dead_letters: String,
    version: String,
    /// Run after `pg_advisory_xact_lock`, in the same transaction.
    migrate: String,
    /// Which runtime tables exist and whether the ledger has `subject` ($1: schema,
    /// $2: table names).
    tables: String,
    version_select: String,
    /// Claims the ledger row: inserts or raises `last_op_id`; 0 rows = a replay. The
    /// row stays locked until the transaction ends, so replays of one client queue up.
    ledger_claim: String,
    /// Raises the ledger to at least `$2` (dead letters).
    ledger_advance: String,
    checkpoint: String,
    dead_letter_insert: String,
    dead_letter_select: String,
    dead_letter_delete: String,
}

impl RuntimeSql {
    fn new(schema: &str) -> Self {
        let table = |name: &str| {
            format!(
                "{}.{}",
                quote_ident(schema),
                quote_ident(&format!("{RUNTIME_PREFIX}{name}"))
            )
        };
        let (ledger, checkpoints, dead_letters) =
            (table("ledger"), table("checkpoints"), table("dead_letters"));
        let version = format!("{}.{}", quote_ident(schema), quote_ident(VERSION_TABLE));
        // The ledger's qualified name as an SQL string literal (for `::regclass`).
        let ledger_literal = format!("'{}'", ledger.replace('\'', "''"));
        // An index is created in its table's schema, so its name is not qualified.
        let dead_letters_ledger_index =
            quote_ident(&format!("{RUNTIME_PREFIX}dead_letters_ledger"));
        let columns = "id::text, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), \
                       subject, client_id, \"transaction\"::text, error_code, error_message, error_details::text, \
                       operation_index, ledger_client_id, ledger_op_id";
        RuntimeSql {
            schema: schema.to_string(),
            tables: "SELECT c.relname::text, EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a \
                     WHERE a.attrelid = c.oid AND a.attname = 'subject' AND NOT a.attisdropped) \
                     FROM pg_catalog.pg_class c \
                     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname::text = $1::text AND c.relname::text = ANY($2::text[]) \
                       AND c.relkind IN ('r', 'p')"
                .to_string(),
            version_select: format!("SELECT max(version) FROM {version}"),
            // The ledger is keyed by the token's `sub` and the client id. A ledger of
            // the first layout (client id alone) is upgraded in place: its rows cannot
            // be attributed to a user, so they keep the empty subject (no token has an
            // empty `sub`), where they still answer replays of what was applied before
            // the upgrade and never move again.
            migrate: format!(
                "CREATE TABLE IF NOT EXISTS {ledger} (
                     subject text NOT NULL,
                     client_id text NOT NULL,
                     last_op_id bigint NOT NULL,
                     updated_at timestamptz NOT NULL DEFAULT now(),
                     PRIMARY KEY (subject, client_id));
                 DO $upgrade$
                 DECLARE pkey text;
                 BEGIN
                     IF NOT EXISTS (SELECT 1 FROM pg_attribute
                                    WHERE attrelid = {ledger_literal}::regclass
                                      AND attname = 'subject' AND NOT attisdropped) THEN
                         SELECT conname INTO pkey FROM pg_constraint
                          WHERE conrelid = {ledger_literal}::regclass AND contype = 'p';
                         ALTER TABLE {ledger} ADD COLUMN subject text NOT NULL DEFAULT '';
                         EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', {ledger_literal}, pkey);
                         ALTER TABLE {ledger} ADD PRIMARY KEY (subject, client_id);
                         ALTER TABLE {ledger} ALTER COLUMN subject DROP DEFAULT;
                     END IF;
                 END
                 $upgrade$;
                 CREATE TABLE IF NOT EXISTS {checkpoints} (
                     user_id text NOT NULL,
                     client_id text NOT NULL,
                     checkpoint bigint NOT NULL,
                     PRIMARY KEY (user_id, client_id));
                 CREATE TABLE IF NOT EXISTS {dead_letters} (
                     seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
                     id uuid PRIMARY KEY,
                     created_at timestamptz NOT NULL DEFAULT now(),
                     subject text NOT NULL,
                     client_id text,
                     \"transaction\" json NOT NULL,
                     error_code text NOT NULL,
                     error_message text NOT NULL,
                     error_details json NOT NULL,
                     operation_index integer NOT NULL,
                     ledger_client_id text,
                     ledger_op_id bigint);
                 CREATE INDEX IF NOT EXISTS {dead_letters_ledger_index}
                     ON {dead_letters} (ledger_client_id, ledger_op_id);
                 CREATE TABLE IF NOT EXISTS {version} (
                     singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                     version bigint NOT NULL,
                     migrated_at timestamptz NOT NULL DEFAULT now());
                 INSERT INTO {version} AS v (singleton, version) VALUES (true, {SCHEMA_VERSION})
                     ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version, migrated_at = now()
                     WHERE v.version <> EXCLUDED.version;"
            ),
            // A migrated row (empty subject) at or past the op id makes it a replay.
            ledger_claim: format!(
                "INSERT INTO {ledger} AS l (subject, client_id, last_op_id) \
                 SELECT $1::text, $2::text, $3::bigint WHERE NOT EXISTS (SELECT 1 FROM {ledger} \
                 WHERE subject = '' AND client_id = $2 AND last_op_id >= $3) \
                 ON CONFLICT (subject, client_id) \
                 DO UPDATE SET last_op_id = EXCLUDED.last_op_id, updated_at = now() \
                 WHERE l.last_op_id < EXCLUDED.last_op_id"
            ),
            ledger_advance: format!(
                "INSERT INTO {ledger} AS l (subject, client_id, last_op_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (subject, client_id) \
                 DO UPDATE SET last_op_id = GREATEST(l.last_op_id, EXCLUDED.last_op_id), updated_at = now()"
            ),
            checkpoint: format!(
                "INSERT INTO {checkpoints} AS c (user_id, client_id, checkpoint) VALUES ($1, $2, 1) \
                 ON CONFLICT (user_id, client_id) DO UPDATE SET checkpoint = c.checkpoint + 1 RETURNING checkpoint"
            ),
            dead_letter_insert: format!(
                "INSERT INTO {dead_letters} (id, subject, client_id, \"transaction\", error_code, error_message, \
                 error_details, operation_index, ledger_client_id, ledger_op_id) \
                 VALUES ($1::text::uuid, $2, $3, $4::text::json, $5, $6, $7::text::json, $8, $9, $10)"
            ),
            dead_letter_select: format!("SELECT {columns} FROM {dead_letters}"),
            dead_letter_delete: format!("DELETE FROM {dead_letters} WHERE id = $1::text::uuid"),
            ledger,
            checkpoints,
            dead_letters,
            version,
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
    write_statements: AtomicU64,
}

impl PostgresPersister {
    /// Builds the pool; connections are opened on first use (see [`Persister::ping`]).
    pub fn new(config: PostgresConfig) -> Result<Self, DbError> {
        let pg_config: tokio_postgres::Config =
            config.url.parse().map_err(|error| DbError::Connection {
                message: format!("invalid PostgreSQL URL: {error}"),
            })?;
        let mut pg_config = pg_config;
        pg_config.connect_timeout(config.connect_timeout);
        if pg_config.get_application_name().is_none() {
            pg_config.application_name("powersync-write-server");
        }
        let manager = Manager::from_config(
            pg_config,
            tokio_postgres::NoTls,
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

    /// One try at the transaction. `careful`: entry by entry, constraints immediate.
    async fn attempt(
        &self,
        client: &mut deadpool_postgres::Client,
        work: &TransactionWork<'_>,
        steps: &[Step<'_>],
        careful: bool,
    ) -> Result<Option<i64>, Stop> {
        let tx = client
            .transaction()
            .await
            .map_err(|e| Stop::Fail(from_pg(&e, None)))?;
        if careful {
            tx.batch_execute("SET CONSTRAINTS ALL IMMEDIATE")
                .await
                .map_err(|e| Stop::Fail(from_pg(&e, None)))?;
        }
        let mut batch: Vec<Item<'_>> = Vec::new();
        if work.idempotency.is_some() {
            batch.push(Item::Ledger);
        }
        for step in steps {
            match step {
                Step::Write(group) => batch.push(Item::Write(group)),
                Step::Handler(entry) => {
                    self.flush(&tx, work, std::mem::take(&mut batch)).await?;
                    self.run_handler(&tx, work, entry)
                        .await
                        .map_err(Stop::Fail)?;
                }
            }
        }
        if work.checkpoint.is_some() {
            batch.push(Item::Checkpoint);
        }
        let checkpoint = self.flush(&tx, work, batch).await?;
        tx.commit().await.map_err(|e| {
            // A deferred constraint fails at COMMIT: the careful run finds its entry.
            let error = from_pg(&e, None);
            if !careful && worth_locating(&error) {
                Stop::Locate(error)
            } else {
                Stop::Fail(error)
            }
        })?;
        Ok(checkpoint)
    }

    /// Sends the items as one pipeline and reads the answers in order; returns the
    /// checkpoint when one was among them.
    async fn flush(
        &self,
        tx: &Transaction<'_>,
        work: &TransactionWork<'_>,
        items: Vec<Item<'_>>,
    ) -> Result<Option<i64>, Stop> {
        if items.is_empty() {
            return Ok(None);
        }
        // Prepare first (cached per connection), so the executions go out in order.
        let mut statements = Vec::with_capacity(items.len());
        for item in &items {
            self.bound_statement_cache(tx);
            let sql = match item {
                Item::Ledger => &self.sql.ledger_claim,
                Item::Write(group) => group.sql(),
                Item::Checkpoint => &self.sql.checkpoint,
            };
            let statement = tx
                .prepare_cached(sql)
                .await
                .map_err(|e| Stop::Fail(self.item_error(item, &e)))?;
            statements.push(statement);
        }
        let subject = &work.principal.subject;
        let idempotency = work.idempotency.map(|i| (i.client_id, i.last_op_id));
        let checkpoint_key = work.checkpoint.map(|c| (c.user_id, c.client_id));
        let mut params: Vec<Vec<&(dyn ToSql + Sync)>> = Vec::with_capacity(items.len());
        for item in &items {
            params.push(match item {
                Item::Ledger => match &idempotency {
                    Some((client_id, last_op_id)) => {
                        vec![subject as &(dyn ToSql + Sync), client_id, last_op_id]
                    }
                    None => Vec::new(),
                },
                Item::Write(group) => group.params(),
                Item::Checkpoint => match &checkpoint_key {
                    Some((user_id, client_id)) => vec![user_id as &(dyn ToSql + Sync), client_id],
                    None => Vec::new(),
                },
            });
        }
        type Answer<'f> =
            Pin<Box<dyn Future<Output = Result<i64, tokio_postgres::Error>> + Send + 'f>>;
        let futures =
            items
                .iter()
                .zip(&statements)
                .zip(&params)
                .map(|((item, statement), params)| {
                    let returns_row = matches!(item, Item::Checkpoint);
                    let answer: Answer<'_> = Box::pin(async move {
                        if returns_row {
                            tx.query_one(statement, params).await?.try_get::<_, i64>(0)
                        } else {
                            tx.execute(statement, params).await.map(|rows| rows as i64)
                        }
                    });
                    answer
                });
        let answers = futures_util::future::join_all(futures).await;
        let mut checkpoint = None;
        for (item, answer) in items.iter().zip(answers) {
            match (item, answer) {
                (Item::Ledger, Ok(0)) => return Err(Stop::Duplicate),
                (Item::Ledger, Ok(_)) => {}
                (Item::Write(group), Ok(rows)) => {
                    self.write_statements.fetch_add(1, Ordering::Relaxed);
                    if group.subject.is_some()
                        && usize::try_from(rows).unwrap_or(0) < group.indexes.len()
                    {
                        self.guard_failed(tx, work, group).await?;
                    }
                }
                (Item::Checkpoint, Ok(value)) => checkpoint = Some(value),
                (Item::Write(group), Err(e)) => {
                    let located = group.indexes.len() == 1;
                    let error = from_pg(&e, located.then_some(group.indexes[0]));
                    return Err(if !located && worth_locating(&error) {
                        Stop::Locate(error)
                    } else {
                        Stop::Fail(error)
                    });
                }
                (_, Err(e)) => return Err(Stop::Fail(self.item_error(item, &e))),
            }
        }
        Ok(checkpoint)
    }

    /// The error of a pipeline item: on the ledger or checkpoints, a missing table or
    /// column is the runtime's ([`DbError::RuntimeTables`]).
    fn item_error(&self, item: &Item<'_>, error: &tokio_postgres::Error) -> DbError {
        match item {
            Item::Ledger => runtime_error(&self.sql.ledger, error),
            Item::Checkpoint => runtime_error(&self.sql.checkpoints, error),
            Item::Write(_) => from_pg(error, item.first_index()),
        }
    }

    /// A guarded statement touched fewer rows than it has entries: some row failed
    /// its guard, or (PATCH, DELETE) does not exist, which is a no-op. A group of
    /// several is located entry by entry; for one entry, a refusal unless its row is
    /// missing.
    async fn guard_failed(
        &self,
        tx: &Transaction<'_>,
        work: &TransactionWork<'_>,
        group: &Group,
    ) -> Result<(), Stop> {
        let entry_at = |index: usize| {
            work.entries
                .iter()
                .find(|entry| entry.operation_index == index)
        };
        let Some(entry) = group.indexes.first().and_then(|index| entry_at(*index)) else {
            return Ok(());
        };
        let Some(guard) = &entry.guard else {
            return Ok(());
        };
        if !group.single() {
            return Err(Stop::Locate(guard.denied(entry)));
        }
        let exists = matches!(entry.op, WriteOp::Put(_))
            || self
                .row_exists(tx, work.schema, entry, group.params.first())
                .await
                .map_err(Stop::Fail)?;
        if exists {
            return Err(Stop::Fail(guard.denied(entry)));
        }
        Ok(())
    }

    /// Whether the entry's table has a row with its key (`key` as converted text).
    async fn row_exists(
        &self,
        tx: &Transaction<'_>,
        schema: &DatabaseSchema,
        entry: &MappedEntry,
        key: Option<&Vec<Option<String>>>,
    ) -> Result<bool, DbError> {
        let index = Some(entry.operation_index);
        let (Some(table), Some(Some(key))) = (
            schema.tables.get(&entry.table),
            key.and_then(|values| values.first()),
        ) else {
            return Ok(false);
        };
        let Some(key_column) = table.column(&entry.key_column) else {
            return Ok(false);
        };
        let sql = format!(
            "SELECT 1 FROM {} WHERE {} = $1::text::{}",
            sql::qualified(table),
            quote_ident(&key_column.name),
            key_column.sql_type
        );
        let rows = tx
            .query(&sql, &[key])
            .await
            .map_err(|e| from_pg(&e, index))?;
        Ok(!rows.is_empty())
    }

    async fn run_handler(
        &self,
        tx: &Transaction<'_>,
        work: &TransactionWork<'_>,
        entry: &MappedEntry,
    ) -> Result<(), DbError> {
        let Some(handler) = work.handlers.get(&entry.client_table) else {
            return Ok(());
        };
        let crud = entry.wire_entry();
        let mut executor = executor::TxExecutor::new(
            tx,
            self,
            work.schema,
            &work.principal.subject,
            entry.operation_index,
        );
        handler
            .handle(work.principal, &crud, entry, &mut executor)
            .await
            .map_err(|error| error.at_operation(entry.operation_index))
    }

    /// Keeps the connection's prepared statements under the capacity. Dropping the
    /// cache's statements closes them on the server (those a caller still holds are
    /// closed once it is done with them).
    fn bound_statement_cache(&self, tx: &Transaction<'_>) {
        if tx.statement_cache.size() >= self.statement_cache_capacity {
            tx.statement_cache.clear();
        }
    }

    /// Runs one entry the default way inside `tx` (for [`executor::TxExecutor`]).
    async fn apply_one(
        &self,
        tx: &Transaction<'_>,
        schema: &DatabaseSchema,
        entry: &MappedEntry,
        subject: &str,
    ) -> Result<(), DbError> {
        let Some(prepared) = prepare_entry(&self.statements, schema, entry, subject)? else {
            return Ok(());
        };
        let index = Some(entry.operation_index);
        self.bound_statement_cache(tx);
        let statement = tx
            .prepare_cached(&prepared.sql.single)
            .await
            .map_err(|e| from_pg(&e, index))?;
        let mut refs: Vec<&(dyn ToSql + Sync)> = prepared
            .values
            .iter()
            .map(|p| p as &(dyn ToSql + Sync))
            .collect();
        if let Some(subject) = &prepared.subject {
            refs.push(subject);
        }
        let rows = tx
            .execute(&statement, &refs)
            .await
            .map_err(|e| from_pg(&e, index))?;
        self.write_statements.fetch_add(1, Ordering::Relaxed);
        if let Some(guard) = &entry.guard
            && rows == 0
        {
            let key = prepared.values.into_iter().take(1).collect::<Vec<_>>();
            if matches!(entry.op, WriteOp::Put(_))
                || self.row_exists(tx, schema, entry, Some(&key)).await?
            {
                return Err(guard.denied(entry));
            }
        }
        Ok(())
    }

    /// [`Persister::runtime_tables`] on a connection or in a transaction.
    async fn read_runtime_tables(
        &self,
        client: &impl deadpool_postgres::GenericClient,
    ) -> Result<RuntimeTables, DbError> {
        let mut names: Vec<&str> = TABLES.to_vec();
        names.push(VERSION_TABLE);
        let statement = client
            .prepare_cached(&self.sql.tables)
            .await
            .map_err(|e| from_pg(&e, None))?;
        let rows = client
            .query(&statement, &[&self.sql.schema, &names])
            .await
            .map_err(|e| from_pg(&e, None))?;
        let mut found = RuntimeTables::default();
        let mut versioned = false;
        for row in rows {
            let name: String = row.get(0);
            if name == VERSION_TABLE {
                versioned = true;
            } else {
                if name == TABLES[0] {
                    found.ledger_has_subject = row.get(1);
                }
                found.present.push(name);
            }
        }
        if versioned {
            found.recorded_version = client
                .query_one(&self.sql.version_select, &[])
                .await
                .and_then(|row| row.try_get(0))
                .map_err(|e| runtime_error(&self.sql.version, &e))?;
        }
        Ok(found)
    }

    fn dead_letter(row: &tokio_postgres::Row) -> Result<DeadLetter, tokio_postgres::Error> {
        let json = |text: String| serde_json::from_str(&text).unwrap_or(Value::String(text));
        let operation_index: i32 = row.try_get(8)?;
        let ledger_client: Option<String> = row.try_get(9)?;
        let ledger_op: Option<i64> = row.try_get(10)?;
        Ok(DeadLetter {
            id: row.try_get(0)?,
            created_at: row.try_get(1)?,
            letter: NewDeadLetter {
                subject: row.try_get(2)?,
                client_id: row.try_get(3)?,
                transaction: json(row.try_get(4)?),
                error_code: row.try_get(5)?,
                error_message: row.try_get(6)?,
                error_details: json(row.try_get(7)?),
                operation_index: usize::try_from(operation_index).unwrap_or_default(),
                idempotency: ledger_client.zip(ledger_op),
            },
        })
    }
}

#[async_trait]
impl Persister for PostgresPersister {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn migrate(&self) -> Result<(), DbError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| from_pg(&e, None))?;
        // Instances starting at once (a deploy) migrate one after the other: the next
        // finds the work done. Concurrent CREATE TABLE IF NOT EXISTS can otherwise fail.
        tx.batch_execute("SELECT pg_advisory_xact_lock(hashtext('powersync_write_migrate'))")
            .await
            .map_err(|e| from_pg(&e, None))?;
        if let Err(problem @ SchemaProblem::Newer { .. }) =
            self.read_runtime_tables(&tx).await?.check()
        {
            return Err(problem.into());
        }
        tx.batch_execute(&self.sql.migrate)
            .await
            .map_err(|e| from_pg(&e, None))?;
        tx.commit().await.map_err(|e| from_pg(&e, None))
    }

    async fn runtime_tables(&self) -> Result<RuntimeTables, DbError> {
        let client = self.client().await?;
        self.read_runtime_tables(&client).await
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
        // Values are converted before the database is touched.
        let steps = plan(&self.statements, work, true)?;
        let mut client = self.client().await?;
        let outcome = match self.attempt(&mut client, work, &steps, false).await {
            Err(Stop::Locate(_)) => {
                let steps = plan(&self.statements, work, false)?;
                self.attempt(&mut client, work, &steps, true).await
            }
            other => other,
        };
        match outcome {
            Ok(write_checkpoint) => Ok(Applied::Written { write_checkpoint }),
            Err(Stop::Duplicate) => Ok(Applied::Duplicate),
            Err(Stop::Fail(error) | Stop::Locate(error)) => Err(error),
        }
    }

    async fn store_dead_letter(&self, letter: &NewDeadLetter) -> Result<String, DbError> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(|e| runtime_error(&self.sql.dead_letters, &e))?;
        if let Some((client_id, last_op_id)) = &letter.idempotency {
            tx.execute(
                &self.sql.ledger_advance,
                &[&letter.subject, client_id, last_op_id],
            )
            .await
            .map_err(|e| runtime_error(&self.sql.ledger, &e))?;
        }
        let transaction = letter.transaction.to_string();
        let details = letter.error_details.to_string();
        let operation_index = i32::try_from(letter.operation_index).unwrap_or(i32::MAX);
        let ledger_client = letter.idempotency.as_ref().map(|(c, _)| c.as_str());
        let ledger_op = letter.idempotency.as_ref().map(|(_, op)| *op);
        tx.execute(
            &self.sql.dead_letter_insert,
            &[
                &id,
                &letter.subject,
                &letter.client_id,
                &transaction,
                &letter.error_code,
                &letter.error_message,
                &details,
                &operation_index,
                &ledger_client,
                &ledger_op,
            ],
        )
        .await
        .map_err(|e| runtime_error(&self.sql.dead_letters, &e))?;
        tx.commit()
            .await
            .map_err(|e| runtime_error(&self.sql.dead_letters, &e))?;
        Ok(id)
    }

    async fn list_dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, DbError> {
        let client = self.client().await?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = format!("{} ORDER BY seq LIMIT $1", self.sql.dead_letter_select);
        let rows = client
            .query(&sql, &[&limit])
            .await
            .map_err(|e| runtime_error(&self.sql.dead_letters, &e))?;
        rows.iter()
            .map(Self::dead_letter)
            .collect::<Result<_, _>>()
            .map_err(|e| runtime_error(&self.sql.dead_letters, &e))
    }

    async fn find_dead_letter(
        &self,
        subject: &str,
        client_id: &str,
        last_op_id: i64,
    ) -> Result<Option<DeadLetter>, DbError> {
        let client = self.client().await?;
        let sql = format!(
            "{} WHERE subject = $1 AND ledger_client_id = $2 AND ledger_op_id = $3 \
             ORDER BY created_at LIMIT 1",
            self.sql.dead_letter_select
        );
        let row = client
            .query_opt(&sql, &[&subject, &client_id, &last_op_id])
            .await
            .map_err(|e| runtime_error(&self.sql.dead_letters, &e))?;
        row.as_ref()
            .map(Self::dead_letter)
            .transpose()
            .map_err(|e| runtime_error(&self.sql.dead_letters, &e))
    }

    async fn get_dead_letter(&self, id: &str) -> Result<Option<DeadLetter>, DbError> {
        if uuid::Uuid::parse_str(id).is_err() {
            return Ok(None);
        }
        let client = self.client().await?;
        let sql = format!("{} WHERE id = $1::text::uuid", self.sql.dead_letter_select);
        let row = client
            .query_opt(&sql, &[&id])
            .await
            .map_err(|e| runtime_error(&self.sql.dead_letters, &e))?;
        row.as_ref()
            .map(Self::dead_letter)
            .transpose()
            .map_err(|e| runtime_error(&self.sql.dead_letters, &e))
    }

    async fn delete_dead_letter(&self, id: &str) -> Result<bool, DbError> {
        if uuid::Uuid::parse_str(id).is_err() {
            return Ok(false);
        }
        let client = self.client().await?;
        let deleted = client
            .execute(&self.sql.dead_letter_delete, &[&id])
            .await
            .map_err(|e| runtime_error(&self.sql.dead_letters, &e))?;
        Ok(deleted > 0)
    }
}

/// The error of a statement on one of the runtime's tables: a missing table or column,
/// or a conflict target the ledger of an older layout lacks, is the runtime's
/// ([`DbError::RuntimeTables`]); anything else as usual.
fn runtime_error(table: &str, error: &tokio_postgres::Error) -> DbError {
    match from_pg(error, None) {
        // 42P01 undefined table, 42703 undefined column, 42P10 no unique index for the
        // ON CONFLICT target.
        DbError::Database { code, message, .. }
            if ["42P01", "42703", "42P10"].contains(&code.as_str()) =>
        {
            version::table_error(table, &message)
        }
        other => other,
    }
}

/// Why an attempt stopped.
enum Stop {
    Fail(DbError),
    /// A grouped statement failed and its entry is unknown: run entry by entry.
    Locate(DbError),
    /// The ledger says the transaction was applied before.
    Duplicate,
}

/// Retryable errors need no entry; everything the database refused does.
fn worth_locating(error: &DbError) -> bool {
    match error {
        DbError::Database { code, .. } => {
            classify::postgres::classify(code) != Some(Class::Retryable)
        }
        _ => false,
    }
}

/// One statement of the pipeline.
enum Item<'p> {
    Ledger,
    Write(&'p Group),
    Checkpoint,
}

impl Item<'_> {
    fn first_index(&self) -> Option<usize> {
        match self {
            Item::Write(group) => group.indexes.first().copied(),
            _ => None,
        }
    }
}

/// Consecutive entries of one shape: one statement; per column, one `text[]`, or a
/// `text` when the group has one entry.
struct Group {
    sql: Arc<ShapeSql>,
    keys: HashSet<String>,
    /// Per column, its value in each entry.
    params: Vec<Vec<Option<String>>>,
    indexes: Vec<usize>,
    /// The uploader's subject when the statement is guarded (its last parameter).
    subject: Option<String>,
}

impl Group {
    /// One entry: the single-row statement, whose plan PostgreSQL caches.
    fn single(&self) -> bool {
        self.indexes.len() == 1
    }

    fn sql(&self) -> &str {
        if self.single() {
            &self.sql.single
        } else {
            &self.sql.grouped
        }
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        let mut params: Vec<&(dyn ToSql + Sync)> = if self.single() {
            self.params
                .iter()
                .filter_map(|column| column.first())
                .map(|value| value as &(dyn ToSql + Sync))
                .collect()
        } else {
            self.params
                .iter()
                .map(|column| column as &(dyn ToSql + Sync))
                .collect()
        };
        if let Some(subject) = &self.subject {
            params.push(subject);
        }
        params
    }
}

enum Step<'w> {
    Write(Group),
    /// An entry owned by a custom handler.
    Handler(&'w MappedEntry),
}

/// One entry, converted: its statement and its values (key first).
struct PreparedEntry {
    sql: Arc<ShapeSql>,
    values: Vec<Option<String>>,
    /// The uploader's subject, the last parameter of a guarded statement.
    subject: Option<String>,
}

/// Groups and converts the entries; `grouped: false` gives one statement per entry.
fn plan<'w>(
    cache: &SqlCache,
    work: &TransactionWork<'w>,
    grouped: bool,
) -> Result<Vec<Step<'w>>, DbError> {
    let mut steps: Vec<Step<'w>> = Vec::new();
    for entry in work.entries {
        if work.handlers.contains(&entry.client_table) {
            steps.push(Step::Handler(entry));
            continue;
        }
        let Some(prepared) = prepare_entry(cache, work.schema, entry, &work.principal.subject)?
        else {
            continue;
        };
        let key = prepared
            .values
            .first()
            .cloned()
            .flatten()
            .unwrap_or_default();
        if grouped
            && let Some(Step::Write(group)) = steps.last_mut()
            && (Arc::ptr_eq(&group.sql, &prepared.sql) || group.sql == prepared.sql)
            && !group.keys.contains(&key)
        {
            // The same id twice in one statement is an error (upsert) or ambiguous
            // (update): such an entry starts a new group instead.
            for (column, value) in group.params.iter_mut().zip(prepared.values) {
                column.push(value);
            }
            group.keys.insert(key);
            group.indexes.push(entry.operation_index);
            continue;
        }
        steps.push(Step::Write(Group {
            sql: prepared.sql,
            keys: HashSet::from([key]),
            params: prepared
                .values
                .into_iter()
                .map(|value| vec![value])
                .collect(),
            indexes: vec![entry.operation_index],
            subject: prepared.subject,
        }));
    }
    Ok(steps)
}

/// Resolves an entry against the schema and converts its values. `None`: nothing to
/// write (a PATCH without columns).
fn prepare_entry(
    cache: &SqlCache,
    schema: &DatabaseSchema,
    entry: &MappedEntry,
    subject: &str,
) -> Result<Option<PreparedEntry>, DbError> {
    let index = entry.operation_index;
    let unknown = |code: &str, column: Option<&str>, message: String| DbError::Database {
        dialect: Dialect::Postgres,
        code: code.to_string(),
        message,
        table: Some(entry.table.clone()),
        column: column.map(str::to_string),
        constraint: None,
        operation_index: Some(index),
    };
    let table: &TableSchema = schema.tables.get(&entry.table).ok_or_else(|| {
        unknown(
            "42P01",
            None,
            format!("table `{}` is not in the introspected schema", entry.table),
        )
    })?;
    let key = table.column(&entry.key_column).ok_or_else(|| {
        unknown(
            "42703",
            Some(&entry.key_column),
            format!(
                "table `{}` has no column `{}`",
                entry.table, entry.key_column
            ),
        )
    })?;
    let invalid = |column: &str, message: String| DbError::InvalidValue {
        table: entry.table.clone(),
        column: column.to_string(),
        message,
        operation_index: index,
    };
    let mut columns = Vec::with_capacity(entry.columns.len());
    if !matches!(entry.op, WriteOp::Delete) {
        for (name, value) in &entry.columns {
            // The row id comes from the entry's `id`; a copy in the data is ignored.
            if name == &key.name {
                continue;
            }
            let column = table.column(name).ok_or_else(|| {
                unknown(
                    "42703",
                    Some(name),
                    format!("table `{}` has no column `{name}`", entry.table),
                )
            })?;
            // A column given twice (two renamed client columns): the last one wins.
            columns.retain(|(c, _): &(&crate::schema::ColumnSchema, &Value)| c.name != column.name);
            columns.push((column, value));
        }
    }
    columns.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    let key_text = convert::to_text(&key.ty, &entry.id)
        .map_err(|message| invalid(&key.name, message))?
        .ok_or_else(|| invalid(&key.name, "the row id is null".to_string()))?;
    let mut values = Vec::with_capacity(columns.len() + 1);
    values.push(Some(key_text));
    for (column, value) in &columns {
        values.push(
            convert::to_text(&column.ty, value)
                .map_err(|message| invalid(&column.name, message))?,
        );
    }
    let guard = match &entry.guard {
        None => None,
        Some(RowGuard::Owner { column }) => Some(Guard::Owner {
            column: table.column(column).ok_or_else(|| {
                unknown(
                    "42703",
                    Some(column),
                    format!("table `{}` has no owner column `{column}`", entry.table),
                )
            })?,
        }),
        Some(RowGuard::Parent {
            column,
            parent_table,
            parent_key,
            parent_owner,
        }) => {
            let parent = schema.tables.get(parent_table).ok_or_else(|| {
                unknown(
                    "42P01",
                    None,
                    format!("parent table `{parent_table}` is not in the introspected schema"),
                )
            })?;
            fn column_in<'s>(
                owner: &'s TableSchema,
                name: &str,
                unknown: impl Fn(&str, Option<&str>, String) -> DbError,
            ) -> Result<&'s crate::schema::ColumnSchema, DbError> {
                owner.column(name).ok_or_else(|| {
                    unknown(
                        "42703",
                        Some(name),
                        format!("table `{}` has no column `{name}`", owner.name),
                    )
                })
            }
            Some(Guard::Parent {
                column: column_in(table, column, unknown)?,
                parent,
                key: column_in(parent, parent_key, unknown)?,
                owner: column_in(parent, parent_owner, unknown)?,
            })
        }
    };
    let subject = guard.as_ref().map(|_| subject.to_string());
    let shape = Shape {
        table,
        op: entry.op,
        key,
        columns: columns.iter().map(|(c, _)| *c).collect(),
        guard,
    };
    Ok(cache.statements(&shape).map(|sql| PreparedEntry {
        sql,
        values,
        subject,
    }))
}
