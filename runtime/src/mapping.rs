//! Mapping client tables and columns onto the database: renames, primary-key column,
//! client-only tables, PUT mode. A name that is not an introspected table or column is
//! a SCHEMA_MISMATCH; client-supplied names never reach SQL.

use std::collections::BTreeMap;
use std::sync::Arc;

use powersync_write_api::models::{CrudEntry, UpdateType};
use serde::Deserialize;
use serde_json::Value;

use crate::hooks::HandlerRegistry;
use crate::schema::{DatabaseSchema, TableSchema};
use crate::vocab::{MappedEntry, PutMode, WriteOp};

/// The `[mapping]` configuration.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingConfig {
    /// PUT mode of tables that do not set their own.
    #[serde(default)]
    pub put_mode: PutMode,
    /// Per client table.
    #[serde(default)]
    pub tables: BTreeMap<String, TableMapping>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableMapping {
    /// The database table, when it is named differently from the client table.
    pub table: Option<String>,
    /// The primary-key column the client's `id` goes to (default: the table's
    /// primary key where the database reports it, MySQL/MariaDB; else `id`).
    pub primary_key: Option<String>,
    /// Client column -> database column renames.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// A client-only table: its entries are accepted and not written.
    #[serde(default)]
    pub ignore: bool,
    pub put_mode: Option<PutMode>,
}

/// Why an entry could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub operation_index: usize,
    pub table: String,
    pub column: Option<String>,
    pub message: String,
}

/// The column name the client's `id` goes to when no mapping says otherwise.
pub const DEFAULT_PRIMARY_KEY: &str = "id";

impl MappingConfig {
    /// Maps one entry; `Ok(None)` for a client-only table.
    pub fn map(
        &self,
        operation_index: usize,
        entry: &CrudEntry,
        schema: &DatabaseSchema,
        handlers: &HandlerRegistry,
    ) -> Result<Option<MappedEntry>, Mismatch> {
        let config = self.tables.get(&entry.table);
        if config.is_some_and(|c| c.ignore) {
            return Ok(None);
        }
        let db_table = config
            .and_then(|c| c.table.clone())
            .unwrap_or_else(|| entry.table.clone());
        let configured_key = config.and_then(|c| c.primary_key.clone());
        let mismatch = |column: Option<&str>, message: String| Mismatch {
            operation_index,
            table: entry.table.clone(),
            column: column.map(str::to_string),
            message,
        };
        // The key column: the configured one, else the table's primary key where the
        // database reports it (any name), else `id`.
        let key_column = match (&configured_key, schema.tables.get(&db_table)) {
            (Some(configured), _) => configured.clone(),
            (None, Some(table)) if !handlers.contains(&entry.table) => {
                reported_key(&db_table, table).map_err(|message| mismatch(None, message))?
            }
            _ => DEFAULT_PRIMARY_KEY.to_string(),
        };
        let op = match entry.op {
            UpdateType::Put => {
                WriteOp::Put(config.and_then(|c| c.put_mode).unwrap_or(self.put_mode))
            }
            UpdateType::Patch => WriteOp::Patch,
            UpdateType::Delete => WriteOp::Delete,
        };
        let rename = |column: &str| -> String {
            config
                .and_then(|c| c.columns.get(column).cloned())
                .unwrap_or_else(|| column.to_string())
        };
        let data = entry.op_data.clone().flatten().unwrap_or_default();
        let mut columns: Vec<(String, Value)> = data
            .into_iter()
            // The row id travels as `id`; a copy inside op_data is the same value.
            .filter(|(column, _)| column != "id")
            .map(|(column, value)| (rename(&column), value))
            .collect();
        if op == WriteOp::Delete {
            columns.clear();
        }
        let mapped = MappedEntry {
            operation_index,
            op,
            table: db_table.clone(),
            key_column: key_column.clone(),
            id: Value::String(entry.id.clone()),
            columns,
            client_table: entry.table.clone(),
            source: None,
            guard: None,
        };
        if handlers.contains(&entry.table) {
            // A table owned by a custom handler needs no database table.
            return Ok(Some(MappedEntry {
                source: Some(Arc::new(entry.clone())),
                ..mapped
            }));
        }
        let Some(table) = schema.tables.get(&db_table) else {
            return Err(mismatch(
                None,
                format!("table `{db_table}` does not exist in the database"),
            ));
        };
        if let Some(reason) = &table.unwritable {
            return Err(mismatch(None, reason.clone()));
        }
        if table.column(&key_column).is_none() {
            return Err(mismatch(
                Some(&key_column),
                format!("table `{db_table}` has no primary-key column `{key_column}`"),
            ));
        }
        for (column, _) in &mapped.columns {
            if table.column(column).is_none() {
                return Err(mismatch(
                    Some(column),
                    format!("table `{db_table}` has no column `{column}`"),
                ));
            }
        }
        Ok(Some(mapped))
    }
}

/// The single key column of a table whose database reports its primary key; a
/// composite key or none cannot key PowerSync rows, which carry one `id`.
fn reported_key(db_table: &str, table: &TableSchema) -> Result<String, String> {
    match table.primary_key.as_deref() {
        None => Ok(DEFAULT_PRIMARY_KEY.to_string()),
        Some([single]) => Ok(single.clone()),
        Some([]) => Err(format!(
            "table `{db_table}` has no primary key: PowerSync rows are written by their `id`, \
             so give the table a single-column primary key for it (e.g. `id CHAR(36) PRIMARY KEY`)"
        )),
        Some(columns) => Err(format!(
            "table `{db_table}` has a composite primary key ({}): PowerSync rows carry one \
             `id`, so give the table a single-column primary key for it and keep the other \
             columns unique with a separate key",
            columns
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema::{ColumnSchema, ColumnType};

    fn table(name: &str, columns: &[&str], primary_key: Option<&[&str]>) -> TableSchema {
        TableSchema {
            name: name.into(),
            namespace: None,
            columns: columns
                .iter()
                .map(|c| {
                    let column = ColumnSchema {
                        name: (*c).into(),
                        ty: ColumnType::Text,
                        nullable: true,
                        sql_type: "text".into(),
                    };
                    ((*c).to_string(), column)
                })
                .collect(),
            primary_key: primary_key.map(|key| key.iter().map(|c| (*c).to_string()).collect()),
            unwritable: None,
        }
    }

    fn schema(tables: Vec<TableSchema>) -> DatabaseSchema {
        DatabaseSchema {
            tables: tables.into_iter().map(|t| (t.name.clone(), t)).collect(),
        }
    }

    fn put(table: &str) -> CrudEntry {
        serde_json::from_value(json!({
            "op": "PUT", "table": table, "id": "r1", "op_id": 1,
            "op_data": {"id": "r1", "body": "x"}
        }))
        .expect("a CRUD entry")
    }

    fn map(
        config: &MappingConfig,
        schema: &DatabaseSchema,
        table: &str,
    ) -> Result<MappedEntry, Mismatch> {
        config
            .map(3, &put(table), schema, &HandlerRegistry::default())
            .map(|mapped| mapped.expect("a written table"))
    }

    #[test]
    fn a_reported_single_column_primary_key_of_any_name_is_the_key() {
        let schema = schema(vec![table("notes", &["uuid", "body"], Some(&["uuid"]))]);
        let mapped = map(&MappingConfig::default(), &schema, "notes").expect("mapped");
        assert_eq!(mapped.key_column, "uuid");
        assert_eq!(mapped.id, json!("r1"));
        // The `id` copy in op_data is the key, not a column.
        assert_eq!(mapped.columns, vec![("body".to_string(), json!("x"))]);
    }

    #[test]
    fn unreported_primary_keys_default_to_id() {
        let schema = schema(vec![table("notes", &["id", "body"], None)]);
        let mapped = map(&MappingConfig::default(), &schema, "notes").expect("mapped");
        assert_eq!(mapped.key_column, "id");
    }

    #[test]
    fn composite_or_missing_primary_keys_are_refused_with_the_table_named() {
        let schema = schema(vec![
            table("pairs", &["a", "b", "body"], Some(&["a", "b"])),
            table("loose", &["id", "body"], Some(&[])),
        ]);
        let composite = map(&MappingConfig::default(), &schema, "pairs").expect_err("composite");
        assert_eq!(
            (composite.operation_index, composite.table.as_str()),
            (3, "pairs")
        );
        assert!(
            composite
                .message
                .contains("composite primary key (`a`, `b`)"),
            "{}",
            composite.message
        );
        let missing = map(&MappingConfig::default(), &schema, "loose").expect_err("no key");
        assert!(
            missing.message.contains("`loose` has no primary key"),
            "{}",
            missing.message
        );
    }

    #[test]
    fn a_configured_primary_key_wins_over_the_reported_one() {
        let schema = schema(vec![table(
            "pairs",
            &["a", "b", "code", "body"],
            Some(&["a", "b"]),
        )]);
        let mut config = MappingConfig::default();
        config.tables.insert(
            "pairs".into(),
            TableMapping {
                primary_key: Some("code".into()),
                ..TableMapping::default()
            },
        );
        assert_eq!(
            map(&config, &schema, "pairs").expect("mapped").key_column,
            "code"
        );
    }
}
