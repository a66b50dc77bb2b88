//! Applying one upload transaction on the writer connection, inside `BEGIN
//! IMMEDIATE` (the write lock is taken up front, so a busy database fails before
//! anything runs rather than at the first write).
//!
//! SQLite runs in-process, so a round trip costs nothing: the "one statement per
//! group" of the design is one cached prepared statement per run of consecutive
//! entries with the same table, operation and column set, executed once per entry.
//! That also gives every failure its entry directly, with no slow path to locate it.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, params_from_iter};
use serde_json::{Map, Number, Value};

use super::convert::convert;
use super::error::{db_error, missing};
use super::store;
use crate::hooks::{SqlExecutor, SqlParam, TableHandler};
use crate::persist::{Applied, and_conditions};
use crate::schema::{ColumnSchema, DatabaseSchema, TableSchema};
use crate::vocab::Principal;
use crate::vocab::{DbError, Dialect, MappedEntry, PutMode, RowGuard, WriteOp};

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
            && store::ledger_last(conn, subject, client_id)?
                .is_some_and(|applied| applied >= *last_op_id)
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
            store::ledger_advance(conn, subject, client_id, *last_op_id)?;
        }
        let write_checkpoint = match &job.checkpoint {
            Some((user_id, client_id)) => {
                Some(store::checkpoint_increment(conn, user_id, client_id)?)
            }
            None => None,
        };
        Ok(End::Commit(Applied::Written { write_checkpoint }))
    })
}

/// What makes entries share one statement.
#[derive(Debug, PartialEq)]
struct Shape<'a> {
    table: &'a str,
    op: WriteOp,
    key_column: &'a str,
    /// Sorted, without duplicates and without the key column.
    columns: Vec<&'a str>,
    guard: Option<&'a RowGuard>,
}

impl<'a> Shape<'a> {
    fn of(entry: &'a MappedEntry) -> Self {
        let mut columns: Vec<&str> = entry
            .columns
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| *name != entry.key_column)
            .collect();
        columns.sort_unstable();
        columns.dedup();
        Shape {
            table: &entry.table,
            op: entry.op,
            key_column: &entry.key_column,
            columns,
            guard: entry.guard.as_ref(),
        }
    }
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

/// The guard's condition on the stored row (unqualified names are the written
/// table's), with `?{subject}` the uploader's subject.
fn stored_condition(table: &TableSchema, guard: &RowGuard, subject: usize) -> String {
    match guard {
        RowGuard::Owner { column } => {
            format!("{}.{} = ?{subject}", quote(&table.name), quote(column))
        }
        RowGuard::Parent { column, .. } => parent_owned(
            guard,
            &format!("{}.{}", quote(&table.name), quote(column)),
            subject,
        ),
    }
}

/// `EXISTS` a parent row with key `reference` owned by `?{subject}`.
fn parent_owned(guard: &RowGuard, reference: &str, subject: usize) -> String {
    match guard {
        RowGuard::Parent {
            parent_table,
            parent_key,
            parent_owner,
            ..
        } => format!(
            "EXISTS (SELECT 1 FROM {} AS _p WHERE _p.{} = {reference} AND _p.{} = ?{subject})",
            quote(parent_table),
            quote(parent_key),
            quote(parent_owner)
        ),
        RowGuard::Owner { .. } => "1".to_string(),
    }
}

/// For a parent guard whose column the entry sends: the condition on the value sent.
fn sent_condition(
    guard: Option<&RowGuard>,
    columns: &[&ColumnSchema],
    subject: usize,
) -> Option<String> {
    let Some(guard @ RowGuard::Parent { column, .. }) = guard else {
        return None;
    };
    let position = columns.iter().position(|c| &c.name == column)?;
    Some(parent_owned(guard, &format!("?{}", position + 2), subject))
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

/// The statement of one shape: `?1` is the key, `?2..` the columns in order, and
/// with a guard the uploader's subject last. `None` when there is nothing to do (a
/// PATCH of no column).
fn statement(
    table: &TableSchema,
    op: WriteOp,
    key: &ColumnSchema,
    columns: &[&ColumnSchema],
    guard: Option<&RowGuard>,
) -> Option<String> {
    let name = quote(&table.name);
    let key_name = quote(&key.name);
    let set = |assignments: Vec<String>| assignments.join(", ");
    let subject = columns.len() + 2;
    let stored = guard.map(|guard| stored_condition(table, guard, subject));
    let sent = sent_condition(guard, columns, subject);
    match op {
        WriteOp::Put(mode) => {
            // Replace: every column not supplied becomes NULL, on insert and on update.
            let others: Vec<&ColumnSchema> = match mode {
                PutMode::Merge => Vec::new(),
                PutMode::Replace => table
                    .columns
                    .values()
                    .filter(|c| c.name != key.name && !columns.iter().any(|s| s.name == c.name))
                    .collect(),
            };
            let mut names = vec![key_name.clone()];
            let mut values = vec!["?1".to_string()];
            for (i, column) in columns.iter().enumerate() {
                names.push(quote(&column.name));
                values.push(format!("?{}", i + 2));
            }
            for column in &others {
                names.push(quote(&column.name));
                values.push("NULL".to_string());
            }
            let mut updates: Vec<String> = names[1..]
                .iter()
                .map(|c| format!("{c} = excluded.{c}"))
                .collect();
            if updates.is_empty() && stored.is_some() {
                // A guarded conflict needs DO UPDATE (DO NOTHING takes no WHERE).
                updates.push(format!("{key_name} = excluded.{key_name}"));
            }
            let conflict = match (updates.is_empty(), &stored) {
                (true, _) => "DO NOTHING".to_string(),
                (false, None) => format!("DO UPDATE SET {}", set(updates)),
                (false, Some(stored)) => {
                    format!("DO UPDATE SET {} WHERE {stored}", set(updates))
                }
            };
            // The SELECT form filters on the value sent; SQLite needs its WHERE to
            // parse the upsert that follows.
            Some(format!(
                "INSERT INTO {name} ({}) SELECT {} WHERE {} ON CONFLICT ({key_name}) {conflict}",
                names.join(", "),
                values.join(", "),
                sent.as_deref().unwrap_or("true")
            ))
        }
        WriteOp::Patch if columns.is_empty() => None,
        WriteOp::Patch => {
            let assignments = columns
                .iter()
                .enumerate()
                .map(|(i, column)| format!("{} = ?{}", quote(&column.name), i + 2))
                .collect();
            Some(format!(
                "UPDATE {name} SET {} WHERE {key_name} = ?1{}",
                set(assignments),
                and_conditions([stored, sent])
            ))
        }
        WriteOp::Delete => Some(format!(
            "DELETE FROM {name} WHERE {key_name} = ?1{}",
            and_conditions([stored, None])
        )),
    }
}

/// An identifier in double quotes, embedded quotes doubled.
pub fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
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
