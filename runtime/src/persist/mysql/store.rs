//! Running one upload transaction: planning (grouping consecutive same-shape entries
//! and converting their values), the attempt with the ledger claim and the write
//! checkpoint, the slow path that locates a failing entry, custom handlers (through
//! [`TxExecutor`], the open transaction as a [`SqlExecutor`]), the runtime tables'
//! version, and dead letters.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Params, Transaction, TxOpts, Value as MyValue};
use serde_json::{Map, Value};

use super::MysqlPersister;
use super::classify::{classify, from_mysql};
use super::convert;
use super::script::{Failed, Script};
use super::statements::{Guard, LEDGER_REPLAY, Shape, ShapeSql, SqlCache, quote_ident};
use crate::hooks::{SqlExecutor, SqlParam};
use crate::persist::version::{self, SchemaProblem, TABLES, VERSION_TABLE};
use crate::persist::{Applied, DeadLetter, NewDeadLetter, RuntimeTables, TransactionWork};
use crate::schema::{ColumnSchema, DatabaseSchema, TableSchema};
use crate::vocab::{Class, DbError, Dialect, MappedEntry, RowGuard, WriteOp};

/// The most placeholders one prepared statement may have (the protocol counts them
/// in 16 bits): a larger group is split.
const MAX_PLACEHOLDERS: usize = 65_535;

/// The server's error number for a NULL in a NOT NULL column, which the PUT
/// statement raises on purpose for a collision on another unique key
/// ([`Shape`]'s `on_duplicate`).
const NOT_NULL: u16 = 1048;

impl MysqlPersister {
    /// One try at the transaction. `careful`: entry by entry.
    ///
    /// A transaction of unguarded writes only, the usual case, is one script: one
    /// round trip ([`Self::attempt_script`]). A guarded write or a custom handler
    /// needs the database's answers between statements, so such a transaction runs
    /// statement by statement ([`Self::attempt_stepwise`]).
    async fn attempt(
        &self,
        lease: &mut Lease,
        work: &TransactionWork<'_>,
        steps: &[Step<'_>],
        careful: bool,
    ) -> Result<Option<i64>, Stop> {
        let scripted = self.scripts
            && steps
                .iter()
                .all(|step| matches!(step, Step::Write(group) if group.subject.is_none()));
        if scripted {
            self.attempt_script(lease, work, steps, careful).await
        } else {
            self.attempt_stepwise(lease.conn(), work, steps, careful)
                .await
        }
    }

    /// The transaction as one script: `START TRANSACTION`, the ledger claim, one
    /// statement per group, the checkpoint, `COMMIT`. The server stops at the first
    /// failing statement, which locates the failure as the stepwise run would; the
    /// transaction is then rolled back.
    async fn attempt_script(
        &self,
        lease: &mut Lease,
        work: &TransactionWork<'_>,
        steps: &[Step<'_>],
        careful: bool,
    ) -> Result<Option<i64>, Stop> {
        let mut script = Script::default();
        let mut parts = Vec::with_capacity(steps.len() + 5);
        script.push_text("START TRANSACTION");
        parts.push(Part::Begin);
        // A bug of ours, the same on every retry: not retryable.
        let unsendable = |message: String| {
            Stop::Fail(DbError::Database {
                dialect: Dialect::Mysql,
                code: String::new(),
                message: format!("cannot build the transaction's statements: {message}"),
                table: None,
                column: None,
                constraint: None,
                operation_index: None,
            })
        };
        if let Some(idempotency) = work.idempotency {
            let claim = [
                MyValue::from(work.principal.subject.as_str()),
                MyValue::from(idempotency.client_id),
                MyValue::from(idempotency.last_op_id),
            ];
            script
                .push(&self.sql.ledger_claim, &claim)
                .map_err(unsendable)?;
            parts.push(Part::Ledger);
        }
        for (index, step) in steps.iter().enumerate() {
            let Step::Write(group) = step else {
                return Err(unsendable("a custom handler cannot run in a script".into()));
            };
            script
                .push(
                    &group.sql.for_rows(group.indexes.len()),
                    group.ordered(None),
                )
                .map_err(unsendable)?;
            parts.push(Part::Write(index));
        }
        if let Some(checkpoint) = work.checkpoint {
            let key = [
                MyValue::from(checkpoint.user_id),
                MyValue::from(checkpoint.client_id),
            ];
            script
                .push(&self.sql.checkpoint_bump, &key)
                .map_err(unsendable)?;
            parts.push(Part::CheckpointBump);
            script
                .push(&self.sql.checkpoint_read, &key)
                .map_err(unsendable)?;
            parts.push(Part::CheckpointRead);
        }
        script.push_text("COMMIT");
        parts.push(Part::Commit);

        // From here until COMMIT or ROLLBACK the connection may be in a transaction
        // the driver does not track: the lease rolls it back if dropped.
        lease.open = true;
        let ran = script
            .run(lease.conn(), self.piece_bytes.load(Ordering::Relaxed))
            .await;
        let writes = |upto: usize| {
            parts[..upto]
                .iter()
                .filter(|part| matches!(part, Part::Write(_)))
                .count() as u64
        };
        match ran {
            Ok(outcomes) => {
                lease.open = false;
                self.write_statements
                    .fetch_add(writes(parts.len()), Ordering::Relaxed);
                let checkpoint = parts
                    .iter()
                    .position(|part| matches!(part, Part::CheckpointRead))
                    .and_then(|at| outcomes.get(at))
                    .and_then(|rows| rows.first())
                    .and_then(|row| row.get::<i64, _>(0));
                Ok(checkpoint)
            }
            Err(Failed { index, error }) => {
                self.write_statements
                    .fetch_add(writes(index), Ordering::Relaxed);
                // A failed ROLLBACK means a broken connection: the lease, still open,
                // makes sure it serves no one else.
                if lease.conn().query_drop("ROLLBACK").await.is_ok() {
                    lease.open = false;
                }
                Err(self.script_stop(parts[index], &error, steps, careful))
            }
        }
    }

    /// Why a script stopped, from its failing statement.
    fn script_stop(
        &self,
        part: Part,
        error: &mysql_async::Error,
        steps: &[Step<'_>],
        careful: bool,
    ) -> Stop {
        match part {
            Part::Begin => Stop::Fail(from_mysql(error, None)),
            Part::Ledger if is_replay(error) => Stop::Duplicate,
            Part::Ledger => Stop::Fail(runtime_error(&self.sql.ledger, error)),
            Part::Write(index) => {
                let Step::Write(group) = &steps[index] else {
                    return Stop::Fail(from_mysql(error, None));
                };
                let single = group.indexes.len() == 1;
                stop(
                    group.error(error, single.then(|| group.indexes[0])),
                    !single,
                )
            }
            Part::CheckpointBump | Part::CheckpointRead => {
                Stop::Fail(runtime_error(&self.sql.checkpoints, error))
            }
            Part::Commit => stop(from_mysql(error, None), !careful),
        }
    }

    /// The transaction statement by statement, in a transaction the driver tracks.
    async fn attempt_stepwise(
        &self,
        conn: &mut Conn,
        work: &TransactionWork<'_>,
        steps: &[Step<'_>],
        careful: bool,
    ) -> Result<Option<i64>, Stop> {
        // A transaction the driver knows of: should this future be dropped half way
        // (a client gone), the pool rolls it back before the connection is reused.
        let mut tx = conn
            .start_transaction(TxOpts::default())
            .await
            .map_err(|e| Stop::Fail(from_mysql(&e, None)))?;
        match self.attempt_in(&mut tx, work, steps).await {
            Ok(checkpoint) => {
                tx.commit()
                    .await
                    .map_err(|e| stop(from_mysql(&e, None), !careful))?;
                Ok(checkpoint)
            }
            Err(stop) => {
                // A failed ROLLBACK means a broken connection, which the pool drops;
                // the server rolls the transaction back when it closes.
                let _ = tx.rollback().await;
                Err(stop)
            }
        }
    }

    async fn attempt_in(
        &self,
        conn: &mut Transaction<'_>,
        work: &TransactionWork<'_>,
        steps: &[Step<'_>],
    ) -> Result<Option<i64>, Stop> {
        if let Some(idempotency) = work.idempotency {
            let claim = (
                work.principal.subject.as_str(),
                idempotency.client_id,
                idempotency.last_op_id,
            );
            match conn.exec_drop(&self.sql.ledger_claim, claim).await {
                Ok(()) => {}
                Err(error) if is_replay(&error) => return Err(Stop::Duplicate),
                Err(error) => return Err(Stop::Fail(runtime_error(&self.sql.ledger, &error))),
            }
        }
        for step in steps {
            match step {
                Step::Write(group) => {
                    self.run_group(conn, work.schema, work.entries, group)
                        .await?
                }
                Step::Handler(entry) => self
                    .run_handler(conn, work, entry)
                    .await
                    .map_err(Stop::Fail)?,
            }
        }
        let Some(checkpoint) = work.checkpoint else {
            return Ok(None);
        };
        let key = (checkpoint.user_id, checkpoint.client_id);
        let failed = |e: mysql_async::Error| Stop::Fail(runtime_error(&self.sql.checkpoints, &e));
        conn.exec_drop(&self.sql.checkpoint_bump, key)
            .await
            .map_err(failed)?;
        let value: Option<i64> = conn
            .exec_first(&self.sql.checkpoint_read, key)
            .await
            .map_err(failed)?;
        Ok(value)
    }

    /// Runs one group's statement (with a guarded PUT's checks first) and checks a
    /// guarded statement's affected rows.
    async fn run_group(
        &self,
        conn: &mut Transaction<'_>,
        schema: &DatabaseSchema,
        entries: &[MappedEntry],
        group: &Group,
    ) -> Result<(), Stop> {
        let single = group.indexes.len() == 1;
        let located = single.then(|| group.indexes[0]);
        let fail = |error: DbError| stop(error, !single);
        if single && matches!(group.op, WriteOp::Put(_)) && group.subject.is_some() {
            let entry = group.entry(entries);
            if !self
                .put_allowed(conn, group)
                .await
                .map_err(|e| Stop::Fail(from_mysql(&e, located)))?
            {
                return Err(Stop::Fail(
                    entry
                        .guard
                        .as_ref()
                        .expect("a guarded group's entry has a guard")
                        .denied(entry),
                ));
            }
        }
        let sql = group.sql.for_rows(group.indexes.len());
        conn.exec_drop(sql, group.params())
            .await
            .map_err(|e| fail(group.error(&e, located)))?;
        self.write_statements.fetch_add(1, Ordering::Relaxed);
        let rows = conn.affected_rows();
        if group.subject.is_some()
            && !matches!(group.op, WriteOp::Put(_))
            && usize::try_from(rows).unwrap_or(0) < group.indexes.len()
        {
            // Some row failed its guard, or (PATCH, DELETE) does not exist, which is a
            // no-op. A group of several is located entry by entry.
            let entry = group.entry(entries);
            let guard = entry.guard.as_ref().expect("a guarded entry");
            if !single {
                return Err(Stop::Locate(guard.denied(entry)));
            }
            let exists = self
                .row_exists(conn, schema, entry, &group.rows[0][0])
                .await
                .map_err(Stop::Fail)?;
            if exists {
                return Err(Stop::Fail(guard.denied(entry)));
            }
        }
        Ok(())
    }

    /// A guarded PUT's checks, before its upsert (which cannot carry a condition):
    /// the parent it sends is the uploader's, and the stored row, if any, is theirs.
    /// The stored row stays locked until the transaction ends.
    async fn put_allowed(
        &self,
        conn: &mut Transaction<'_>,
        group: &Group,
    ) -> Result<bool, mysql_async::Error> {
        let row = &group.rows[0];
        let subject = MyValue::from(group.subject.as_deref().unwrap_or_default());
        if let (Some(sql), Some(sent)) = (&group.sql.put_sent_check, group.sent_column) {
            let allowed: Option<Option<i64>> = conn
                .exec_first(sql, vec![row[sent + 1].clone(), subject.clone()])
                .await?;
            if allowed.flatten().unwrap_or(0) == 0 {
                return Ok(false);
            }
        }
        if let Some(sql) = &group.sql.put_stored_check {
            let stored: Option<Option<i64>> =
                conn.exec_first(sql, vec![subject, row[0].clone()]).await?;
            if stored.is_some_and(|allowed| allowed.unwrap_or(0) == 0) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Whether the entry's table has a row with its key.
    async fn row_exists(
        &self,
        conn: &mut Transaction<'_>,
        schema: &DatabaseSchema,
        entry: &MappedEntry,
        key: &MyValue,
    ) -> Result<bool, DbError> {
        let Some(table) = schema.tables.get(&entry.table) else {
            return Ok(false);
        };
        let sql = format!(
            "SELECT 1 FROM {} WHERE {} = ?",
            quote_ident(&table.name),
            quote_ident(&entry.key_column)
        );
        let found: Option<i64> = conn
            .exec_first(sql, vec![key.clone()])
            .await
            .map_err(|e| from_mysql(&e, Some(entry.operation_index)))?;
        Ok(found.is_some())
    }

    async fn run_handler(
        &self,
        conn: &mut Transaction<'_>,
        work: &TransactionWork<'_>,
        entry: &MappedEntry,
    ) -> Result<(), DbError> {
        let Some(handler) = work.handlers.get(&entry.client_table) else {
            return Ok(());
        };
        let crud = entry.wire_entry();
        let mut executor = TxExecutor {
            conn,
            persister: self,
            schema: work.schema,
            subject: &work.principal.subject,
            operation_index: entry.operation_index,
        };
        handler
            .handle(work.principal, &crud, entry, &mut executor)
            .await
            .map_err(|error| error.at_operation(entry.operation_index))
    }

    /// Runs one entry the default way inside the open transaction (for
    /// [`TxExecutor`]).
    async fn apply_one(
        &self,
        conn: &mut Transaction<'_>,
        schema: &DatabaseSchema,
        entry: &MappedEntry,
        subject: &str,
    ) -> Result<(), DbError> {
        let Some(group) = prepare_entry(&self.statements, schema, entry, subject)? else {
            return Ok(());
        };
        let entries = std::slice::from_ref(entry);
        match self.run_group(conn, schema, entries, &group).await {
            Ok(()) => Ok(()),
            Err(Stop::Fail(error) | Stop::Locate(error)) => Err(error),
            Err(Stop::Duplicate) => Ok(()),
        }
    }

    /// [`crate::persist::Persister::runtime_tables`] on a connection.
    pub(super) async fn read_runtime_tables(
        &self,
        conn: &mut Conn,
    ) -> Result<RuntimeTables, DbError> {
        let rows: Vec<(String, i64)> = conn
            .query(&self.sql.tables)
            .await
            .map_err(|e| from_mysql(&e, None))?;
        let mut found = RuntimeTables::default();
        let mut versioned = false;
        for (name, has_subject) in rows {
            if name == VERSION_TABLE {
                versioned = true;
            } else {
                if name == TABLES[0] {
                    found.ledger_has_subject = has_subject != 0;
                }
                found.present.push(name);
            }
        }
        if versioned {
            found.recorded_version = conn
                .query_first::<Option<i64>, _>(&self.sql.version_select)
                .await
                .map_err(|e| runtime_error(&self.sql.version, &e))?
                .flatten();
        }
        Ok(found)
    }
}

pub(super) async fn migrate(persister: &MysqlPersister) -> Result<(), DbError> {
    let mut conn = persister.conn().await?;
    // Instances starting at once (a deploy) migrate one after the other: the next
    // finds the work done. DDL commits implicitly in MySQL, so a transaction cannot
    // serialize it; a named lock, held by this connection, does.
    let locked: Option<Option<i64>> = conn
        .query_first("SELECT GET_LOCK('powersync_write_migrate', 60)")
        .await
        .map_err(|e| from_mysql(&e, None))?;
    if locked.flatten() != Some(1) {
        return Err(DbError::Connection {
            message: "another instance has been migrating the runtime's tables for 60 s \
                      (named lock `powersync_write_migrate`): try again"
                .to_string(),
        });
    }
    let result = migrate_locked(persister, &mut conn).await;
    let released = conn
        .query_drop("DO RELEASE_LOCK('powersync_write_migrate')")
        .await
        .map_err(|e| from_mysql(&e, None));
    result.and(released)
}

async fn migrate_locked(persister: &MysqlPersister, conn: &mut Conn) -> Result<(), DbError> {
    if let Err(problem @ SchemaProblem::Newer { .. }) =
        persister.read_runtime_tables(conn).await?.check()
    {
        return Err(problem.into());
    }
    for statement in &persister.sql.migrate {
        conn.query_drop(statement)
            .await
            .map_err(|e| from_mysql(&e, None))?;
    }
    Ok(())
}

pub(super) async fn apply(
    persister: &MysqlPersister,
    work: &TransactionWork<'_>,
) -> Result<Applied, DbError> {
    // Values are converted before the database is touched.
    let steps = plan(&persister.statements, work, true)?;
    let mut lease = Lease {
        conn: Some(persister.conn().await?),
        open: false,
    };
    let outcome = match persister.attempt(&mut lease, work, &steps, false).await {
        Err(Stop::Locate(_)) => {
            let steps = plan(&persister.statements, work, false)?;
            // A failure can leave the connection closed (a statement over the
            // server's max_allowed_packet does): locate on a working one.
            if lease.open || lease.conn().ping().await.is_err() {
                lease = Lease {
                    conn: Some(persister.conn().await?),
                    open: false,
                };
            }
            persister.attempt(&mut lease, work, &steps, true).await
        }
        other => other,
    };
    match outcome {
        Ok(write_checkpoint) => Ok(Applied::Written { write_checkpoint }),
        Err(Stop::Duplicate) => Ok(Applied::Duplicate),
        Err(Stop::Fail(error) | Stop::Locate(error)) => Err(error),
    }
}

/// A pooled connection that may be inside a transaction the driver does not track
/// (one a script began). Dropped while `open` (its future dropped half way), it is
/// rolled back, or closed, before it can serve anyone else: the next `START
/// TRANSACTION` on it would otherwise commit the half-done writes.
struct Lease {
    conn: Option<Conn>,
    open: bool,
}

impl Lease {
    fn conn(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .expect("a lease holds its connection until it is dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let (true, Some(mut conn)) = (self.open, self.conn.take()) else {
            return;
        };
        // Without a runtime the pool is going away too; closing the socket then rolls
        // the transaction back.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if conn.query_drop("ROLLBACK").await.is_err() {
                    let _ = conn.disconnect().await;
                }
            });
        }
    }
}

/// The ledger claim's refusal of a replay ([`LEDGER_REPLAY`]).
fn is_replay(error: &mysql_async::Error) -> bool {
    matches!(error, mysql_async::Error::Server(server)
        if server.code == NOT_NULL && server.message.contains(LEDGER_REPLAY))
}

/// What a statement of a transaction's script is, to read its outcome.
#[derive(Clone, Copy)]
enum Part {
    Begin,
    Ledger,
    /// The write of `steps[i]`.
    Write(usize),
    CheckpointBump,
    CheckpointRead,
    Commit,
}

pub(super) async fn store_dead_letter(
    persister: &MysqlPersister,
    letter: &NewDeadLetter,
) -> Result<String, DbError> {
    let id = uuid::Uuid::new_v4().to_string();
    let mut conn = persister.conn().await?;
    let failed = |e: mysql_async::Error| runtime_error(&persister.sql.dead_letters, &e);
    let mut tx = conn
        .start_transaction(TxOpts::default())
        .await
        .map_err(failed)?;
    let result = async {
        if let Some((client_id, last_op_id)) = &letter.idempotency {
            tx.exec_drop(
                &persister.sql.ledger_advance,
                (&letter.subject, client_id, last_op_id),
            )
            .await
            .map_err(|e| runtime_error(&persister.sql.ledger, &e))?;
        }
        let params: Vec<MyValue> = vec![
            id.as_str().into(),
            letter.subject.as_str().into(),
            letter.client_id.as_deref().into(),
            letter.transaction.to_string().into(),
            letter.error_code.as_str().into(),
            letter.error_message.as_str().into(),
            letter.error_details.to_string().into(),
            i64::try_from(letter.operation_index)
                .unwrap_or(i64::MAX)
                .min(i64::from(i32::MAX))
                .into(),
            letter.idempotency.as_ref().map(|(c, _)| c.as_str()).into(),
            letter.idempotency.as_ref().map(|(_, op)| *op).into(),
        ];
        tx.exec_drop(&persister.sql.dead_letter_insert, params)
            .await
            .map_err(failed)?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => tx.commit().await.map_err(failed)?,
        Err(error) => {
            let _ = tx.rollback().await;
            return Err(error);
        }
    }
    Ok(id)
}

pub(super) async fn list_dead_letters(
    persister: &MysqlPersister,
    limit: usize,
) -> Result<Vec<DeadLetter>, DbError> {
    let sql = format!("{} ORDER BY seq LIMIT ?", persister.sql.dead_letter_select);
    let limit = u64::try_from(limit).unwrap_or(u64::MAX);
    select_dead_letters(persister, sql, vec![limit.into()]).await
}

pub(super) async fn find_dead_letter(
    persister: &MysqlPersister,
    subject: &str,
    client_id: &str,
    last_op_id: i64,
) -> Result<Option<DeadLetter>, DbError> {
    let sql = format!(
        "{} WHERE subject = ? AND ledger_client_id = ? AND ledger_op_id = ? ORDER BY seq LIMIT 1",
        persister.sql.dead_letter_select
    );
    let params = vec![subject.into(), client_id.into(), last_op_id.into()];
    Ok(select_dead_letters(persister, sql, params)
        .await?
        .into_iter()
        .next())
}

pub(super) async fn get_dead_letter(
    persister: &MysqlPersister,
    id: &str,
) -> Result<Option<DeadLetter>, DbError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Ok(None);
    }
    let sql = format!("{} WHERE id = ?", persister.sql.dead_letter_select);
    Ok(select_dead_letters(persister, sql, vec![id.into()])
        .await?
        .into_iter()
        .next())
}

pub(super) async fn delete_dead_letter(
    persister: &MysqlPersister,
    id: &str,
) -> Result<bool, DbError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Ok(false);
    }
    let mut conn = persister.conn().await?;
    conn.exec_drop(&persister.sql.dead_letter_delete, (id,))
        .await
        .map_err(|e| runtime_error(&persister.sql.dead_letters, &e))?;
    Ok(conn.affected_rows() > 0)
}

type DeadLetterRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
);

async fn select_dead_letters(
    persister: &MysqlPersister,
    sql: String,
    params: Vec<MyValue>,
) -> Result<Vec<DeadLetter>, DbError> {
    let mut conn = persister.conn().await?;
    let rows: Vec<DeadLetterRow> = conn
        .exec(sql, params)
        .await
        .map_err(|e| runtime_error(&persister.sql.dead_letters, &e))?;
    let json = |text: String| serde_json::from_str(&text).unwrap_or(Value::String(text));
    Ok(rows
        .into_iter()
        .map(|row| DeadLetter {
            id: row.0,
            created_at: row.1,
            letter: NewDeadLetter {
                subject: row.2,
                client_id: row.3,
                transaction: json(row.4),
                error_code: row.5,
                error_message: row.6,
                error_details: json(row.7),
                operation_index: usize::try_from(row.8).unwrap_or_default(),
                idempotency: row.9.zip(row.10),
            },
        })
        .collect())
}

/// An error on one of the runtime's tables: a missing table or column is the
/// runtime's ([`DbError::RuntimeTables`]).
fn runtime_error(table: &str, error: &mysql_async::Error) -> DbError {
    match from_mysql(error, None) {
        // 1146 no such table, 1054 unknown column.
        DbError::Database { code, message, .. } if code == "1146" || code == "1054" => {
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

/// `error` as a stop: located entry by entry when `may_locate` (a grouped statement,
/// or a COMMIT before the careful run) and it is worth it.
fn stop(error: DbError, may_locate: bool) -> Stop {
    if may_locate && worth_locating(&error) {
        Stop::Locate(error)
    } else {
        Stop::Fail(error)
    }
}

/// Retryable errors need no entry; everything the database refused does.
fn worth_locating(error: &DbError) -> bool {
    match error {
        DbError::Database { code, .. } => classify(code) != Some(Class::Retryable),
        _ => false,
    }
}

/// Consecutive entries of one shape: one statement.
struct Group {
    sql: Arc<ShapeSql>,
    op: WriteOp,
    groupable: bool,
    table: String,
    key_column: String,
    /// The entries' ids as JSON text: the same id twice starts a new group.
    keys: HashSet<String>,
    /// Per entry, its values: the key first, then the columns.
    rows: Vec<Vec<MyValue>>,
    indexes: Vec<usize>,
    /// The uploader's subject when the statement is guarded.
    subject: Option<String>,
    /// A parent guard's column among the columns, when the entry sends it.
    sent_column: Option<usize>,
}

impl Group {
    /// The group's first entry.
    fn entry<'w>(&self, entries: &'w [MappedEntry]) -> &'w MappedEntry {
        entries
            .iter()
            .find(|entry| entry.operation_index == self.indexes[0])
            .expect("a group's entries are the transaction's")
    }

    /// The parameters in the order of the statement's placeholders; `subject`: the
    /// uploader's, for a guarded statement.
    fn ordered<'g>(&'g self, subject: Option<&'g MyValue>) -> Vec<&'g MyValue> {
        let mut params: Vec<&MyValue> =
            Vec::with_capacity(self.rows.iter().map(Vec::len).sum::<usize>() + 3);
        match self.op {
            WriteOp::Put(_) => {
                params.extend(self.rows.iter().flatten());
            }
            WriteOp::Delete => {
                params.extend(self.rows.iter().map(|row| &row[0]));
                params.extend(subject);
            }
            WriteOp::Patch => {
                // `SET c = ?, ... WHERE key = ? [AND stored] [AND sent]`.
                let row = &self.rows[0];
                params.extend(&row[1..]);
                params.push(&row[0]);
                params.extend(subject);
                if let (Some(sent), Some(subject)) = (self.sent_column, subject) {
                    params.push(&row[sent + 1]);
                    params.push(subject);
                }
            }
        }
        params
    }

    /// The parameters to bind.
    fn params(&self) -> Params {
        let subject = self.subject.as_deref().map(MyValue::from);
        Params::Positional(
            self.ordered(subject.as_ref())
                .into_iter()
                .cloned()
                .collect(),
        )
    }

    /// A statement's error. A PUT whose row collides on a unique key other than the
    /// primary key makes its statement set the key NULL (refused, 1048): that is
    /// reported as the duplicate key it is, and no row was changed.
    fn error(&self, error: &mysql_async::Error, index: Option<usize>) -> DbError {
        if let (WriteOp::Put(_), mysql_async::Error::Server(server)) = (self.op, error)
            && server.code == NOT_NULL
            && server.message.contains(&format!("'{}'", self.key_column))
        {
            return DbError::Database {
                dialect: Dialect::Mysql,
                code: "1062".to_string(),
                message: format!(
                    "the row sent for `{}` collides with another row on a unique key other \
                     than its primary key `{}`: nothing was written; send a value that is \
                     unique, or update the other row by its own id",
                    self.table, self.key_column
                ),
                table: Some(self.table.clone()),
                column: None,
                constraint: None,
                operation_index: index,
            };
        }
        from_mysql(error, index)
    }
}

enum Step<'w> {
    Write(Group),
    /// An entry owned by a custom handler.
    Handler(&'w MappedEntry),
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
        let Some(mut prepared) = prepare_entry(cache, work.schema, entry, &work.principal.subject)?
        else {
            continue;
        };
        let key = entry.id.to_string();
        if grouped
            && prepared.groupable
            && let Some(Step::Write(group)) = steps.last_mut()
            && group.groupable
            && (Arc::ptr_eq(&group.sql, &prepared.sql) || group.sql == prepared.sql)
            && !group.keys.contains(&key)
            && (group.rows.len() + 1) * prepared.rows[0].len() < MAX_PLACEHOLDERS
        {
            // The same id twice in one statement would be ambiguous: such an entry
            // starts a new group instead.
            group.rows.append(&mut prepared.rows);
            group.keys.insert(key);
            group.indexes.push(entry.operation_index);
            continue;
        }
        prepared.keys.insert(key);
        steps.push(Step::Write(prepared));
    }
    Ok(steps)
}

/// Resolves an entry against the schema and converts its values into a group of
/// one. `None`: nothing to write (a PATCH without columns).
fn prepare_entry(
    cache: &SqlCache,
    schema: &DatabaseSchema,
    entry: &MappedEntry,
    subject: &str,
) -> Result<Option<Group>, DbError> {
    let index = entry.operation_index;
    let unknown = |code: &str, column: Option<&str>, message: String| DbError::Database {
        dialect: Dialect::Mysql,
        code: code.to_string(),
        message,
        table: Some(entry.table.clone()),
        column: column.map(str::to_string),
        constraint: None,
        operation_index: Some(index),
    };
    let table: &TableSchema = schema.tables.get(&entry.table).ok_or_else(|| {
        unknown(
            "1146",
            None,
            format!("table `{}` is not in the introspected schema", entry.table),
        )
    })?;
    let key = table.column(&entry.key_column).ok_or_else(|| {
        unknown(
            "1054",
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
                    "1054",
                    Some(name),
                    format!("table `{}` has no column `{name}`", entry.table),
                )
            })?;
            // A column given twice (two renamed client columns): the last one wins.
            columns.retain(|(c, _): &(&ColumnSchema, &Value)| c.name != column.name);
            columns.push((column, value));
        }
    }
    columns.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    let key_value =
        convert::to_value(key, &entry.id).map_err(|message| invalid(&key.name, message))?;
    if key_value == MyValue::NULL {
        return Err(invalid(&key.name, "the row id is null".to_string()));
    }
    let mut values = Vec::with_capacity(columns.len() + 1);
    values.push(key_value);
    for (column, value) in &columns {
        values.push(
            convert::to_value(column, value).map_err(|message| invalid(&column.name, message))?,
        );
    }
    fn column_in<'s>(
        owner: &'s TableSchema,
        name: &str,
        unknown: impl Fn(&str, Option<&str>, String) -> DbError,
    ) -> Result<&'s ColumnSchema, DbError> {
        owner.column(name).ok_or_else(|| {
            unknown(
                "1054",
                Some(name),
                format!("table `{}` has no column `{name}`", owner.name),
            )
        })
    }
    let guard = match &entry.guard {
        None => None,
        Some(RowGuard::Owner { column }) => Some(Guard::Owner {
            column: column_in(table, column, unknown)?,
        }),
        Some(RowGuard::Parent {
            column,
            parent_table,
            parent_key,
            parent_owner,
        }) => {
            let parent = schema.tables.get(parent_table).ok_or_else(|| {
                unknown(
                    "1146",
                    None,
                    format!("parent table `{parent_table}` is not in the introspected schema"),
                )
            })?;
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
    let groupable = shape.groupable();
    let sent_column = shape.sent_column();
    Ok(cache.statements(&shape).map(|sql| Group {
        sql,
        op: entry.op,
        groupable,
        table: table.name.clone(),
        key_column: key.name.clone(),
        keys: HashSet::new(),
        rows: vec![values],
        indexes: vec![index],
        subject,
        sent_column,
    }))
}

// ---- custom handlers: the open transaction as a `SqlExecutor` ----

// Parameters bind as their JSON-like kind (NULL, integer, double, text; booleans as
// 1/0) and the server converts them to the column's type. Query results come back as
// JSON: integers and floats as numbers, everything else as text (binary data that is
// not UTF-8 lossily).

pub struct TxExecutor<'t, 'c> {
    conn: &'t mut Transaction<'c>,
    persister: &'t MysqlPersister,
    schema: &'t DatabaseSchema,
    /// The uploader's subject, for guarded default writes.
    subject: &'t str,
    /// The handler's entry: errors of its statements are located there.
    operation_index: usize,
}

fn param(value: &SqlParam) -> MyValue {
    match value {
        SqlParam::Null => MyValue::NULL,
        SqlParam::Bool(b) => MyValue::Int(i64::from(*b)),
        SqlParam::Int(i) => MyValue::Int(*i),
        SqlParam::Float(f) => MyValue::Double(*f),
        SqlParam::Text(s) => MyValue::Bytes(s.as_bytes().to_vec()),
    }
}

fn json(value: MyValue) -> Value {
    match value {
        MyValue::NULL => Value::Null,
        MyValue::Int(i) => Value::from(i),
        MyValue::UInt(u) => Value::from(u),
        MyValue::Float(f) => Value::from(f64::from(f)),
        MyValue::Double(d) => Value::from(d),
        MyValue::Bytes(bytes) => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
        MyValue::Date(y, mo, d, h, mi, s, us) => Value::String(format!(
            "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}Z"
        )),
        MyValue::Time(negative, days, h, mi, s, us) => Value::String(format!(
            "{}{:02}:{mi:02}:{s:02}.{us:06}",
            if negative { "-" } else { "" },
            u32::from(h) + days * 24
        )),
    }
}

#[async_trait]
impl SqlExecutor for TxExecutor<'_, '_> {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    async fn execute(&mut self, sql: &str, params: &[SqlParam]) -> Result<u64, DbError> {
        let params: Vec<MyValue> = params.iter().map(param).collect();
        self.conn
            .exec_drop(sql, params)
            .await
            .map_err(|e| from_mysql(&e, Some(self.operation_index)))?;
        Ok(self.conn.affected_rows())
    }

    async fn query(
        &mut self,
        sql: &str,
        params: &[SqlParam],
    ) -> Result<Vec<Map<String, Value>>, DbError> {
        let params: Vec<MyValue> = params.iter().map(param).collect();
        let rows: Vec<mysql_async::Row> = self
            .conn
            .exec(sql, params)
            .await
            .map_err(|e| from_mysql(&e, Some(self.operation_index)))?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let names: Vec<String> = row
                    .columns_ref()
                    .iter()
                    .map(|c| c.name_str().into_owned())
                    .collect();
                names
                    .into_iter()
                    .zip(row.unwrap().into_iter().map(json))
                    .collect()
            })
            .collect())
    }

    async fn apply_default(&mut self, entry: &MappedEntry) -> Result<(), DbError> {
        self.persister
            .apply_one(self.conn, self.schema, entry, self.subject)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::mysql::MysqlConfig;

    /// A lease dropped while its script's transaction is open (its future dropped
    /// half way) rolls the transaction back before the connection serves anyone else;
    /// otherwise the next `START TRANSACTION` on it would commit the half.
    #[tokio::test]
    async fn a_lease_dropped_open_rolls_back_before_the_connection_is_reused() {
        let server = throwaway_servers::mariadb::shared();
        let name = server.database();
        server
            .sql(&format!(
                "CREATE TABLE `{name}`.t (id INT PRIMARY KEY) ENGINE=InnoDB"
            ))
            .unwrap();
        let mut config = MysqlConfig::new(server.url(&name));
        config.pool_size = 1;
        let persister = MysqlPersister::new(config).unwrap();
        let mut conn = persister.conn().await.unwrap();
        // Begun as a script begins it: the driver does not know of it.
        conn.query_drop("START TRANSACTION; INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        drop(Lease {
            conn: Some(conn),
            open: true,
        });
        let mut next = persister.conn().await.unwrap();
        next.query_drop("START TRANSACTION; INSERT INTO t VALUES (2); COMMIT")
            .await
            .unwrap();
        let ids: Vec<i64> = next.query("SELECT id FROM t ORDER BY id").await.unwrap();
        assert_eq!(ids, [2]);
    }
}
