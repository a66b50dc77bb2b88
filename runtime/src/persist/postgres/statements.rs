//! SQL text: the writes' statements by shape ([`Shape`], cached in [`SqlCache`]) and
//! the runtime's own tables' statements ([`RuntimeSql`]).
//!
//! Identifiers come only from the introspected schema and are always quoted; values
//! never appear in SQL: each column of a write travels as one `text[]` parameter and
//! is cast to the column's type (`ColumnSchema::sql_type`, which introspection builds
//! from quoted catalog names).

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, PoisonError, RwLock};

use super::introspect::RUNTIME_PREFIX;
use crate::persist::and_conditions;
use crate::persist::version::{SCHEMA_VERSION, VERSION_TABLE};
use crate::schema::{ColumnSchema, TableSchema};
use crate::vocab::{PutMode, WriteOp};

/// `name` as a quoted identifier: wrapped in double quotes, embedded quotes doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The table's quoted, schema-qualified name.
pub fn qualified(table: &TableSchema) -> String {
    match &table.namespace {
        Some(namespace) => format!("{}.{}", quote_ident(namespace), quote_ident(&table.name)),
        None => quote_ident(&table.name),
    }
}

/// The write of a group of same-shape entries: the key column and the supplied
/// columns (sorted by name, so entries listing them in another order share it).
pub struct Shape<'s> {
    pub table: &'s TableSchema,
    pub op: WriteOp,
    pub key: &'s ColumnSchema,
    pub columns: Vec<&'s ColumnSchema>,
    /// The ownership condition folded into the statement, if the table has one.
    pub guard: Option<Guard<'s>>,
}

/// A [`crate::vocab::RowGuard`] resolved against the schema. The uploader's subject
/// is the statement's last parameter (a `text`, in both forms).
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

/// The two statements of one shape. Parameters: `$1` = the key, `$2..` = the
/// columns in order.
#[derive(Debug, PartialEq, Eq)]
pub struct ShapeSql {
    /// For 2+ entries: each parameter a `text[]` with one element per entry.
    pub grouped: String,
    /// For one entry: each parameter a `text`. PostgreSQL caches a generic plan for
    /// it, which it does not for the `UNNEST` form.
    pub single: String,
}

impl Shape<'_> {
    /// Both statements; `None` when there is nothing to do (a PATCH without columns).
    pub fn statements(&self) -> Option<ShapeSql> {
        Some(ShapeSql {
            grouped: self.grouped()?,
            single: self.single()?,
        })
    }

    /// Everything the statement text depends on, joined with NUL (which PostgreSQL
    /// identifiers cannot contain): the key of [`SqlCache`].
    pub fn cache_key(&self) -> String {
        let mut key = String::with_capacity(64 + 32 * self.columns.len());
        let op = match self.op {
            WriteOp::Put(PutMode::Merge) => "M",
            WriteOp::Put(PutMode::Replace) => "R",
            WriteOp::Patch => "U",
            WriteOp::Delete => "D",
        };
        let namespace = self.table.namespace.as_deref();
        for part in [
            op,
            if namespace.is_some() { "q" } else { "u" },
            namespace.unwrap_or_default(),
            &self.table.name,
            &self.key.name,
            &self.key.sql_type,
        ] {
            key.push_str(part);
            key.push('\0');
        }
        let _ = write!(key, "{}\0", self.columns.len());
        for column in &self.columns {
            key.push_str(&column.name);
            key.push('\0');
            key.push_str(&column.sql_type);
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
                for part in ["owner", &column.name, &column.sql_type] {
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
                    &qualified(parent),
                    &parent_key.name,
                    &parent_key.sql_type,
                    &owner.name,
                    &owner.sql_type,
                ] {
                    key.push_str(part);
                    key.push('\0');
                }
            }
        }
        key
    }

    /// The subject's parameter number: after the key and the columns.
    fn subject_param(&self) -> usize {
        self.columns.len() + 2
    }

    /// `EXISTS` a parent row with key `reference` owned by the subject.
    fn parent_owned(&self, reference: &str) -> Option<String> {
        let Some(Guard::Parent {
            parent, key, owner, ..
        }) = &self.guard
        else {
            return None;
        };
        Some(format!(
            "EXISTS (SELECT 1 FROM {} AS _p WHERE _p.{} = {reference} AND _p.{} = ${}::text::{})",
            qualified(parent),
            quote_ident(&key.name),
            quote_ident(&owner.name),
            self.subject_param(),
            owner.sql_type
        ))
    }

    /// The guard's condition on the stored row, which `row` names (`_t` or the table).
    fn stored_condition(&self, row: &str) -> Option<String> {
        match &self.guard {
            None => None,
            Some(Guard::Owner { column }) => Some(format!(
                "{row}.{} = ${}::text::{}",
                quote_ident(&column.name),
                self.subject_param(),
                column.sql_type
            )),
            Some(Guard::Parent { column, .. }) => {
                self.parent_owned(&format!("{row}.{}", quote_ident(&column.name)))
            }
        }
    }

    /// For a parent guard whose column the entry sends: the condition on the value
    /// sent, `value(i, column)` being the expression of column `i` (1-based).
    fn sent_condition(&self, value: impl Fn(usize, &ColumnSchema) -> String) -> Option<String> {
        let Some(Guard::Parent { column, .. }) = &self.guard else {
            return None;
        };
        let position = self.columns.iter().position(|c| c.name == column.name)?;
        self.parent_owned(&value(position + 1, self.columns[position]))
    }

    /// ` WHERE ...` for an `INSERT ... SELECT`, when the value sent is checked.
    fn insert_filter(&self, value: impl Fn(usize, &ColumnSchema) -> String) -> String {
        self.sent_condition(value)
            .map(|condition| format!(" WHERE {condition}"))
            .unwrap_or_default()
    }

    /// The `UNNEST` statement for 2+ entries.
    fn grouped(&self) -> Option<String> {
        let table = qualified(self.table);
        let key = quote_ident(&self.key.name);
        let mut sql = String::new();
        match self.op {
            WriteOp::Put(mode) => {
                let _ = write!(
                    sql,
                    "INSERT INTO {table} ({}) SELECT {} FROM {}{} {}",
                    self.names(),
                    self.casts(),
                    self.unnest(),
                    self.insert_filter(|i, c| format!("u.p{i}::{}", c.sql_type)),
                    self.on_conflict(mode)
                );
            }
            WriteOp::Patch => {
                if self.columns.is_empty() {
                    return None;
                }
                let sets: Vec<String> = self
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        format!("{} = u.p{}::{}", quote_ident(&c.name), i + 1, c.sql_type)
                    })
                    .collect();
                let _ = write!(
                    sql,
                    "UPDATE {table} AS _t SET {} FROM {} WHERE _t.{key} = u.p0::{}{}",
                    sets.join(", "),
                    self.unnest(),
                    self.key.sql_type,
                    and_conditions([
                        self.stored_condition("_t"),
                        self.sent_condition(|i, c| format!("u.p{i}::{}", c.sql_type))
                    ])
                );
            }
            WriteOp::Delete => {
                let _ = write!(
                    sql,
                    "DELETE FROM {table} WHERE {key} IN (SELECT u.p0::{} FROM UNNEST($1::text[]) AS u(p0)){}",
                    self.key.sql_type,
                    and_conditions([self.stored_condition(&table), None])
                );
            }
        }
        Some(sql)
    }

    /// The single-row statement for one entry.
    fn single(&self) -> Option<String> {
        let table = qualified(self.table);
        let key = quote_ident(&self.key.name);
        let param = |i: usize, c: &ColumnSchema| format!("${}::text::{}", i + 1, c.sql_type);
        let sql = match self.op {
            WriteOp::Put(mode) => {
                let values: Vec<String> =
                    self.all().enumerate().map(|(i, c)| param(i, c)).collect();
                if self.guard.is_some() {
                    // The SELECT form, so the value sent can be checked.
                    format!(
                        "INSERT INTO {table} ({}) SELECT {}{} {}",
                        self.names(),
                        values.join(", "),
                        self.insert_filter(param),
                        self.on_conflict(mode)
                    )
                } else {
                    format!(
                        "INSERT INTO {table} ({}) VALUES ({}) {}",
                        self.names(),
                        values.join(", "),
                        self.on_conflict(mode)
                    )
                }
            }
            WriteOp::Patch => {
                if self.columns.is_empty() {
                    return None;
                }
                let sets: Vec<String> = self
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{} = {}", quote_ident(&c.name), param(i + 1, c)))
                    .collect();
                format!(
                    "UPDATE {table} SET {} WHERE {key} = {}{}",
                    sets.join(", "),
                    param(0, self.key),
                    and_conditions([self.stored_condition(&table), self.sent_condition(param)])
                )
            }
            WriteOp::Delete => format!(
                "DELETE FROM {table} WHERE {key} = {}{}",
                param(0, self.key),
                and_conditions([self.stored_condition(&table), None])
            ),
        };
        Some(sql)
    }

    fn all(&self) -> impl Iterator<Item = &ColumnSchema> {
        std::iter::once(self.key).chain(self.columns.iter().copied())
    }

    /// `"key", "c1", ...`
    fn names(&self) -> String {
        let names: Vec<String> = self.all().map(|c| quote_ident(&c.name)).collect();
        names.join(", ")
    }

    /// `ON CONFLICT (key) DO UPDATE SET ...` (or `DO NOTHING`).
    fn on_conflict(&self, mode: PutMode) -> String {
        let mut sets: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{0} = EXCLUDED.{0}", quote_ident(&c.name)))
            .collect();
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
        let key = quote_ident(&self.key.name);
        let stored = self.stored_condition(&qualified(self.table));
        if sets.is_empty() && stored.is_some() {
            // A guarded conflict needs DO UPDATE (DO NOTHING takes no WHERE).
            sets.push(format!("{key} = EXCLUDED.{key}"));
        }
        match (sets.is_empty(), stored) {
            (true, _) => format!("ON CONFLICT ({key}) DO NOTHING"),
            (false, None) => format!("ON CONFLICT ({key}) DO UPDATE SET {}", sets.join(", ")),
            (false, Some(stored)) => format!(
                "ON CONFLICT ({key}) DO UPDATE SET {} WHERE {stored}",
                sets.join(", ")
            ),
        }
    }

    /// `u.p0::type0, u.p1::type1, ...`
    fn casts(&self) -> String {
        let casts: Vec<String> = self
            .all()
            .enumerate()
            .map(|(i, c)| format!("u.p{i}::{}", c.sql_type))
            .collect();
        casts.join(", ")
    }

    /// `UNNEST($1::text[], ...) AS u(p0, ...)`
    fn unnest(&self) -> String {
        let count = self.columns.len() + 1;
        let params: Vec<String> = (1..=count).map(|i| format!("${i}::text[]")).collect();
        let names: Vec<String> = (0..count).map(|i| format!("p{i}")).collect();
        format!("UNNEST({}) AS u({})", params.join(", "), names.join(", "))
    }
}

/// Statement texts by [`Shape::cache_key`], so the hot path does not rebuild them for
/// every entry. The key holds everything the text depends on (names and cast types),
/// so a schema refresh needs no invalidation: a changed shape is a new key.
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

/// The runtime's own statements, with the table names qualified.
pub struct RuntimeSql {
    /// The schema the runtime's tables live in (the first configured one).
    pub schema: String,
    /// Qualified names, for messages.
    pub ledger: String,
    pub checkpoints: String,
    pub dead_letters: String,
    pub version: String,
    /// Run after `pg_advisory_xact_lock`, in the same transaction.
    pub migrate: String,
    /// Which runtime tables exist and whether the ledger has `subject` ($1: schema,
    /// $2: table names).
    pub tables: String,
    pub version_select: String,
    /// Claims the ledger row: inserts or raises `last_op_id`; 0 rows = a replay. The
    /// row stays locked until the transaction ends, so replays of one client queue up.
    pub ledger_claim: String,
    /// Raises the ledger to at least `$2` (dead letters).
    pub ledger_advance: String,
    pub checkpoint: String,
    pub dead_letter_insert: String,
    pub dead_letter_select: String,
    pub dead_letter_delete: String,
}

impl RuntimeSql {
    pub fn new(schema: &str) -> Self {
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
            dead_letter_delete: format!(
                "DELETE FROM {dead_letters} WHERE id = $1::text::uuid RETURNING 1"
            ),
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

    fn column(name: &str, sql_type: &str) -> ColumnSchema {
        ColumnSchema {
            name: name.into(),
            ty: ColumnType::Text,
            nullable: true,
            sql_type: sql_type.into(),
        }
    }

    fn table() -> TableSchema {
        let mut columns = BTreeMap::new();
        for c in [
            column("id", "\"pg_catalog\".\"uuid\""),
            column("a\"b", "\"pg_catalog\".\"text\""),
            column("n", "\"pg_catalog\".\"int4\""),
        ] {
            columns.insert(c.name.clone(), c);
        }
        TableSchema {
            name: "my \"t\"".into(),
            namespace: Some("public".into()),
            columns,
            primary_key: None,
            unwritable: None,
        }
    }

    #[test]
    fn quoting_doubles_embedded_quotes() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(qualified(&table()), "\"public\".\"my \"\"t\"\"\"");
    }

    #[test]
    fn grouped_statements() {
        let table = table();
        let shape = |op, columns: &[&str]| Shape {
            table: &table,
            op,
            key: &table.columns["id"],
            columns: columns.iter().map(|c| &table.columns[*c]).collect(),
            guard: None,
        };
        assert_eq!(
            shape(WriteOp::Put(PutMode::Merge), &["a\"b"])
                .grouped()
                .unwrap(),
            "INSERT INTO \"public\".\"my \"\"t\"\"\" (\"id\", \"a\"\"b\") SELECT u.p0::\"pg_catalog\".\"uuid\", \
             u.p1::\"pg_catalog\".\"text\" FROM UNNEST($1::text[], $2::text[]) AS u(p0, p1) \
             ON CONFLICT (\"id\") DO UPDATE SET \"a\"\"b\" = EXCLUDED.\"a\"\"b\""
        );
        assert!(
            shape(WriteOp::Put(PutMode::Replace), &["a\"b"])
                .grouped()
                .unwrap()
                .ends_with("DO UPDATE SET \"a\"\"b\" = EXCLUDED.\"a\"\"b\", \"n\" = NULL")
        );
        assert!(
            shape(WriteOp::Put(PutMode::Merge), &[])
                .grouped()
                .unwrap()
                .ends_with("DO NOTHING")
        );
        assert_eq!(shape(WriteOp::Patch, &[]).grouped(), None);
        assert_eq!(
            shape(WriteOp::Patch, &["n"]).grouped().unwrap(),
            "UPDATE \"public\".\"my \"\"t\"\"\" AS _t SET \"n\" = u.p1::\"pg_catalog\".\"int4\" FROM \
             UNNEST($1::text[], $2::text[]) AS u(p0, p1) WHERE _t.\"id\" = u.p0::\"pg_catalog\".\"uuid\""
        );
        assert_eq!(
            shape(WriteOp::Delete, &[]).grouped().unwrap(),
            "DELETE FROM \"public\".\"my \"\"t\"\"\" WHERE \"id\" IN (SELECT u.p0::\"pg_catalog\".\"uuid\" \
             FROM UNNEST($1::text[]) AS u(p0))"
        );
    }

    #[test]
    fn single_statements() {
        let table = table();
        let shape = |op, columns: &[&str]| Shape {
            table: &table,
            op,
            key: &table.columns["id"],
            columns: columns.iter().map(|c| &table.columns[*c]).collect(),
            guard: None,
        };
        assert_eq!(
            shape(WriteOp::Put(PutMode::Merge), &["a\"b"])
                .single()
                .unwrap(),
            "INSERT INTO \"public\".\"my \"\"t\"\"\" (\"id\", \"a\"\"b\") VALUES ($1::text::\"pg_catalog\".\"uuid\", \
             $2::text::\"pg_catalog\".\"text\") ON CONFLICT (\"id\") DO UPDATE SET \"a\"\"b\" = EXCLUDED.\"a\"\"b\""
        );
        assert!(
            shape(WriteOp::Put(PutMode::Replace), &["a\"b"])
                .single()
                .unwrap()
                .ends_with("DO UPDATE SET \"a\"\"b\" = EXCLUDED.\"a\"\"b\", \"n\" = NULL")
        );
        assert_eq!(shape(WriteOp::Patch, &[]).statements(), None);
        assert_eq!(
            shape(WriteOp::Patch, &["n"]).single().unwrap(),
            "UPDATE \"public\".\"my \"\"t\"\"\" SET \"n\" = $2::text::\"pg_catalog\".\"int4\" \
             WHERE \"id\" = $1::text::\"pg_catalog\".\"uuid\""
        );
        assert_eq!(
            shape(WriteOp::Delete, &[]).single().unwrap(),
            "DELETE FROM \"public\".\"my \"\"t\"\"\" WHERE \"id\" = $1::text::\"pg_catalog\".\"uuid\""
        );
    }

    #[test]
    fn cache_keys_follow_everything_the_text_depends_on() {
        let table = table();
        let shape = |table, op, columns: &[&str]| Shape {
            table,
            op,
            key: &table.columns["id"],
            columns: columns.iter().map(|c| &table.columns[*c]).collect(),
            guard: None,
        };
        let merge = WriteOp::Put(PutMode::Merge);
        let base = shape(&table, merge, &["n"]).cache_key();
        assert_eq!(base, shape(&table, merge, &["n"]).cache_key());
        for other in [
            shape(&table, WriteOp::Put(PutMode::Replace), &["n"]),
            shape(&table, WriteOp::Patch, &["n"]),
            shape(&table, merge, &["a\"b"]),
            shape(&table, merge, &[]),
        ] {
            assert_ne!(base, other.cache_key());
        }
        // A refresh that changes a column's type changes the key, and so the casts.
        let mut changed = table.clone();
        if let Some(n) = changed.columns.get_mut("n") {
            n.sql_type = "\"pg_catalog\".\"int8\"".into();
        }
        assert_ne!(base, shape(&changed, merge, &["n"]).cache_key());
        // Replace also depends on the columns it sets to NULL.
        let mut wider = table.clone();
        wider
            .columns
            .insert("z".into(), column("z", "\"pg_catalog\".\"text\""));
        let replace = WriteOp::Put(PutMode::Replace);
        assert_ne!(
            shape(&table, replace, &["n"]).cache_key(),
            shape(&wider, replace, &["n"]).cache_key()
        );
        assert_eq!(
            shape(&table, merge, &["n"]).cache_key(),
            shape(&wider, merge, &["n"]).cache_key()
        );

        let cache = SqlCache::default();
        let first = cache.statements(&shape(&table, merge, &["n"])).unwrap();
        let again = cache.statements(&shape(&table, merge, &["n"])).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let cast = cache.statements(&shape(&changed, merge, &["n"])).unwrap();
        assert!(cast.single.contains("int8") && !first.single.contains("int8"));
        assert_eq!(cache.statements(&shape(&table, WriteOp::Patch, &[])), None);
    }

    #[test]
    fn guarded_statements_check_the_stored_row_and_the_value_sent() {
        let table = table();
        let owner = table.columns.get("a\"b").unwrap();
        let owned = |op, columns: &[&str]| Shape {
            table: &table,
            op,
            key: &table.columns["id"],
            columns: columns.iter().map(|c| &table.columns[*c]).collect(),
            guard: Some(Guard::Owner { column: owner }),
        };
        let merge = WriteOp::Put(PutMode::Merge);
        // The subject is the last parameter: after the key and the columns.
        assert_eq!(
            owned(merge, &["a\"b"]).single().unwrap(),
            "INSERT INTO \"public\".\"my \"\"t\"\"\" (\"id\", \"a\"\"b\") SELECT $1::text::\"pg_catalog\".\"uuid\", \
             $2::text::\"pg_catalog\".\"text\" ON CONFLICT (\"id\") DO UPDATE SET \"a\"\"b\" = EXCLUDED.\"a\"\"b\" \
             WHERE \"public\".\"my \"\"t\"\"\".\"a\"\"b\" = $3::text::\"pg_catalog\".\"text\""
        );
        assert!(
            owned(WriteOp::Patch, &["n"])
                .grouped()
                .unwrap()
                .ends_with("WHERE _t.\"id\" = u.p0::\"pg_catalog\".\"uuid\" AND _t.\"a\"\"b\" = $3::text::\"pg_catalog\".\"text\"")
        );
        assert!(owned(WriteOp::Delete, &[]).single().unwrap().ends_with(
            "AND \"public\".\"my \"\"t\"\"\".\"a\"\"b\" = $2::text::\"pg_catalog\".\"text\""
        ));

        let parent = table.clone();
        let child = |op, columns: &[&str]| Shape {
            table: &table,
            op,
            key: &table.columns["id"],
            columns: columns.iter().map(|c| &table.columns[*c]).collect(),
            guard: Some(Guard::Parent {
                column: &table.columns["n"],
                parent: &parent,
                key: &parent.columns["id"],
                owner: &parent.columns["a\"b"],
            }),
        };
        // A PATCH that moves the row checks the old parent and the new one.
        let sql = child(WriteOp::Patch, &["n"]).single().unwrap();
        assert!(
            sql.ends_with(
                "AND EXISTS (SELECT 1 FROM \"public\".\"my \"\"t\"\"\" AS _p WHERE _p.\"id\" = \"public\".\"my \"\"t\"\"\".\"n\" \
                 AND _p.\"a\"\"b\" = $3::text::\"pg_catalog\".\"text\") \
                 AND EXISTS (SELECT 1 FROM \"public\".\"my \"\"t\"\"\" AS _p WHERE _p.\"id\" = $2::text::\"pg_catalog\".\"int4\" \
                 AND _p.\"a\"\"b\" = $3::text::\"pg_catalog\".\"text\")"
            ),
            "{sql}"
        );
        let grouped = child(merge, &["n"]).grouped().unwrap();
        assert!(
            grouped.contains(
                "FROM UNNEST($1::text[], $2::text[]) AS u(p0, p1) WHERE EXISTS (SELECT 1 FROM \"public\".\"my \"\"t\"\"\" AS _p \
                 WHERE _p.\"id\" = u.p1::\"pg_catalog\".\"int4\""
            ),
            "{grouped}"
        );
        // The guard is part of the cache key.
        assert_ne!(
            owned(merge, &["n"]).cache_key(),
            child(merge, &["n"]).cache_key()
        );
    }
}
