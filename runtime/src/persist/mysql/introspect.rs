//! Reads the user tables, their columns and primary keys from `information_schema`
//! for the connection's database.

use std::collections::BTreeMap;

use mysql_async::prelude::Queryable;

use crate::schema::{ColumnSchema, ColumnType, DatabaseSchema, TableSchema};

/// Prefix of the runtime's own tables, which are never user tables.
pub const RUNTIME_PREFIX: &str = "powersync_write_";

// Base tables (MariaDB's system-versioned tables are written like them; views and
// sequences are not tables to write to). Generated columns are left out since they
// cannot be written (`EXTRA` says `VIRTUAL GENERATED`, `STORED GENERATED`, or
// MariaDB's older `PERSISTENT GENERATED`; MySQL's `DEFAULT_GENERATED` is only a
// default).
const COLUMNS: &str = "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, \
     c.IS_NULLABLE, t.ENGINE \
     FROM information_schema.COLUMNS c \
     JOIN information_schema.TABLES t \
       ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
     WHERE c.TABLE_SCHEMA = ? AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') \
       AND c.EXTRA NOT LIKE '%VIRTUAL GENERATED%' \
       AND c.EXTRA NOT LIKE '%STORED GENERATED%' \
       AND c.EXTRA NOT LIKE '%PERSISTENT GENERATED%' \
     ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION";

const PRIMARY_KEYS: &str = "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS \
     WHERE TABLE_SCHEMA = ? AND INDEX_NAME = 'PRIMARY' \
     ORDER BY TABLE_NAME, SEQ_IN_INDEX";

// MariaDB's JSON is an alias of LONGTEXT with a `json_valid(column)` check, which is
// the only sign of it in the catalog. MySQL has a real JSON type, and its
// CHECK_CONSTRAINTS has no TABLE_NAME (or does not exist before 8.0.16): there this
// query fails and is not needed.
const JSON_CHECKS: &str = "SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
     WHERE CONSTRAINT_SCHEMA = ?";

/// Reads the schema of `database` (the connection's, `SELECT DATABASE()`). Tables are
/// keyed by their bare name; the runtime's own tables are skipped.
pub async fn introspect(
    conn: &mut mysql_async::Conn,
    database: &str,
) -> Result<DatabaseSchema, mysql_async::Error> {
    type Row = (String, String, String, String, String, Option<String>);
    let rows: Vec<Row> = conn.exec(COLUMNS, (database,)).await?;
    let keys: Vec<(String, String)> = conn.exec(PRIMARY_KEYS, (database,)).await?;
    let checks: Vec<(String, String)> = match conn.exec(JSON_CHECKS, (database,)).await {
        Ok(checks) => checks,
        // Not MariaDB (see JSON_CHECKS): no JSON aliases to find.
        Err(mysql_async::Error::Server(_)) => Vec::new(),
        Err(other) => return Err(other),
    };
    let mut schema = DatabaseSchema::default();
    for (table, column, data_type, column_type_text, nullable, engine) in rows {
        if table.starts_with(RUNTIME_PREFIX) {
            continue;
        }
        let entry = schema
            .tables
            .entry(table.clone())
            .or_insert_with(|| TableSchema {
                namespace: Some(database.to_string()),
                columns: BTreeMap::new(),
                primary_key: Some(Vec::new()),
                unwritable: engine
                    .as_deref()
                    .and_then(|engine| non_transactional(&table, engine)),
                name: table,
            });
        entry.columns.insert(
            column.clone(),
            ColumnSchema {
                name: column,
                ty: column_type(&data_type, &column_type_text),
                nullable: nullable.eq_ignore_ascii_case("YES"),
                sql_type: column_type_text,
            },
        );
    }
    for (table, column) in keys {
        if let Some(entry) = schema.tables.get_mut(&table) {
            entry.primary_key.get_or_insert_with(Vec::new).push(column);
        }
    }
    for (table, clause) in checks {
        let Some(column) = json_valid_column(&clause) else {
            continue;
        };
        let Some(column) = schema
            .tables
            .get_mut(&table)
            .and_then(|entry| entry.columns.get_mut(&column))
        else {
            continue;
        };
        if column.ty == ColumnType::Text {
            column.ty = ColumnType::Json;
        }
    }
    Ok(schema)
}

/// Storage engines with transactions: an upload's entries, ledger and checkpoint
/// commit together or not at all. Any other engine (MyISAM, Aria, MEMORY, ...) would
/// keep the entries before a failing one, so its tables are refused.
const TRANSACTIONAL_ENGINES: [&str; 4] = ["InnoDB", "ROCKSDB", "TokuDB", "ndbcluster"];

/// Why `table` on `engine` cannot be written, if it cannot.
fn non_transactional(table: &str, engine: &str) -> Option<String> {
    if TRANSACTIONAL_ENGINES
        .iter()
        .any(|known| known.eq_ignore_ascii_case(engine))
    {
        return None;
    }
    Some(format!(
        "table `{table}` uses the {engine} storage engine, which has no transactions, so an \
         upload to it could be half applied: convert it with ALTER TABLE `{table}` \
         ENGINE=InnoDB"
    ))
}

/// The column a `json_valid(column)` check is about (MariaDB writes it with
/// backticks: ``json_valid(`doc`)``).
fn json_valid_column(clause: &str) -> Option<String> {
    let clause = clause.trim();
    let open = "json_valid(";
    let head = clause.get(..open.len())?;
    if !head.eq_ignore_ascii_case(open) {
        return None;
    }
    let inner = clause.get(open.len()..)?.strip_suffix(')')?.trim();
    match inner
        .strip_prefix('`')
        .and_then(|rest| rest.strip_suffix('`'))
    {
        Some(quoted) => Some(quoted.replace("``", "`")),
        None if !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$') =>
        {
            Some(inner.to_string())
        }
        None => None,
    }
}

/// The type family of a column from `information_schema.COLUMNS`: `DATA_TYPE`
/// (`tinyint`) and `COLUMN_TYPE` (`tinyint(1)`, `int(10) unsigned`,
/// `enum('a','b')`). Ranges, lengths, precision and scale stay in `COLUMN_TYPE`,
/// kept as the column's `sql_type`, where conversion reads them.
pub fn column_type(data_type: &str, column_type: &str) -> ColumnType {
    let full = column_type.trim().to_ascii_lowercase();
    match data_type.trim().to_ascii_lowercase().as_str() {
        // BOOL and BOOLEAN are TINYINT(1): the only sign of a boolean.
        "tinyint" if full == "tinyint(1)" => ColumnType::Bool,
        // YEAR is a small integer (1901 to 2155); conversion checks its range.
        "tinyint" | "smallint" | "year" => ColumnType::Int2,
        "mediumint" | "int" | "integer" => ColumnType::Int4,
        "bigint" => ColumnType::Int8,
        "decimal" | "numeric" | "fixed" => ColumnType::Numeric,
        "float" => ColumnType::Float4,
        "double" | "double precision" | "real" => ColumnType::Float8,
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" => ColumnType::Text,
        // A UUID kept as its 16 bytes; MariaDB's own UUID type takes the text.
        "binary" if full == "binary(16)" => ColumnType::Uuid,
        "uuid" => ColumnType::Uuid,
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
            ColumnType::Bytea
        }
        "json" => ColumnType::Json,
        "date" => ColumnType::Date,
        "datetime" => ColumnType::Timestamp,
        // TIMESTAMP holds an instant (stored as UTC).
        "timestamp" => ColumnType::TimestampTz,
        "time" => ColumnType::Time,
        "enum" => ColumnType::Enum {
            labels: labels(column_type),
        },
        "set" => ColumnType::Set {
            labels: labels(column_type),
        },
        // BIT, GEOMETRY and its kin, INET4/INET6, VECTOR, ...: passed as given, the
        // database converts.
        _ => ColumnType::Other,
    }
}

/// The labels of `enum('a','b')` or `set('a','it''s')`: each quoted with `'`, a quote
/// inside doubled (MySQL writes them so in COLUMN_TYPE; a backslash is literal).
pub fn labels(column_type: &str) -> Vec<String> {
    let Some(open) = column_type.find('(') else {
        return Vec::new();
    };
    let mut labels = Vec::new();
    let mut chars = column_type[open + 1..].chars().peekable();
    loop {
        match chars.next() {
            Some('\'') => {
                let mut label = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            label.push('\'');
                        }
                        Some('\'') | None => break,
                        Some(c) => label.push(c),
                    }
                }
                labels.push(label);
            }
            Some(',' | ' ') => {}
            Some(')') | None => break,
            Some(_) => {}
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        let cases = [
            ("tinyint", "tinyint(1)", ColumnType::Bool),
            ("tinyint", "tinyint(4)", ColumnType::Int2),
            ("tinyint", "tinyint(3) unsigned", ColumnType::Int2),
            ("tinyint", "tinyint(1) unsigned", ColumnType::Int2),
            ("tinyint", "tinyint", ColumnType::Int2),
            ("smallint", "smallint(6)", ColumnType::Int2),
            ("year", "year(4)", ColumnType::Int2),
            ("mediumint", "mediumint(8) unsigned", ColumnType::Int4),
            ("int", "int(11)", ColumnType::Int4),
            ("bigint", "bigint(20) unsigned", ColumnType::Int8),
            ("decimal", "decimal(10,2)", ColumnType::Numeric),
            ("float", "float", ColumnType::Float4),
            ("double", "double", ColumnType::Float8),
            ("char", "char(36)", ColumnType::Text),
            ("varchar", "varchar(20)", ColumnType::Text),
            ("longtext", "longtext", ColumnType::Text),
            ("binary", "binary(16)", ColumnType::Uuid),
            ("uuid", "uuid", ColumnType::Uuid),
            ("binary", "binary(4)", ColumnType::Bytea),
            ("varbinary", "varbinary(16)", ColumnType::Bytea),
            ("blob", "blob", ColumnType::Bytea),
            ("json", "json", ColumnType::Json),
            ("date", "date", ColumnType::Date),
            ("datetime", "datetime(6)", ColumnType::Timestamp),
            ("timestamp", "timestamp(3)", ColumnType::TimestampTz),
            ("time", "time", ColumnType::Time),
            ("bit", "bit(8)", ColumnType::Other),
            ("point", "point", ColumnType::Other),
            (
                "enum",
                "enum('a','b')",
                ColumnType::Enum {
                    labels: vec!["a".into(), "b".into()],
                },
            ),
            (
                "set",
                "set('x','y')",
                ColumnType::Set {
                    labels: vec!["x".into(), "y".into()],
                },
            ),
        ];
        for (data_type, column, expected) in cases {
            assert_eq!(column_type(data_type, column), expected, "{column}");
        }
    }

    #[test]
    fn labels_with_quotes_commas_and_parentheses() {
        assert_eq!(
            labels("enum('it''s','a,b','(x)','','back\\slash',' sp ')"),
            ["it's", "a,b", "(x)", "", "back\\slash", " sp "]
        );
        assert_eq!(labels("set('''','''''')"), ["'", "''"]);
        assert!(labels("enum").is_empty());
    }

    #[test]
    fn json_valid_checks() {
        assert_eq!(
            json_valid_column("json_valid(`doc`)").as_deref(),
            Some("doc")
        );
        assert_eq!(json_valid_column("JSON_VALID(doc)").as_deref(), Some("doc"));
        assert_eq!(
            json_valid_column("json_valid(`a``b`)").as_deref(),
            Some("a`b")
        );
        assert_eq!(json_valid_column("json_valid(`a`) and `b` > 0"), None);
        assert_eq!(json_valid_column("`n` > 0"), None);
    }
}
