//! SQL text: the write of each shape of entries (table, operation, column set, guard)
//! and the runtime's own tables' statements. Identifiers come only from the
//! introspected schema and are always quoted; values are always parameters. The
//! statements are cached prepared per connection (rusqlite's statement cache).

use super::super::and_conditions;
use crate::schema::{ColumnSchema, TableSchema};
use crate::vocab::{MappedEntry, PutMode, RowGuard, WriteOp};

/// What makes entries share one statement.
#[derive(Debug, PartialEq)]
pub struct Shape<'a> {
    pub table: &'a str,
    pub op: WriteOp,
    pub key_column: &'a str,
    /// Sorted, without duplicates and without the key column.
    pub columns: Vec<&'a str>,
    pub guard: Option<&'a RowGuard>,
}

impl<'a> Shape<'a> {
    pub fn of(entry: &'a MappedEntry) -> Self {
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

/// The statement of one shape: `?1` is the key, `?2..` the columns in order, and
/// with a guard the uploader's subject last. `None` when there is nothing to do (a
/// PATCH of no column).
pub fn statement(
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

// ---- the runtime's own tables ----

pub const LEDGER: &str = "powersync_write_ledger";
pub const CHECKPOINTS: &str = "powersync_write_checkpoints";
pub const DEAD_LETTERS: &str = "powersync_write_dead_letters";

/// Created by `migrate` only; `IF NOT EXISTS` makes it safe to run at every start.
///
/// The ledger is keyed by the token's `sub` and the client id: a `client_id` alone is
/// chosen by the client, so another user who learns it must not move its ledger.
pub const MIGRATION: &str = "
CREATE TABLE IF NOT EXISTS powersync_write_ledger (
    subject TEXT NOT NULL,
    client_id TEXT NOT NULL,
    last_op_id INTEGER NOT NULL,
    PRIMARY KEY (subject, client_id)
);
CREATE TABLE IF NOT EXISTS powersync_write_checkpoints (
    user_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    checkpoint INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
CREATE TABLE IF NOT EXISTS powersync_write_dead_letters (
    id TEXT PRIMARY KEY NOT NULL,
    created_at TEXT NOT NULL,
    subject TEXT NOT NULL,
    client_id TEXT,
    \"transaction\" TEXT NOT NULL,
    error_code TEXT NOT NULL,
    error_message TEXT NOT NULL,
    error_details TEXT NOT NULL,
    operation_index INTEGER NOT NULL,
    ledger_client_id TEXT,
    ledger_op_id INTEGER
);
CREATE INDEX IF NOT EXISTS powersync_write_dead_letters_created
    ON powersync_write_dead_letters (created_at);
CREATE INDEX IF NOT EXISTS powersync_write_dead_letters_ledger
    ON powersync_write_dead_letters (ledger_client_id, ledger_op_id);
CREATE TABLE IF NOT EXISTS powersync_write_schema_version (
    singleton INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
    version INTEGER NOT NULL,
    migrated_at TEXT NOT NULL
);
";

pub const DEAD_LETTER_COLUMNS: &str = "id, created_at, subject, client_id, \"transaction\", error_code, \
     error_message, error_details, operation_index, ledger_client_id, ledger_op_id";

/// Moves a ledger of the first layout (keyed by `client_id` alone) under the empty subject.
pub const UPGRADE_LEDGER: &str =
    "ALTER TABLE powersync_write_ledger RENAME TO powersync_write_ledger_v1;
         CREATE TABLE powersync_write_ledger (
             subject TEXT NOT NULL,
             client_id TEXT NOT NULL,
             last_op_id INTEGER NOT NULL,
             PRIMARY KEY (subject, client_id));
         INSERT INTO powersync_write_ledger (subject, client_id, last_op_id)
             SELECT '', client_id, last_op_id FROM powersync_write_ledger_v1;
         DROP TABLE powersync_write_ledger_v1;";

/// The last op_id applied for (?1 subject, ?2 client), a migrated row of the client too.
pub const LEDGER_LAST: &str = "SELECT max(last_op_id) FROM powersync_write_ledger \
         WHERE client_id = ?2 AND subject IN (?1, '')";

/// Moves (?1 subject, ?2 client) forward to ?3, never backwards.
pub const LEDGER_ADVANCE: &str = "INSERT INTO powersync_write_ledger (subject, client_id, last_op_id) VALUES (?1, ?2, ?3) \
         ON CONFLICT (subject, client_id) DO UPDATE SET last_op_id = max(last_op_id, excluded.last_op_id)";

/// Increments the write checkpoint of (?1 user, ?2 client) and returns it.
pub const CHECKPOINT_INCREMENT: &str = "INSERT INTO powersync_write_checkpoints (user_id, client_id, checkpoint) VALUES (?1, ?2, 1) \
         ON CONFLICT (user_id, client_id) DO UPDATE SET checkpoint = checkpoint + 1 \
         RETURNING checkpoint";

/// Inserts a dead letter (?1 id, then the columns in order).
pub const DEAD_LETTER_INSERT: &str = "INSERT INTO powersync_write_dead_letters (id, created_at, subject, client_id, \
         \"transaction\", error_code, error_message, error_details, operation_index, \
         ledger_client_id, ledger_op_id) \
         VALUES (?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/// Deletes the dead letter ?1.
pub const DEAD_LETTER_DELETE: &str = "DELETE FROM powersync_write_dead_letters WHERE id = ?1";
