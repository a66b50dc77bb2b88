//! SQL text: the writes' statements by shape ([`Shape`], cached in [`SqlCache`]) and
//! the runtime's own tables' statements ([`RuntimeSql`]).
//!
//! Identifiers come only from the introspected schema and are always quoted with
//! backticks. Values are `?` placeholders, converted to the column's type first; a
//! prepared statement binds them, a script ([`super::script`]) writes them in as
//! literals that no escaping rule can misread.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, PoisonError, RwLock};

use crate::persist::and_conditions;
use crate::persist::version::{SCHEMA_VERSION, TABLES, VERSION_TABLE};
use crate::schema::{ColumnSchema, TableSchema};
use crate::vocab::{PutMode, WriteOp};

/// `name` as a quoted identifier: wrapped in backticks, embedded backticks doubled.
pub fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The write of a group of same-shape entries: the key column and the supplied
/// columns (sorted by name, so entries listing them in another order share it).
pub struct Shape<'s> {
    pub table: &'s TableSchema,
    pub op: WriteOp,
    pub key: &'s ColumnSchema,
    pub columns: Vec<&'s ColumnSchema>,
    /// The ownership condition, if the table has one.
    pub guard: Option<Guard<'s>>,
}

/// A [`crate::vocab::RowGuard`] resolved against the schema. The uploader's subject
/// is the statement's last parameter.
pub enum Guard<'s> {
    /// The row's `column` is the subject.
    Owner { column: &'s ColumnSchema },
    /// The row's `column` references `parent`'s `key` on a row whose `owner` is the
    /// subject.
    Parent {
        column: &'s ColumnSchema,
        parent: &'s TableSchema,
        key: &'s ColumnSchema,
        owner: &'s ColumnSchema,
    },
}

/// The statements of one shape. Parameters: the key, then the columns in order, per
/// row; a guarded statement's subject last.
#[derive(Debug, PartialEq, Eq)]
pub struct ShapeSql {
    /// PUT: `INSERT ... VALUES (row) ON DUPLICATE KEY UPDATE ...`; PATCH: one
    /// `UPDATE` of one row; DELETE: `DELETE ... WHERE key IN (?)`.
    pub single: String,
    /// The text for `rows` entries (PUT and DELETE: one multi-row statement; PATCH
    /// is never grouped, see [`Shape::groupable`]).
    pub head: String,
    /// PUT: one `(?, ...)` row, repeated after `head`; DELETE: `?` repeated in `IN`.
    pub row: String,
    /// Appended after the rows.
    pub tail: String,
    /// The guard checks run before a guarded PUT (its stored row, its sent parent).
    pub put_stored_check: Option<String>,
    pub put_sent_check: Option<String>,
}

impl ShapeSql {
    /// The statement for `rows` entries of this shape.
    pub fn for_rows(&self, rows: usize) -> String {
        if rows <= 1 {
            return self.single.clone();
        }
        let mut sql = self.head.clone();
        for i in 0..rows {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&self.row);
        }
        sql.push_str(&self.tail);
        sql
    }
}

impl Shape<'_> {
    /// The statements; `None` when there is nothing to do (a PATCH without columns).
    pub fn statements(&self) -> Option<ShapeSql> {
        let table = quote_ident(&self.table.name);
        let key = quote_ident(&self.key.name);
        let stored = self.stored_condition(&table);
        Some(match self.op {
            WriteOp::Put(mode) => {
                let row = format!("({})", vec!["?"; self.columns.len() + 1].join(", "));
                let head = format!("INSERT INTO {table} ({}) VALUES ", self.names());
                let tail = format!(" {}", self.on_duplicate(mode));
                ShapeSql {
                    single: format!("{head}{row}{tail}"),
                    head,
                    row,
                    tail,
                    put_stored_check: stored.map(|condition| {
                        format!("SELECT {condition} FROM {table} WHERE {key} = ? FOR UPDATE")
                    }),
                    put_sent_check: self
                        .sent_condition()
                        .map(|condition| format!("SELECT {condition}")),
                }
            }
            WriteOp::Patch => {
                if self.columns.is_empty() {
                    return None;
                }
                let sets: Vec<String> = self
                    .columns
                    .iter()
                    .map(|c| format!("{} = ?", quote_ident(&c.name)))
                    .collect();
                // The key's parameter comes first in the values: bound last here,
                // the caller reorders (see `store::Group::params`).
                let single = format!(
                    "UPDATE {table} SET {} WHERE {key} = ?{}",
                    sets.join(", "),
                    and_conditions([stored, self.sent_condition()])
                );
                ShapeSql {
                    head: single.clone(),
                    single,
                    row: String::new(),
                    tail: String::new(),
                    put_stored_check: None,
                    put_sent_check: None,
                }
            }
            WriteOp::Delete => {
                let head = format!("DELETE FROM {table} WHERE {key} IN (");
                let tail = format!("){}", and_conditions([stored, None]));
                ShapeSql {
                    single: format!("{head}?{tail}"),
                    head,
                    row: "?".to_string(),
                    tail,
                    put_stored_check: None,
                    put_sent_check: None,
                }
            }
        })
    }

    /// Whether entries of this shape may share one statement: PUT and DELETE
    /// without a guard (a guarded PUT runs its checks per entry; PATCH is one
    /// `UPDATE` per entry, each prepared once per connection).
    pub fn groupable(&self) -> bool {
        matches!(self.op, WriteOp::Put(_) | WriteOp::Delete)
            && !(self.guard.is_some() && matches!(self.op, WriteOp::Put(_)))
    }

    /// Everything the statement text depends on, joined with NUL: the key of
    /// [`SqlCache`].
    pub fn cache_key(&self) -> String {
        let mut key = String::with_capacity(64 + 32 * self.columns.len());
        let op = match self.op {
            WriteOp::Put(PutMode::Merge) => "M",
            WriteOp::Put(PutMode::Replace) => "R",
            WriteOp::Patch => "U",
            WriteOp::Delete => "D",
        };
        for part in [op, &self.table.name, &self.key.name] {
            key.push_str(part);
            key.push('\0');
        }
        let _ = write!(key, "{}\0", self.columns.len());
        for column in &self.columns {
            key.push_str(&column.name);
            key.push('\0');
        }
        if self.op == WriteOp::Put(PutMode::Replace) {
            // The other columns of the table are set to NULL by name.
            for name in self.table.columns.keys() {
                key.push_str(name);
                key.push('\0');
            }
        }
        match &self.guard {
            None => {}
            Some(Guard::Owner { column }) => {
                for part in ["owner", &column.name] {
                    key.push_str(part);
                    key.push('\0');
                }
            }
            Some(Guard::Parent {
                column,
                parent,
                key: parent_key,
                owner,
            }) => {
                for part in [
                    "parent",
                    &column.name,
                    &parent.name,
                    &parent_key.name,
                    &owner.name,
                ] {
                    key.push_str(part);
                    key.push('\0');
                }
            }
        }
        key
    }

    /// `EXISTS` a parent row with key `reference` owned by the subject (`?`).
    fn parent_owned(&self, reference: &str) -> Option<String> {
        let Some(Guard::Parent {
            parent, key, owner, ..
        }) = &self.guard
        else {
            return None;
        };
        Some(format!(
            "EXISTS (SELECT 1 FROM {} AS _p WHERE _p.{} = {reference} AND _p.{} = ?)",
            quote_ident(&parent.name),
            quote_ident(&key.name),
            quote_ident(&owner.name),
        ))
    }

    /// The guard's condition on the stored row, which `row` names; one `?`, the
    /// subject.
    fn stored_condition(&self, row: &str) -> Option<String> {
        match &self.guard {
            None => None,
            Some(Guard::Owner { column }) => {
                Some(format!("{row}.{} = ?", quote_ident(&column.name)))
            }
            Some(Guard::Parent { column, .. }) => {
                self.parent_owned(&format!("{row}.{}", quote_ident(&column.name)))
            }
        }
    }

    /// For a parent guard whose column the entry sends: the condition on the value
    /// sent (bound as a parameter: `?` for the value, then `?` for the subject).
    fn sent_condition(&self) -> Option<String> {
        let Some(Guard::Parent { column, .. }) = &self.guard else {
            return None;
        };
        self.columns.iter().any(|c| c.name == column.name).then(|| {
            self.parent_owned("?")
                .expect("a parent guard has a parent condition")
        })
    }

    /// Whether the statement has a sent-value condition (its parameters then carry
    /// the sent parent value before the subject).
    pub fn sent_column(&self) -> Option<usize> {
        let Some(Guard::Parent { column, .. }) = &self.guard else {
            return None;
        };
        self.columns.iter().position(|c| c.name == column.name)
    }

    fn all(&self) -> impl Iterator<Item = &ColumnSchema> {
        std::iter::once(self.key).chain(self.columns.iter().copied())
    }

    /// `` `key`, `c1`, ... ``
    fn names(&self) -> String {
        let names: Vec<String> = self.all().map(|c| quote_ident(&c.name)).collect();
        names.join(", ")
    }

    /// `ON DUPLICATE KEY UPDATE key = IF(key = VALUES(key), key, NULL), c = VALUES(c)`.
    ///
    /// ON DUPLICATE KEY UPDATE also fires when the row collides on a unique key other
    /// than the primary key, and would then update that other row. The first
    /// assignment sets the key to NULL in that case, which strict mode refuses (1048)
    /// before any column changes; the store reports it as the duplicate key it is.
    /// Assignments run left to right, so the key's test sees the stored value.
    fn on_duplicate(&self, mode: PutMode) -> String {
        let key = quote_ident(&self.key.name);
        let mut sets = vec![format!("{key} = IF({key} = VALUES({key}), {key}, NULL)")];
        sets.extend(
            self.columns
                .iter()
                .map(|c| format!("{0} = VALUES({0})", quote_ident(&c.name))),
        );
        if mode == PutMode::Replace {
            // Columns the PUT does not mention become NULL on an existing row.
            sets.extend(
                self.table
                    .columns
                    .values()
                    .filter(|c| {
                        c.name != self.key.name && !self.columns.iter().any(|s| s.name == c.name)
                    })
                    .map(|c| format!("{} = NULL", quote_ident(&c.name))),
            );
        }
        format!("ON DUPLICATE KEY UPDATE {}", sets.join(", "))
    }
}

/// Statement texts by [`Shape::cache_key`], so the hot path does not rebuild them for
/// every entry. The key holds everything the text depends on, so a schema refresh
/// needs no invalidation: a changed shape is a new key.
#[derive(Default)]
pub struct SqlCache {
    map: RwLock<HashMap<String, Option<Arc<ShapeSql>>>>,
}

/// Past this many shapes the cache starts over (old schemas' shapes go away with it).
const CACHE_LIMIT: usize = 4096;

impl SqlCache {
    pub fn statements(&self, shape: &Shape<'_>) -> Option<Arc<ShapeSql>> {
        let key = shape.cache_key();
        if let Some(found) = self
            .map
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return found.clone();
        }
        let built = shape.statements().map(Arc::new);
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        map.entry(key).or_insert(built).clone()
    }
}

/// The message fragment of the 1048 that [`RuntimeSql::ledger_claim`] raises for a
/// replay.
pub const LEDGER_REPLAY: &str = "'last_op_id'";

/// The runtime's own statements (its tables live in the connection's database).
pub struct RuntimeSql {
    /// Quoted names, for messages.
    pub ledger: String,
    pub checkpoints: String,
    pub dead_letters: String,
    pub version: String,
    /// Run one by one (DDL commits implicitly in MySQL), under `GET_LOCK`.
    pub migrate: Vec<String>,
    /// Which runtime tables exist and whether the ledger has `subject`.
    pub tables: String,
    pub version_select: String,
    /// Claims the transaction's op id (`?`: subject, client id, op id): creates the
    /// ledger row or raises it, and locks it until the transaction ends, so uploads
    /// of one client queue up. An op id at or below the stored one is a replay: the
    /// statement then sets the NOT NULL `last_op_id` to NULL, which the strict
    /// session refuses (1048, [`LEDGER_REPLAY`]), so that nothing after it in a
    /// script runs.
    pub ledger_claim: String,
    /// Raises the ledger to at least the op id (dead letters; `?`: subject, client
    /// id, op id).
    pub ledger_advance: String,
    pub checkpoint_bump: String,
    pub checkpoint_read: String,
    pub dead_letter_insert: String,
    pub dead_letter_select: String,
    pub dead_letter_delete: String,
}

impl RuntimeSql {
    pub fn new() -> Self {
        let ledger = quote_ident(TABLES[0]);
        let checkpoints = quote_ident(TABLES[1]);
        let dead_letters = quote_ident(TABLES[2]);
        let version = quote_ident(VERSION_TABLE);
        let table_options = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
        let columns = "id, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%fZ'), subject, client_id, \
                       `transaction`, error_code, error_message, error_details, operation_index, \
                       ledger_client_id, ledger_op_id";
        let names: Vec<String> = TABLES
            .iter()
            .chain([&VERSION_TABLE])
            .map(|name| format!("'{name}'"))
            .collect();
        RuntimeSql {
            tables: format!(
                "SELECT t.TABLE_NAME, EXISTS (SELECT 1 FROM information_schema.COLUMNS c \
                 WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME \
                 AND c.COLUMN_NAME = 'subject') \
                 FROM information_schema.TABLES t \
                 WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME IN ({})",
                names.join(", ")
            ),
            version_select: format!("SELECT MAX(version) FROM {version}"),
            // Text columns are utf8mb4_bin: ids compare exactly, as on the other
            // databases. 255 characters keeps the keys within InnoDB's index limit.
            migrate: vec![
                format!(
                    "CREATE TABLE IF NOT EXISTS {ledger} (
                         subject VARCHAR(255) NOT NULL,
                         client_id VARCHAR(255) NOT NULL,
                         last_op_id BIGINT NOT NULL,
                         updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
                         PRIMARY KEY (subject, client_id)) {table_options}"
                ),
                format!(
                    "CREATE TABLE IF NOT EXISTS {checkpoints} (
                         user_id VARCHAR(255) NOT NULL,
                         client_id VARCHAR(255) NOT NULL,
                         checkpoint BIGINT NOT NULL,
                         PRIMARY KEY (user_id, client_id)) {table_options}"
                ),
                format!(
                    "CREATE TABLE IF NOT EXISTS {dead_letters} (
                         seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE,
                         id CHAR(36) NOT NULL PRIMARY KEY,
                         created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
                         subject VARCHAR(255) NOT NULL,
                         client_id VARCHAR(255),
                         `transaction` LONGTEXT NOT NULL,
                         error_code VARCHAR(255) NOT NULL,
                         error_message TEXT NOT NULL,
                         error_details LONGTEXT NOT NULL,
                         operation_index INT NOT NULL,
                         ledger_client_id VARCHAR(255),
                         ledger_op_id BIGINT,
                         INDEX `powersync_write_dead_letters_ledger` (subject, ledger_client_id, ledger_op_id))
                         {table_options}"
                ),
                format!(
                    "CREATE TABLE IF NOT EXISTS {version} (
                         singleton BOOLEAN NOT NULL DEFAULT TRUE PRIMARY KEY,
                         version BIGINT NOT NULL,
                         migrated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
                         CHECK (singleton)) {table_options}"
                ),
                format!(
                    "INSERT INTO {version} (singleton, version) VALUES (TRUE, {SCHEMA_VERSION}) \
                     ON DUPLICATE KEY UPDATE migrated_at = IF(version <> VALUES(version), \
                     CURRENT_TIMESTAMP(6), migrated_at), version = VALUES(version)"
                ),
            ],
            ledger_claim: format!(
                "INSERT INTO {ledger} (subject, client_id, last_op_id) VALUES (?, ?, ?) \
                 ON DUPLICATE KEY UPDATE last_op_id = IF(last_op_id < VALUES(last_op_id), \
                 VALUES(last_op_id), NULL), updated_at = CURRENT_TIMESTAMP(6)"
            ),
            ledger_advance: format!(
                "INSERT INTO {ledger} (subject, client_id, last_op_id) VALUES (?, ?, ?) \
                 ON DUPLICATE KEY UPDATE last_op_id = GREATEST(last_op_id, VALUES(last_op_id)), \
                 updated_at = CURRENT_TIMESTAMP(6)"
            ),
            checkpoint_bump: format!(
                "INSERT INTO {checkpoints} (user_id, client_id, checkpoint) VALUES (?, ?, 1) \
                 ON DUPLICATE KEY UPDATE checkpoint = checkpoint + 1"
            ),
            checkpoint_read: format!(
                "SELECT checkpoint FROM {checkpoints} WHERE user_id = ? AND client_id = ?"
            ),
            dead_letter_insert: format!(
                "INSERT INTO {dead_letters} (id, subject, client_id, `transaction`, error_code, \
                 error_message, error_details, operation_index, ledger_client_id, ledger_op_id) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            dead_letter_select: format!("SELECT {columns} FROM {dead_letters}"),
            dead_letter_delete: format!("DELETE FROM {dead_letters} WHERE id = ?"),
            ledger,
            checkpoints,
            dead_letters,
            version,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::schema::ColumnType;

    fn column(name: &str) -> ColumnSchema {
        ColumnSchema {
            name: name.into(),
            ty: ColumnType::Text,
            nullable: true,
            sql_type: "text".into(),
        }
    }

    fn table() -> TableSchema {
        let mut columns = BTreeMap::new();
        for c in [column("id"), column("a`b"), column("n")] {
            columns.insert(c.name.clone(), c);
        }
        TableSchema {
            name: "my `t`".into(),
            namespace: None,
            columns,
            primary_key: Some(vec!["id".into()]),
            unwritable: None,
        }
    }

    #[test]
    fn quoting_doubles_embedded_backticks() {
        assert_eq!(quote_ident("a`b"), "`a``b`");
        assert_eq!(quote_ident("x\"y"), "`x\"y`");
    }

    #[test]
    fn grouped_upsert_and_delete() {
        let table = table();
        let shape = |op, columns: &[&str]| Shape {
            table: &table,
            op,
            key: &table.columns["id"],
            columns: columns.iter().map(|c| &table.columns[*c]).collect(),
            guard: None,
        };
        let merge = shape(WriteOp::Put(PutMode::Merge), &["a`b"])
            .statements()
            .unwrap();
        assert_eq!(
            merge.for_rows(2),
            "INSERT INTO `my ``t``` (`id`, `a``b`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE \
             `id` = IF(`id` = VALUES(`id`), `id`, NULL), `a``b` = VALUES(`a``b`)"
        );
        let replace = shape(WriteOp::Put(PutMode::Replace), &["a`b"])
            .statements()
            .unwrap();
        assert!(
            replace.single.ends_with(", `n` = NULL"),
            "{}",
            replace.single
        );
        let delete = shape(WriteOp::Delete, &[]).statements().unwrap();
        assert_eq!(
            delete.for_rows(3),
            "DELETE FROM `my ``t``` WHERE `id` IN (?, ?, ?)"
        );
        assert!(shape(WriteOp::Patch, &[]).statements().is_none());
        assert!(!shape(WriteOp::Patch, &["n"]).groupable());
    }
}
