//! Running one upload transaction: planning (grouping consecutive same-shape entries
//! and converting their values), the pipelined attempt with the ledger and the write
//! checkpoint, the slow path that locates a failing entry, custom handlers (through
//! [`TxExecutor`], the open transaction as a [`SqlExecutor`]), the runtime tables'
//! version, and dead letters.

use std::collections::HashSet;
use std::error::Error;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use bytes::{BufMut, BytesMut};
use deadpool_postgres::Transaction;
use serde_json::{Map, Number, Value};
use tokio_postgres::types::{FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};

use super::PostgresPersister;
use super::classify::{classify, from_pg, runtime_error};
use super::convert;
use super::statements::{Guard, Shape, ShapeSql, SqlCache, qualified, quote_ident};
use crate::hooks::{SqlExecutor, SqlParam};
use crate::persist::version::{TABLES, VERSION_TABLE};
use crate::persist::{
    Applied, DeadLetter, NewDeadLetter, RuntimeTables, SchemaProblem, TransactionWork,
};
use crate::schema::{ColumnSchema, DatabaseSchema, TableSchema};
use crate::vocab::{Class, DbError, Dialect, MappedEntry, RowGuard, WriteOp};

impl PostgresPersister {
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
        // Prepare first (cached per connection, or closed when `statements` drops,
        // before COMMIT, behind a transaction pooler), so the executions go out in
        // order.
        let mut statements = Vec::with_capacity(items.len());
        for item in &items {
            let sql = match item {
                Item::Ledger => &self.sql.ledger_claim,
                Item::Write(group) => group.sql(),
                Item::Checkpoint => &self.sql.checkpoint,
            };
            let statement = self
                .prepare(tx, sql)
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
            qualified(table),
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
        let mut executor = TxExecutor::new(
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

    /// A statement for `sql` in `tx`: from the connection's cache, or, behind a
    /// transaction pooler, prepared in `tx` and closed when the caller drops it, which
    /// it does before COMMIT (the next transaction may run on another server
    /// connection, where the statement would not exist, or its name be another's).
    async fn prepare(
        &self,
        tx: &Transaction<'_>,
        sql: &str,
    ) -> Result<tokio_postgres::Statement, tokio_postgres::Error> {
        if self.transaction_pooler {
            tx.prepare(sql).await
        } else {
            self.bound_statement_cache(tx);
            tx.prepare_cached(sql).await
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
        let statement = self
            .prepare(tx, &prepared.sql.single)
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
    pub(super) async fn read_runtime_tables(
        &self,
        client: &impl tokio_postgres::GenericClient,
    ) -> Result<RuntimeTables, DbError> {
        let mut names: Vec<&str> = TABLES.to_vec();
        names.push(VERSION_TABLE);
        let rows = client
            .query_typed(
                &self.sql.tables,
                &[(&self.sql.schema, Type::TEXT), (&names, Type::TEXT_ARRAY)],
            )
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
                .query_typed_one(&self.sql.version_select, &[])
                .await
                .and_then(|row| row.try_get(0))
                .map_err(|e| runtime_error(&self.sql.version, &e))?;
        }
        Ok(found)
    }
}

pub(super) async fn migrate(persister: &PostgresPersister) -> Result<(), DbError> {
    let mut client = persister.client().await?;
    let tx = client.transaction().await.map_err(|e| from_pg(&e, None))?;
    // Instances starting at once (a deploy) migrate one after the other: the next
    // finds the work done. Concurrent CREATE TABLE IF NOT EXISTS can otherwise fail.
    tx.batch_execute("SELECT pg_advisory_xact_lock(hashtext('powersync_write_migrate'))")
        .await
        .map_err(|e| from_pg(&e, None))?;
    if let Err(problem @ SchemaProblem::Newer { .. }) =
        persister.read_runtime_tables(&*tx).await?.check()
    {
        return Err(problem.into());
    }
    tx.batch_execute(&persister.sql.migrate)
        .await
        .map_err(|e| from_pg(&e, None))?;
    tx.commit().await.map_err(|e| from_pg(&e, None))
}

pub(super) async fn apply(
    persister: &PostgresPersister,
    work: &TransactionWork<'_>,
) -> Result<Applied, DbError> {
    // Values are converted before the database is touched.
    let steps = plan(&persister.statements, work, true)?;
    let mut client = persister.client().await?;
    let outcome = match persister.attempt(&mut client, work, &steps, false).await {
        Err(Stop::Locate(_)) => {
            let steps = plan(&persister.statements, work, false)?;
            persister.attempt(&mut client, work, &steps, true).await
        }
        other => other,
    };
    match outcome {
        Ok(write_checkpoint) => Ok(Applied::Written { write_checkpoint }),
        Err(Stop::Duplicate) => Ok(Applied::Duplicate),
        Err(Stop::Fail(error) | Stop::Locate(error)) => Err(error),
    }
}

pub(super) async fn store_dead_letter(
    persister: &PostgresPersister,
    letter: &NewDeadLetter,
) -> Result<String, DbError> {
    let id = uuid::Uuid::new_v4().to_string();
    let mut client = persister.client().await?;
    let tx = client
        .transaction()
        .await
        .map_err(|e| runtime_error(&persister.sql.dead_letters, &e))?;
    if let Some((client_id, last_op_id)) = &letter.idempotency {
        tx.execute(
            &persister.sql.ledger_advance,
            &[
                &letter.subject as &(dyn ToSql + Sync),
                client_id,
                last_op_id,
            ],
        )
        .await
        .map_err(|e| runtime_error(&persister.sql.ledger, &e))?;
    }
    let transaction = letter.transaction.to_string();
    let details = letter.error_details.to_string();
    let operation_index = i32::try_from(letter.operation_index).unwrap_or(i32::MAX);
    let ledger_client = letter.idempotency.as_ref().map(|(c, _)| c.as_str());
    let ledger_op = letter.idempotency.as_ref().map(|(_, op)| *op);
    tx.execute(
        &persister.sql.dead_letter_insert,
        &[
            &id as &(dyn ToSql + Sync),
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
    .map_err(|e| runtime_error(&persister.sql.dead_letters, &e))?;
    tx.commit()
        .await
        .map_err(|e| runtime_error(&persister.sql.dead_letters, &e))?;
    Ok(id)
}

pub(super) async fn list_dead_letters(
    persister: &PostgresPersister,
    limit: usize,
) -> Result<Vec<DeadLetter>, DbError> {
    let client = persister.client().await?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let sql = format!("{} ORDER BY seq LIMIT $1", persister.sql.dead_letter_select);
    let rows = client
        .query_typed(&sql, &[(&limit, Type::INT8)])
        .await
        .map_err(|e| runtime_error(&persister.sql.dead_letters, &e))?;
    rows.iter()
        .map(dead_letter)
        .collect::<Result<_, _>>()
        .map_err(|e| runtime_error(&persister.sql.dead_letters, &e))
}

pub(super) async fn find_dead_letter(
    persister: &PostgresPersister,
    subject: &str,
    client_id: &str,
    last_op_id: i64,
) -> Result<Option<DeadLetter>, DbError> {
    let client = persister.client().await?;
    let sql = format!(
        "{} WHERE subject = $1 AND ledger_client_id = $2 AND ledger_op_id = $3 \
         ORDER BY created_at LIMIT 1",
        persister.sql.dead_letter_select
    );
    let row = client
        .query_typed_opt(
            &sql,
            &[
                (&subject, Type::TEXT),
                (&client_id, Type::TEXT),
                (&last_op_id, Type::INT8),
            ],
        )
        .await
        .map_err(|e| runtime_error(&persister.sql.dead_letters, &e))?;
    row.as_ref()
        .map(dead_letter)
        .transpose()
        .map_err(|e| runtime_error(&persister.sql.dead_letters, &e))
}

pub(super) async fn get_dead_letter(
    persister: &PostgresPersister,
    id: &str,
) -> Result<Option<DeadLetter>, DbError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Ok(None);
    }
    let client = persister.client().await?;
    let sql = format!(
        "{} WHERE id = $1::text::uuid",
        persister.sql.dead_letter_select
    );
    let row = client
        .query_typed_opt(&sql, &[(&id, Type::TEXT)])
        .await
        .map_err(|e| runtime_error(&persister.sql.dead_letters, &e))?;
    row.as_ref()
        .map(dead_letter)
        .transpose()
        .map_err(|e| runtime_error(&persister.sql.dead_letters, &e))
}

pub(super) async fn delete_dead_letter(
    persister: &PostgresPersister,
    id: &str,
) -> Result<bool, DbError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Ok(false);
    }
    let client = persister.client().await?;
    let deleted = client
        .query_typed(&persister.sql.dead_letter_delete, &[(&id, Type::TEXT)])
        .await
        .map_err(|e| runtime_error(&persister.sql.dead_letters, &e))?;
    Ok(!deleted.is_empty())
}

/// A dead letter read back from its row.
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
        DbError::Database { code, .. } => classify(code) != Some(Class::Retryable),
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
            columns.retain(|(c, _): &(&ColumnSchema, &Value)| c.name != column.name);
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
            ) -> Result<&'s ColumnSchema, DbError> {
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

// ---- custom handlers: the open transaction as a `SqlExecutor` ----

// Parameters are encoded for the type PostgreSQL inferred for each placeholder:
// integers, floats, booleans and text as such, text also for uuid, json, jsonb and
// enums, and a number or boolean for a text placeholder as its text. Any other
// combination is an error that says to cast the placeholder (`$1::text::inet`).
// Query results decode booleans, integers, floats, numeric, text-like values and
// enums, uuid, json and jsonb; other columns must be cast to text in the query.

type BoxError = Box<dyn Error + Sync + Send>;

pub struct TxExecutor<'t, 'c> {
    tx: &'t Transaction<'c>,
    persister: &'t PostgresPersister,
    schema: &'t DatabaseSchema,
    /// The uploader's subject, for guarded default writes.
    subject: &'t str,
    /// The handler's entry: errors of its statements are located there.
    operation_index: usize,
}

impl<'t, 'c> TxExecutor<'t, 'c> {
    pub fn new(
        tx: &'t Transaction<'c>,
        persister: &'t PostgresPersister,
        schema: &'t DatabaseSchema,
        subject: &'t str,
        operation_index: usize,
    ) -> Self {
        TxExecutor {
            tx,
            persister,
            schema,
            subject,
            operation_index,
        }
    }

    fn error(&self, error: &tokio_postgres::Error) -> DbError {
        from_pg(error, Some(self.operation_index))
    }
}

#[async_trait]
impl SqlExecutor for TxExecutor<'_, '_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn execute(&mut self, sql: &str, params: &[SqlParam]) -> Result<u64, DbError> {
        let statement = self
            .persister
            .prepare(self.tx, sql)
            .await
            .map_err(|e| self.error(&e))?;
        let params: Vec<Param<'_>> = params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        self.tx
            .execute(&statement, &refs)
            .await
            .map_err(|e| self.error(&e))
    }

    async fn query(
        &mut self,
        sql: &str,
        params: &[SqlParam],
    ) -> Result<Vec<Map<String, Value>>, DbError> {
        let statement = self
            .persister
            .prepare(self.tx, sql)
            .await
            .map_err(|e| self.error(&e))?;
        let params: Vec<Param<'_>> = params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self
            .tx
            .query(&statement, &refs)
            .await
            .map_err(|e| self.error(&e))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut object = Map::new();
            for (index, column) in row.columns().iter().enumerate() {
                let AnyValue(value) = row.try_get(index).map_err(|e| self.error(&e))?;
                object.insert(column.name().to_string(), value);
            }
            out.push(object);
        }
        Ok(out)
    }

    async fn apply_default(&mut self, entry: &MappedEntry) -> Result<(), DbError> {
        self.persister
            .apply_one(self.tx, self.schema, entry, self.subject)
            .await
    }
}

fn is_text(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    ) || ty.name() == "citext"
        || matches!(ty.kind(), Kind::Enum(_))
}

/// A handler's parameter, encoded for the placeholder's inferred type.
#[derive(Debug)]
struct Param<'a>(&'a SqlParam);

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let cast = || -> BoxError {
            format!(
                "a {:?} parameter cannot be sent as {}: cast the placeholder, e.g. `$1::text::{}`",
                self.0, ty, ty
            )
            .into()
        };
        match self.0 {
            SqlParam::Null => Ok(IsNull::Yes),
            SqlParam::Bool(b) if *ty == Type::BOOL => b.to_sql(ty, out),
            SqlParam::Bool(b) if is_text(ty) => b.to_string().as_str().to_sql(&Type::TEXT, out),
            SqlParam::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT8 => i.to_sql(ty, out),
                Type::FLOAT4 => (*i as f32).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                _ if is_text(ty) => i.to_string().as_str().to_sql(&Type::TEXT, out),
                _ => Err(cast()),
            },
            SqlParam::Float(f) => match *ty {
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                Type::FLOAT8 => f.to_sql(ty, out),
                _ if is_text(ty) => f.to_string().as_str().to_sql(&Type::TEXT, out),
                _ => Err(cast()),
            },
            SqlParam::Text(s) => match *ty {
                Type::UUID => {
                    out.put_slice(uuid::Uuid::parse_str(s)?.as_bytes());
                    Ok(IsNull::No)
                }
                Type::JSON => {
                    serde_json::from_str::<serde::de::IgnoredAny>(s)?;
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::JSONB => {
                    serde_json::from_str::<serde::de::IgnoredAny>(s)?;
                    out.put_u8(1);
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::INT2 => s.trim().parse::<i16>()?.to_sql(ty, out),
                Type::INT4 => s.trim().parse::<i32>()?.to_sql(ty, out),
                Type::INT8 => s.trim().parse::<i64>()?.to_sql(ty, out),
                Type::FLOAT4 => s.trim().parse::<f32>()?.to_sql(ty, out),
                Type::FLOAT8 => s.trim().parse::<f64>()?.to_sql(ty, out),
                _ if is_text(ty) => {
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ => Err(cast()),
            },
            SqlParam::Bool(_) => Err(cast()),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A result column as JSON.
struct AnyValue(Value);

impl<'a> FromSql<'a> for AnyValue {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let value = match *ty {
            Type::BOOL => Value::Bool(bool::from_sql(ty, raw)?),
            Type::INT2 => Value::from(i16::from_sql(ty, raw)?),
            Type::INT4 => Value::from(i32::from_sql(ty, raw)?),
            Type::INT8 => Value::from(i64::from_sql(ty, raw)?),
            Type::OID => Value::from(u32::from_sql(ty, raw)?),
            Type::FLOAT4 => Number::from_f64(f64::from(f32::from_sql(ty, raw)?))
                .map_or(Value::Null, Value::Number),
            Type::FLOAT8 => {
                Number::from_f64(f64::from_sql(ty, raw)?).map_or(Value::Null, Value::Number)
            }
            Type::NUMERIC => Value::String(numeric_text(raw)?),
            Type::UUID => Value::String(uuid::Uuid::from_slice(raw)?.hyphenated().to_string()),
            Type::JSON => serde_json::from_slice(raw)?,
            Type::JSONB => serde_json::from_slice(raw.get(1..).unwrap_or_default())?,
            _ if is_text(ty) => Value::String(std::str::from_utf8(raw)?.to_string()),
            _ => {
                return Err(
                    format!("cannot read a {ty} column: cast it to text in the query").into(),
                );
            }
        };
        Ok(AnyValue(value))
    }

    fn from_sql_null(_ty: &Type) -> Result<Self, BoxError> {
        Ok(AnyValue(Value::Null))
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }
}

/// The binary `numeric` format (base-10000 digits) as decimal text.
fn numeric_text(raw: &[u8]) -> Result<String, BoxError> {
    let word = |at: usize| -> Result<i32, BoxError> {
        let bytes = raw.get(at..at + 2).ok_or("truncated numeric")?;
        Ok(i32::from(i16::from_be_bytes([bytes[0], bytes[1]])))
    };
    let (count, weight, sign, scale) = (word(0)?, word(2)?, word(4)? as u16, word(6)?);
    match sign {
        0xC000 => return Ok("NaN".to_string()),
        0xD000 => return Ok("Infinity".to_string()),
        0xF000 => return Ok("-Infinity".to_string()),
        _ => {}
    }
    let digits: Vec<i32> = (0..count.max(0) as usize)
        .map(|i| word(8 + 2 * i))
        .collect::<Result<_, _>>()?;
    let digit = |position: i32| -> i32 {
        usize::try_from(position)
            .ok()
            .and_then(|p| digits.get(p))
            .copied()
            .unwrap_or(0)
    };
    let mut text = String::new();
    if sign == 0x4000 {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        for position in 0..=weight {
            let group = digit(position);
            if position == 0 {
                text.push_str(&group.to_string());
            } else {
                text.push_str(&format!("{group:04}"));
            }
        }
    }
    if scale > 0 {
        text.push('.');
        let mut fraction = String::new();
        let mut position = weight + 1;
        while (fraction.len() as i32) < scale {
            fraction.push_str(&format!("{:04}", digit(position)));
            position += 1;
        }
        fraction.truncate(scale as usize);
        text.push_str(&fraction);
    }
    Ok(text)
}
