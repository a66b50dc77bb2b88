//! The user tables and their column types, from `sqlite_schema` and
//! `pragma_table_xinfo`. The type comes from the declared type's name (SQLite keeps
//! it as written), falling back on SQLite's affinity rules.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::classify::db_error;
use crate::schema::{ColumnSchema, ColumnType, DatabaseSchema, TableSchema};

/// Every table except SQLite's own and the runtime's (`powersync_write_*`).
pub fn introspect(conn: &Connection) -> Result<DatabaseSchema, rusqlite::Error> {
    let mut tables = BTreeMap::new();
    let mut list = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         AND name NOT LIKE 'powersync\\_write\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let names = list
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut info = conn.prepare(
        "SELECT name, type, \"notnull\", hidden FROM pragma_table_xinfo(?1) ORDER BY cid",
    )?;
    for name in names {
        let mut columns = BTreeMap::new();
        let mut rows = info.query([&name])?;
        while let Some(row) = rows.next()? {
            let column: String = row.get(0)?;
            let declared: String = row.get::<_, Option<String>>(1)?.unwrap_or_default();
            let not_null: bool = row.get(2)?;
            let hidden: i64 = row.get(3)?;
            // Generated (2, 3) and virtual-table hidden (1) columns cannot be written.
            if hidden != 0 {
                continue;
            }
            columns.insert(
                column.clone(),
                ColumnSchema {
                    name: column,
                    ty: column_type(&declared),
                    nullable: !not_null,
                    sql_type: declared,
                },
            );
        }
        tables.insert(
            name.clone(),
            TableSchema {
                name,
                namespace: None,
                columns,
                primary_key: None,
                unwritable: None,
            },
        );
    }
    Ok(DatabaseSchema { tables })
}

/// Runs [`introspect`], mapping errors.
pub fn run(conn: &Connection) -> Result<DatabaseSchema, crate::vocab::DbError> {
    introspect(conn).map_err(|error| db_error(error, None))
}

/// The type family of a declared column type.
pub fn column_type(declared: &str) -> ColumnType {
    let upper = declared.to_ascii_uppercase();
    // The name without a size (`VARCHAR(20)`), words normalised.
    let base = upper
        .split('(')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let by_name = match base.as_str() {
        "" => return ColumnType::Other,
        "BOOL" | "BOOLEAN" => Some(ColumnType::Bool),
        "REAL" | "FLOAT" | "FLOAT4" | "FLOAT8" | "DOUBLE" | "DOUBLE PRECISION" => {
            Some(ColumnType::Float8)
        }
        "NUMERIC" | "DECIMAL" => Some(ColumnType::Numeric),
        "JSON" => Some(ColumnType::Json),
        "JSONB" => Some(ColumnType::Jsonb),
        "UUID" | "GUID" => Some(ColumnType::Uuid),
        "DATE" => Some(ColumnType::Date),
        "TIME" | "TIME WITHOUT TIME ZONE" => Some(ColumnType::Time),
        "TIMETZ" | "TIME WITH TIME ZONE" => Some(ColumnType::TimeTz),
        "DATETIME" | "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" => Some(ColumnType::Timestamp),
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => Some(ColumnType::TimestampTz),
        "INTERVAL" => Some(ColumnType::Interval),
        "BLOB" | "BYTEA" => Some(ColumnType::Bytea),
        _ => None,
    };
    if let Some(ty) = by_name {
        return ty;
    }
    // SQLite's affinity rules (https://sqlite.org/datatype3.html, 3.1), in its order.
    // Every SQLite integer is 64-bit whatever the declared width.
    if upper.contains("INT") {
        ColumnType::Int8
    } else if ["CHAR", "CLOB", "TEXT"]
        .iter()
        .any(|word| upper.contains(word))
    {
        ColumnType::Text
    } else if upper.contains("BLOB") {
        ColumnType::Bytea
    } else if ["REAL", "FLOA", "DOUB"]
        .iter()
        .any(|word| upper.contains(word))
    {
        ColumnType::Float8
    } else {
        // NUMERIC affinity of an unknown name: SQLite converts as it sees fit.
        ColumnType::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types() {
        let cases = [
            ("INTEGER", ColumnType::Int8),
            ("int", ColumnType::Int8),
            ("BIGINT", ColumnType::Int8),
            ("UNSIGNED BIG INT", ColumnType::Int8),
            ("boolean", ColumnType::Bool),
            ("BOOL", ColumnType::Bool),
            ("REAL", ColumnType::Float8),
            ("DOUBLE PRECISION", ColumnType::Float8),
            ("FLOAT", ColumnType::Float8),
            ("NUMERIC(10,2)", ColumnType::Numeric),
            ("DECIMAL", ColumnType::Numeric),
            ("TEXT", ColumnType::Text),
            ("VARCHAR(255)", ColumnType::Text),
            ("NATIVE CHARACTER(70)", ColumnType::Text),
            ("CLOB", ColumnType::Text),
            ("BLOB", ColumnType::Bytea),
            ("JSON", ColumnType::Json),
            ("jsonb", ColumnType::Jsonb),
            ("DATE", ColumnType::Date),
            ("DATETIME", ColumnType::Timestamp),
            ("TIMESTAMP", ColumnType::Timestamp),
            ("timestamp with time zone", ColumnType::TimestampTz),
            ("TIMESTAMPTZ", ColumnType::TimestampTz),
            ("TIME", ColumnType::Time),
            ("UUID", ColumnType::Uuid),
            ("", ColumnType::Other),
            ("MONEY", ColumnType::Other),
        ];
        for (declared, expected) in cases {
            assert_eq!(column_type(declared), expected, "{declared}");
        }
    }
}
