//! Running transactions on the writer connection: an upload transaction inside `BEGIN
//! IMMEDIATE` (the write lock is taken up front, so a busy database fails before
//! anything runs rather than at the first write), custom handlers (through
//! [`TxExecutor`], the open transaction as a [`SqlExecutor`]), and the runtime's own
//! tables: idempotency ledger, write checkpoints, dead letters, version.
//!
//! SQLite runs in-process, so a round trip costs nothing: the "one statement per
//! group" of the design is one cached prepared statement per run of consecutive
//! entries with the same table, operation and column set, executed once per entry.
//! That also gives every failure its entry directly, with no slow path to locate it.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde_json::{Map, Number, Value};

use super::classify::{db_error, missing, runtime_error};
use super::convert::convert;
use super::statements::{
    CHECKPOINT_INCREMENT, CHECKPOINTS, DEAD_LETTER_COLUMNS, DEAD_LETTER_DELETE, DEAD_LETTER_INSERT,
    DEAD_LETTERS, LEDGER, LEDGER_ADVANCE, LEDGER_LAST, MIGRATION, Shape, UPGRADE_LEDGER, quote,
    statement,
};
use crate::hooks::{SqlExecutor, SqlParam, TableHandler};
use crate::persist::version::{
    RuntimeTables, SCHEMA_VERSION, SchemaProblem, TABLES, VERSION_TABLE,
};
use crate::persist::{Applied, DeadLetter, NewDeadLetter, TransactionWork};
use crate::schema::{ColumnSchema, DatabaseSchema, TableSchema};
use crate::vocab::{DbError, Dialect, MappedEntry, Principal, WriteOp};

/// Everything `apply` needs, owned, so it can move to a blocking thread.
pub struct Job {
    pub principal: Principal,
    pub entries: Vec<MappedEntry>,
    /// The custom handler of each entry, if its client table has one.
    pub handlers: Vec<Option<Arc<dyn TableHandler>>>,
    /// The tables the entries write (the whole schema when a handler runs).
    pub schema: DatabaseSchema,
    pub idempotency: Option<(String, i64)>,
    /// (user_id, client_id).
    pub checkpoint: Option<(String, String)>,
    /// Drives handlers' futures from the blocking thread.
    pub runtime: tokio::runtime::Handle,
}

impl Job {
    /// The job of one upload transaction, on the runtime `runtime` drives handlers on.
    pub fn new(work: &TransactionWork<'_>, runtime: tokio::runtime::Handle) -> Self {
        let handlers: Vec<_> = work
            .entries
            .iter()
            .map(|entry| work.handlers.get(&entry.client_table).cloned())
            .collect();
        // A handler may apply entries of any table.
        let schema = if handlers.iter().any(Option::is_some) {
            work.schema.clone()
        } else {
            tables_of(work.schema, work)
        };
        Job {
            principal: work.principal.clone(),
            entries: work.entries.to_vec(),
            handlers,
            schema,
            idempotency: work
                .idempotency
                .map(|i| (i.client_id.to_string(), i.last_op_id)),
            checkpoint: work
                .checkpoint
                .map(|c| (c.user_id.to_string(), c.client_id.to_string())),
            runtime,
        }
    }
}

/// The tables the entries write, so a transaction carries only what it needs to
/// its blocking thread.
fn tables_of(schema: &DatabaseSchema, work: &TransactionWork<'_>) -> DatabaseSchema {
    let mut subset = DatabaseSchema::default();
    for entry in work.entries {
        if !subset.tables.contains_key(&entry.table)
            && let Some(table) = schema.tables.get(&entry.table)
        {
            subset.tables.insert(entry.table.clone(), table.clone());
        }
    }
    subset
}

/// How a transaction body ends.
pub enum End<T> {
    Commit(T),
    Rollback(T),
}

/// Runs `body` in `BEGIN IMMEDIATE` ... `COMMIT`, rolling back on error.
pub fn immediate<T>(
    conn: &mut Connection,
    body: impl FnOnce(&mut Connection) -> Result<End<T>, DbError>,
) -> Result<T, DbError> {
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|error| db_error(error, None))?;
    match body(conn) {
        Ok(End::Commit(value)) => match conn.execute_batch("COMMIT") {
            Ok(()) => Ok(value),
            Err(error) => {
                // A failed COMMIT (deferred foreign key, busy) leaves it open.
                rollback(conn);
                Err(db_error(error, None))
            }
        },
        Ok(End::Rollback(value)) => {
            rollback(conn);
            Ok(value)
        }
        Err(error) => {
            rollback(conn);
            Err(error)
        }
    }
}

/// Ends an open transaction, if any (also after a worker panicked inside one).
pub fn rollback(conn: &Connection) {
    if !conn.is_autocommit() {
        // Failing to roll back means the connection is gone; the next BEGIN reports it.
        let _ = conn.execute_batch("ROLLBACK");
    }
}

/// Applies the job: ledger check, entries in order, ledger, checkpoint.
pub fn run(conn: &mut Connection, job: &Job) -> Result<Applied, DbError> {
    immediate(conn, |conn| {
        let subject = &job.principal.subject;
        if let Some((client_id, last_op_id)) = &job.idempotency
            && ledger_last(conn, subject, client_id)?.is_some_and(|applied| applied >= *last_op_id)
        {
            return Ok(End::Rollback(Applied::Duplicate));
        }
        let mut at = 0;
        while at < job.entries.len() {
            let entry = &job.entries[at];
            if let Some(Some(handler)) = job.handlers.get(at) {
                run_handler(conn, job, handler.as_ref(), entry)?;
                at += 1;
                continue;
            }
            let shape = Shape::of(entry);
            let mut end = at + 1;
            while end < job.entries.len()
                && job.handlers.get(end).is_none_or(Option::is_none)
                && Shape::of(&job.entries[end]) == shape
            {
                end += 1;
            }
            apply_run(
                conn,
                &job.principal,
                &job.schema,
                &shape,
                &job.entries[at..end],
            )?;
            at = end;
        }
        if let Some((client_id, last_op_id)) = &job.idempotency {
            ledger_advance(conn, subject, client_id, *last_op_id)?;
        }
        let write_checkpoint = match &job.checkpoint {
            Some((user_id, client_id)) => Some(checkpoint_increment(conn, user_id, client_id)?),
            None => None,
        };
        Ok(End::Commit(Applied::Written { write_checkpoint }))
    })
}

/// Applies consecutive entries of one shape with one cached statement.
fn apply_run(
    conn: &Connection,
    principal: &Principal,
    schema: &DatabaseSchema,
    shape: &Shape<'_>,
    entries: &[MappedEntry],
) -> Result<(), DbError> {
    let Some(first) = entries.first() else {
        return Ok(());
    };
    let index = first.operation_index;
    let table = schema.tables.get(shape.table).ok_or_else(|| {
        missing(
            format!("no such table: {}", shape.table),
            shape.table,
            None,
            index,
        )
    })?;
    let column = |name: &str| {
        table.column(name).ok_or_else(|| {
            missing(
                format!("table {} has no column named {name}", table.name),
                &table.name,
                Some(name),
                index,
            )
        })
    };
    let key = column(shape.key_column)?;
    let columns = shape
        .columns
        .iter()
        .map(|name| column(name))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(sql) = statement(table, shape.op, key, &columns, shape.guard) else {
        return Ok(());
    };
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(|error| db_error(error, Some(index)))?;
    let subject = SqlValue::Text(principal.subject.clone());
    for entry in entries {
        let mut values = Vec::with_capacity(columns.len() + 1);
        values.push(convert_value(entry, key, &entry.id)?);
        for column in &columns {
            // The last of duplicate names wins, as in a JSON object.
            let value = entry
                .columns
                .iter()
                .rev()
                .find(|(name, _)| *name == column.name)
                .map_or(&Value::Null, |(_, value)| value);
            values.push(convert_value(entry, column, value)?);
        }
        if shape.guard.is_some() {
            values.push(subject.clone());
        }
        let key_value = values[0].clone();
        let changed = stmt
            .execute(params_from_iter(values))
            .map_err(|error| db_error(error, Some(entry.operation_index)))?;
        if let Some(guard) = shape.guard
            && changed == 0
            && (matches!(shape.op, WriteOp::Put(_))
                || row_exists(conn, table, key, key_value, entry.operation_index)?)
        {
            // The guard kept the statement from touching a row that exists.
            return Err(guard.denied(entry));
        }
    }
    Ok(())
}

/// Whether the table has a row with this key (after a guarded PATCH or DELETE
/// changed nothing: a missing row is a no-op, another user's row a refusal).
fn row_exists(
    conn: &Connection,
    table: &TableSchema,
    key: &ColumnSchema,
    id: SqlValue,
    operation_index: usize,
) -> Result<bool, DbError> {
    let sql = format!(
        "SELECT 1 FROM {} WHERE {} = ?1",
        quote(&table.name),
        quote(&key.name)
    );
    conn.prepare_cached(&sql)
        .and_then(|mut stmt| stmt.exists([id]))
        .map_err(|error| db_error(error, Some(operation_index)))
}

fn convert_value(
    entry: &MappedEntry,
    column: &ColumnSchema,
    value: &Value,
) -> Result<SqlValue, DbError> {
    convert(value, &column.ty).map_err(|message| DbError::InvalidValue {
        table: entry.table.clone(),
        column: column.name.clone(),
        message,
        operation_index: entry.operation_index,
    })
}

/// Runs a custom handler on this thread, inside the open transaction.
///
/// The handler's future is driven with `Handle::block_on` from the blocking thread
/// (never from a runtime worker, so it cannot starve the runtime); it may await
/// timers and I/O. It must not call back into this persister: the writer connection
/// is held for the whole transaction.
fn run_handler(
    conn: &mut Connection,
    job: &Job,
    handler: &dyn TableHandler,
    entry: &MappedEntry,
) -> Result<(), DbError> {
    let crud = entry.wire_entry();
    let mut executor = TxExecutor {
        conn,
        principal: &job.principal,
        schema: &job.schema,
        operation_index: entry.operation_index,
    };
    job.runtime
        .block_on(handler.handle(&job.principal, &crud, entry, &mut executor))
        .map_err(|error| error.at_operation(entry.operation_index))
}

/// The open transaction, as a handler sees it.
struct TxExecutor<'a> {
    conn: &'a mut Connection,
    principal: &'a Principal,
    schema: &'a DatabaseSchema,
    operation_index: usize,
}

#[async_trait]
impl SqlExecutor for TxExecutor<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn execute(&mut self, sql: &str, params: &[SqlParam]) -> Result<u64, DbError> {
        let conn = &*self.conn;
        let run = || -> rusqlite::Result<u64> {
            let before = conn.total_changes();
            let mut stmt = conn.prepare_cached(sql)?;
            // Stepped to the end, so statements that return rows (PRAGMA) run too.
            let mut rows = stmt.query(params_from_iter(params.iter().map(sql_param)))?;
            while rows.next()?.is_some() {}
            Ok(conn.total_changes() - before)
        };
        run().map_err(|error| db_error(error, Some(self.operation_index)))
    }

    async fn query(
        &mut self,
        sql: &str,
        params: &[SqlParam],
    ) -> Result<Vec<Map<String, Value>>, DbError> {
        let conn = &*self.conn;
        let run = || -> rusqlite::Result<Vec<Map<String, Value>>> {
            let mut stmt = conn.prepare_cached(sql)?;
            let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
            let mut rows = stmt.query(params_from_iter(params.iter().map(sql_param)))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let mut object = Map::new();
                for (i, name) in names.iter().enumerate() {
                    object.insert(name.clone(), json_value(row.get_ref(i)?));
                }
                out.push(object);
            }
            Ok(out)
        };
        run().map_err(|error| db_error(error, Some(self.operation_index)))
    }

    async fn apply_default(&mut self, entry: &MappedEntry) -> Result<(), DbError> {
        apply_run(
            self.conn,
            self.principal,
            self.schema,
            &Shape::of(entry),
            std::slice::from_ref(entry),
        )
    }
}

fn sql_param(param: &SqlParam) -> SqlValue {
    match param {
        SqlParam::Null => SqlValue::Null,
        SqlParam::Bool(b) => SqlValue::Integer(i64::from(*b)),
        SqlParam::Int(i) => SqlValue::Integer(*i),
        SqlParam::Float(f) => SqlValue::Real(*f),
        SqlParam::Text(t) => SqlValue::Text(t.clone()),
    }
}

fn json_value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        ValueRef::Text(bytes) => Value::String(String::from_utf8_lossy(bytes).into_owned()),
        ValueRef::Blob(bytes) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
    }
}

// ---- the runtime's own tables ----

/// Creates or upgrades the runtime's tables and records [`SCHEMA_VERSION`], refusing a
/// database of a newer version. `BEGIN IMMEDIATE` takes the write lock first: another
/// process migrating the same file at once waits (busy_timeout), then finds the work
/// done.
pub fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    immediate(conn, |conn| {
        if let Err(problem @ SchemaProblem::Newer { .. }) = runtime_tables(conn)?.check() {
            return Err(problem.into());
        }
        upgrade_ledger(conn)?;
        conn.execute_batch(MIGRATION)
            .map_err(|error| db_error(error, None))?;
        record_version(conn)?;
        Ok(End::Commit(()))
    })
}

/// Stores a dead letter in its own transaction, advancing the ledger with it.
pub fn keep_dead_letter(conn: &mut Connection, letter: &NewDeadLetter) -> Result<String, DbError> {
    immediate(conn, |conn| {
        let id = uuid::Uuid::new_v4().to_string();
        insert_dead_letter(conn, &id, letter)?;
        if let Some((client_id, op_id)) = &letter.idempotency {
            ledger_advance(conn, &letter.subject, client_id, *op_id)?;
        }
        Ok(End::Commit(id))
    })
}

/// What exists of the runtime's tables, and the version recorded.
pub fn runtime_tables(conn: &Connection) -> Result<RuntimeTables, DbError> {
    let exists = |table: &str| {
        conn.prepare_cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")
            .and_then(|mut stmt| stmt.exists([table]))
            .map_err(|error| db_error(error, None))
    };
    let mut present = Vec::new();
    for table in TABLES {
        if exists(table)? {
            present.push(table.to_string());
        }
    }
    let ledger_has_subject = conn
        .prepare_cached(
            "SELECT 1 FROM pragma_table_info('powersync_write_ledger') WHERE name = 'subject'",
        )
        .and_then(|mut stmt| stmt.exists([]))
        .map_err(|error| db_error(error, None))?;
    let recorded_version = if exists(VERSION_TABLE)? {
        conn.query_row(
            &format!("SELECT max(version) FROM {VERSION_TABLE}"),
            [],
            |row| row.get(0),
        )
        .map_err(|error| runtime_error(VERSION_TABLE, error))?
    } else {
        None
    };
    Ok(RuntimeTables {
        recorded_version,
        present,
        ledger_has_subject,
    })
}

/// Records [`SCHEMA_VERSION`] (the caller has created the table and refused a newer one).
pub fn record_version(conn: &Connection) -> Result<(), DbError> {
    conn.execute(
        &format!(
            "INSERT INTO {VERSION_TABLE} (singleton, version, migrated_at) \
             VALUES (1, ?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
             ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, \
             migrated_at = excluded.migrated_at WHERE version <> excluded.version"
        ),
        [SCHEMA_VERSION],
    )
    .map(drop)
    .map_err(|error| runtime_error(VERSION_TABLE, error))
}

/// Brings a ledger of the first layout (keyed by `client_id` alone) to the current
/// one. Its rows cannot be attributed to a user, so they move under the empty
/// subject (the verifier refuses a token with an empty `sub`), where they still answer replays
/// of what was applied before the upgrade, for every user, and never move again.
pub fn upgrade_ledger(conn: &Connection) -> Result<(), DbError> {
    let has_subject = conn
        .prepare("SELECT 1 FROM pragma_table_info('powersync_write_ledger') WHERE name = 'subject'")
        .and_then(|mut stmt| stmt.exists([]))
        .map_err(|error| db_error(error, None))?;
    let exists = conn
        .prepare(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'powersync_write_ledger'",
        )
        .and_then(|mut stmt| stmt.exists([]))
        .map_err(|error| db_error(error, None))?;
    if !exists || has_subject {
        return Ok(());
    }
    conn.execute_batch(UPGRADE_LEDGER)
        .map_err(|error| db_error(error, None))
}

/// The last op_id applied for a user's client, if any (a migrated row of the client
/// counts too).
pub fn ledger_last(
    conn: &Connection,
    subject: &str,
    client_id: &str,
) -> Result<Option<i64>, DbError> {
    conn.prepare_cached(LEDGER_LAST)
        .and_then(|mut stmt| stmt.query_row(params![subject, client_id], |row| row.get(0)))
        .map_err(|error| runtime_error(LEDGER, error))
}

/// Moves the user's client's ledger forward to `op_id` (never backwards).
pub fn ledger_advance(
    conn: &Connection,
    subject: &str,
    client_id: &str,
    op_id: i64,
) -> Result<(), DbError> {
    conn.prepare_cached(LEDGER_ADVANCE)
        .and_then(|mut stmt| stmt.execute(params![subject, client_id, op_id]))
        .map(drop)
        .map_err(|error| runtime_error(LEDGER, error))
}

/// Increments the write checkpoint of (user, client) and returns the new value.
pub fn checkpoint_increment(
    conn: &Connection,
    user_id: &str,
    client_id: &str,
) -> Result<i64, DbError> {
    conn.prepare_cached(CHECKPOINT_INCREMENT)
        .and_then(|mut stmt| stmt.query_row(params![user_id, client_id], |row| row.get(0)))
        .map_err(|error| runtime_error(CHECKPOINTS, error))
}

/// Inserts a dead letter (the caller owns the transaction).
pub fn insert_dead_letter(
    conn: &Connection,
    id: &str,
    letter: &NewDeadLetter,
) -> Result<(), DbError> {
    let (ledger_client, ledger_op) = match &letter.idempotency {
        Some((client, op)) => (Some(client.as_str()), Some(*op)),
        None => (None, None),
    };
    conn.prepare_cached(DEAD_LETTER_INSERT)
        .and_then(|mut stmt| {
            stmt.execute(params![
                id,
                letter.subject,
                letter.client_id,
                letter.transaction.to_string(),
                letter.error_code,
                letter.error_message,
                letter.error_details.to_string(),
                i64::try_from(letter.operation_index).unwrap_or(i64::MAX),
                ledger_client,
                ledger_op,
            ])
        })
        .map(drop)
        .map_err(|error| runtime_error(DEAD_LETTERS, error))
}

pub fn list_dead_letters(conn: &Connection, limit: usize) -> Result<Vec<DeadLetter>, DbError> {
    let sql = format!(
        "SELECT {DEAD_LETTER_COLUMNS} FROM powersync_write_dead_letters ORDER BY created_at, rowid LIMIT ?1"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut stmt| {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            stmt.query_map([limit], dead_letter)?.collect()
        })
        .map_err(|error| runtime_error(DEAD_LETTERS, error))
}

pub fn get_dead_letter(conn: &Connection, id: &str) -> Result<Option<DeadLetter>, DbError> {
    let sql =
        format!("SELECT {DEAD_LETTER_COLUMNS} FROM powersync_write_dead_letters WHERE id = ?1");
    conn.prepare_cached(&sql)
        .and_then(|mut stmt| stmt.query_row([id], dead_letter).optional())
        .map_err(|error| runtime_error(DEAD_LETTERS, error))
}

pub fn find_dead_letter(
    conn: &Connection,
    subject: &str,
    client_id: &str,
    last_op_id: i64,
) -> Result<Option<DeadLetter>, DbError> {
    let sql = format!(
        "SELECT {DEAD_LETTER_COLUMNS} FROM powersync_write_dead_letters \
         WHERE subject = ?1 AND ledger_client_id = ?2 AND ledger_op_id = ?3 \
         ORDER BY created_at LIMIT 1"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_row(params![subject, client_id, last_op_id], dead_letter)
                .optional()
        })
        .map_err(|error| runtime_error(DEAD_LETTERS, error))
}

pub fn delete_dead_letter(conn: &Connection, id: &str) -> Result<bool, DbError> {
    conn.prepare_cached(DEAD_LETTER_DELETE)
        .and_then(|mut stmt| stmt.execute([id]))
        .map(|deleted| deleted > 0)
        .map_err(|error| runtime_error(DEAD_LETTERS, error))
}

fn dead_letter(row: &Row<'_>) -> rusqlite::Result<DeadLetter> {
    // Written by this module as JSON text; anything else reads as the raw text.
    let json = |text: String| serde_json::from_str(&text).unwrap_or(Value::String(text));
    let ledger_client: Option<String> = row.get(9)?;
    let ledger_op: Option<i64> = row.get(10)?;
    Ok(DeadLetter {
        id: row.get(0)?,
        created_at: row.get(1)?,
        letter: NewDeadLetter {
            subject: row.get(2)?,
            client_id: row.get(3)?,
            transaction: json(row.get(4)?),
            error_code: row.get(5)?,
            error_message: row.get(6)?,
            error_details: json(row.get(7)?),
            operation_index: usize::try_from(row.get::<_, i64>(8)?).unwrap_or(0),
            idempotency: ledger_client.zip(ledger_op),
        },
    })
}
