//! The target database's tables and column types, learned by introspection at start
//! (and once more after a SCHEMA_MISMATCH). Only identifiers found here are ever
//! put into SQL, always quoted.

use std::collections::BTreeMap;

/// Every user table the runtime may write to, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatabaseSchema {
    pub tables: BTreeMap<String, TableSchema>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableSchema {
    /// The table's name in the database (unquoted).
    pub name: String,
    /// The schema (PostgreSQL namespace) it lives in, if the database has them.
    pub namespace: Option<String>,
    /// Columns by name, each with its type.
    pub columns: BTreeMap<String, ColumnSchema>,
    /// The primary key's columns in key order, where the persister reads it (MySQL:
    /// `Some(vec![])` is a table without one); `None` where it does not (PostgreSQL,
    /// SQLite), and mapping then keys rows by `id` or the configured column.
    pub primary_key: Option<Vec<String>>,
    /// Why this table cannot take the runtime's writes, when the database says so
    /// (MySQL: a storage engine without transactions, where an upload would not be
    /// atomic). Mapping refuses its entries with this message.
    pub unwritable: Option<String>,
}

impl TableSchema {
    pub fn column(&self, name: &str) -> Option<&ColumnSchema> {
        self.columns.get(name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSchema {
    pub name: String,
    pub ty: ColumnType,
    pub nullable: bool,
    /// The type as the database names it, for casts and messages (`timestamp with time
    /// zone`, `"public"."mood"`).
    pub sql_type: String,
}

/// The type families values are converted for. PostgreSQL reports all of them but
/// `Set`; MySQL maps its types onto them (with `Set`; ranges and lengths stay in
/// `sql_type`); SQLite reports the affinity of the declared type (INTEGER, REAL, TEXT, BLOB,
/// NUMERIC) mapped onto the closest family, plus BOOLEAN/JSON/date-time names where
/// the declared type says so.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnType {
    Bool,
    Int2,
    Int4,
    Int8,
    /// Exact decimal: never round-tripped through a float.
    Numeric,
    Float4,
    Float8,
    Text,
    Uuid,
    Json,
    Jsonb,
    Date,
    Time,
    TimeTz,
    Timestamp,
    TimestampTz,
    Interval,
    Bytea,
    /// A PostgreSQL enum with its labels.
    Enum {
        labels: Vec<String>,
    },
    /// A MySQL `SET`: any comma-separated subset of its labels.
    Set {
        labels: Vec<String>,
    },
    /// A domain over a base type (its checks run in the database).
    Domain {
        base: Box<ColumnType>,
    },
    /// An array of the element type.
    Array(Box<ColumnType>),
    /// Any other type: the value is passed as text and the database converts it.
    Other,
}
