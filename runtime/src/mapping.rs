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
        // A DELETE writes no columns, whatever it carries.
        let data = entry
            .op_data
            .as_ref()
            .and_then(Option::as_ref)
            .filter(|_| op != WriteOp::Delete);
        let columns: Vec<(String, Value)> = data
            .into_iter()
            .flatten()
            // The row id travels as `id`; a copy inside op_data is the same value.
            .filter(|(column, _)| *column != "id")
            .map(|(column, value)| (rename(column), value.clone()))
            .collect();
        // A table owned by a custom handler needs no database table; its handler sees
        // the entry as sent.
        let handled = handlers.contains(&entry.table);
        if !handled {
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
            for (column, _) in &columns {
                if table.column(column).is_none() {
                    return Err(mismatch(
                        Some(column),
                        format!("table `{db_table}` has no column `{column}`"),
                    ));
                }
            }
        }
        Ok(Some(MappedEntry {
            operation_index,
            op,
            table: db_table,
            key_column,
            id: Value::String(entry.id.clone()),
            columns,
            client_table: entry.table.clone(),
            source: handled.then(|| Arc::new(entry.clone())),
            guard: None,
        }))
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
        entry("PUT", table, json!({"id": "r1", "body": "x"}))
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

    fn entry(op: &str, table: &str, data: Value) -> CrudEntry {
        serde_json::from_value(json!({
            "op": op, "table": table, "id": "r1", "op_id": 1, "op_data": data
        }))
        .expect("a CRUD entry")
    }

    fn map_entry(
        config: &MappingConfig,
        schema: &DatabaseSchema,
        entry: &CrudEntry,
    ) -> Result<Option<MappedEntry>, Mismatch> {
        config.map(5, entry, schema, &HandlerRegistry::default())
    }

    /// The client's `todo_items` is the database's `todos`, its `body` the `description`.
    fn renaming() -> MappingConfig {
        let mut config = MappingConfig::default();
        config.tables.insert(
            "todo_items".into(),
            TableMapping {
                table: Some("todos".into()),
                columns: BTreeMap::from([("body".to_string(), "description".to_string())]),
                ..TableMapping::default()
            },
        );
        config
    }

    #[test]
    fn renamed_tables_and_columns_are_written_under_their_database_names() {
        let schema = schema(vec![table("todos", &["id", "description", "done"], None)]);
        let sent = entry("PUT", "todo_items", json!({"body": "milk", "done": 1}));
        let mapped = map_entry(&renaming(), &schema, &sent)
            .expect("mapped")
            .expect("written");
        assert_eq!(mapped.table, "todos");
        assert_eq!(mapped.client_table, "todo_items");
        assert_eq!(mapped.operation_index, 5);
        let mut columns = mapped.columns.clone();
        columns.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            columns,
            vec![
                ("description".to_string(), json!("milk")),
                ("done".to_string(), json!(1)),
            ]
        );

        // The database name is what must exist, and what the mismatch names.
        let schema = self::schema(vec![table("todos", &["id", "body"], None)]);
        let mismatch = map_entry(&renaming(), &schema, &sent).expect_err("no description");
        assert_eq!(mismatch.operation_index, 5);
        assert_eq!(mismatch.table, "todo_items");
        assert_eq!(mismatch.column.as_deref(), Some("description"));
        assert!(
            mismatch
                .message
                .contains("`todos` has no column `description`"),
            "{}",
            mismatch.message
        );
        // A table not renamed keeps its client name, which must exist as it is.
        let other = entry("PUT", "todo_items_v2", json!({"body": "x"}));
        let mismatch = map_entry(&renaming(), &schema, &other).expect_err("no such table");
        assert_eq!(
            mismatch.message,
            "table `todo_items_v2` does not exist in the database"
        );
    }

    #[test]
    fn the_configured_primary_key_must_be_a_column_of_the_table() {
        let schema = schema(vec![table("notes", &["id", "uuid", "body"], None)]);
        let mut config = MappingConfig::default();
        config.tables.insert(
            "notes".into(),
            TableMapping {
                primary_key: Some("uuid".into()),
                ..TableMapping::default()
            },
        );
        let sent = entry("PATCH", "notes", json!({"body": "x"}));
        let mapped = map_entry(&config, &schema, &sent)
            .expect("mapped")
            .expect("written");
        assert_eq!(
            (mapped.key_column.as_str(), mapped.op),
            ("uuid", WriteOp::Patch)
        );

        config.tables.get_mut("notes").expect("notes").primary_key = Some("code".into());
        let mismatch = map_entry(&config, &schema, &sent).expect_err("no code column");
        assert_eq!(mismatch.column.as_deref(), Some("code"));
        assert!(
            mismatch.message.contains("no primary-key column `code`"),
            "{}",
            mismatch.message
        );
    }

    #[test]
    fn an_ignored_table_is_accepted_and_not_written_even_without_a_database_table() {
        let mut config = MappingConfig::default();
        config.tables.insert(
            "local_drafts".into(),
            TableMapping {
                ignore: true,
                ..TableMapping::default()
            },
        );
        let sent = entry("PUT", "local_drafts", json!({"anything": true}));
        assert_eq!(map_entry(&config, &schema(vec![]), &sent), Ok(None));
        // Without `ignore`, the same entry is a mismatch.
        let mismatch = map_entry(&MappingConfig::default(), &schema(vec![]), &sent)
            .expect_err("no such table");
        assert_eq!(mismatch.table, "local_drafts");
    }

    #[test]
    fn put_mode_comes_from_the_table_else_the_default_and_only_applies_to_put() {
        let schema = schema(vec![
            table("lists", &["id", "name"], None),
            table("todos", &["id", "name"], None),
        ]);
        let mode = |config: &MappingConfig, op: &str, table: &str| {
            map_entry(config, &schema, &entry(op, table, json!({"name": "n"})))
                .expect("mapped")
                .expect("written")
                .op
        };
        let default = MappingConfig::default();
        assert_eq!(mode(&default, "PUT", "lists"), WriteOp::Put(PutMode::Merge));

        let mut config = MappingConfig {
            put_mode: PutMode::Replace,
            ..MappingConfig::default()
        };
        config.tables.insert(
            "todos".into(),
            TableMapping {
                put_mode: Some(PutMode::Merge),
                ..TableMapping::default()
            },
        );
        assert_eq!(
            mode(&config, "PUT", "lists"),
            WriteOp::Put(PutMode::Replace)
        );
        assert_eq!(mode(&config, "PUT", "todos"), WriteOp::Put(PutMode::Merge));
        assert_eq!(mode(&config, "PATCH", "lists"), WriteOp::Patch);
        assert_eq!(mode(&config, "DELETE", "lists"), WriteOp::Delete);
    }

    #[test]
    fn a_delete_carries_no_columns_and_a_handler_table_needs_no_database_table() {
        let schema = schema(vec![table("lists", &["id", "name"], None)]);
        let delete = entry("DELETE", "lists", json!({"name": "ignored"}));
        let mapped = map_entry(&MappingConfig::default(), &schema, &delete)
            .expect("mapped")
            .expect("written");
        assert!(mapped.columns.is_empty());

        struct Noop;
        #[async_trait::async_trait]
        impl crate::hooks::TableHandler for Noop {
            async fn handle(
                &self,
                _principal: &crate::vocab::Principal,
                _entry: &CrudEntry,
                _mapped: &MappedEntry,
                _db: &mut dyn crate::hooks::SqlExecutor,
            ) -> Result<(), crate::vocab::DbError> {
                Ok(())
            }
        }
        let mut handlers = HandlerRegistry::default();
        handlers.register("archive_list", Arc::new(Noop));
        let sent = entry("PUT", "archive_list", json!({"list": "l1"}));
        let mapped = MappingConfig::default()
            .map(0, &sent, &schema, &handlers)
            .expect("mapped")
            .expect("handled");
        assert_eq!(mapped.key_column, DEFAULT_PRIMARY_KEY);
        assert_eq!(mapped.source.as_deref(), Some(&sent));
    }
}
