//! Authorization policies from the `[authorization]` configuration: who may write
//! which rows, with no Rust needed. Safe by default: a table without a policy is not
//! writable unless `default = "allow"` is set explicitly.
//!
//! Table and column names are the database's (after `[mapping]` renames), so two
//! client names for one table cannot get two policies. Checks run in two places:
//! the values sent are checked here, before anything is written; the row as stored
//! is checked by the database in the write statement itself ([`RowGuard`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use crate::failure::{FatalFailure, codes};
use crate::hooks::HandlerRegistry;
use crate::mapping::DEFAULT_PRIMARY_KEY;
use crate::schema::DatabaseSchema;
use crate::vocab::Principal;
use crate::vocab::{MappedEntry, RowGuard, WriteOp};

/// The `[authorization]` table of the configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthorizationConfig {
    /// The policy of tables not listed in `tables`: `deny` (the default) or `allow`.
    pub default: Access,
    /// Hand a denied transaction to the client (`requires_client_handling: true`, as
    /// the public reference backend does) instead of keeping it as a dead letter.
    pub requires_client_handling: bool,
    /// Per database table.
    pub tables: BTreeMap<String, TablePolicyConfig>,
}

impl Default for AuthorizationConfig {
    fn default() -> Self {
        AuthorizationConfig {
            default: Access::Deny,
            requires_client_handling: false,
            tables: BTreeMap::new(),
        }
    }
}

/// `allow` or `deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Allow,
    Deny,
}

/// One table's policy, as written in the configuration: exactly one of `policy`,
/// `owner_column`, or `parent_table` with `parent_column`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TablePolicyConfig {
    /// `allow` (any signed-in user writes any row) or `deny`.
    pub policy: Option<Access>,
    /// Rows belong to the user whose `sub` is in this column.
    pub owner_column: Option<String>,
    /// Rows belong to the user who owns the row of `parent_table` they reference; that
    /// table must have an `owner_column` policy.
    pub parent_table: Option<String>,
    /// This table's column that references the parent row.
    pub parent_column: Option<String>,
    /// The parent table's column that `parent_column` references (default: the parent
    /// table's primary key as the database reports it, else `id`).
    pub parent_key: Option<String>,
}

/// A table's effective policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TablePolicy {
    Allow,
    Deny,
    Owner {
        column: String,
    },
    Parent {
        column: String,
        parent_table: String,
        /// `None`: the parent table's primary key ([`parent_key_in`]).
        parent_key: Option<String>,
        parent_owner: String,
    },
}

impl fmt::Display for TablePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TablePolicy::Allow => write!(f, "allow: every signed-in user writes every row"),
            TablePolicy::Deny => write!(f, "deny: no user writes"),
            TablePolicy::Owner { column } => {
                write!(f, "owner: rows whose `{column}` is the user's sub")
            }
            TablePolicy::Parent {
                column,
                parent_table,
                parent_key,
                parent_owner,
            } => write!(
                f,
                "parent owner: rows whose `{column}` references a `{parent_table}` row \
                 (by {}) whose `{parent_owner}` is the user's sub",
                match parent_key {
                    Some(key) => format!("`{key}`"),
                    None => "its primary key".to_string(),
                }
            ),
        }
    }
}

/// A configuration that cannot work, naming the key to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[authorization.tables.{table}]: {message}")]
pub struct PolicyError {
    pub table: String,
    pub message: String,
}

/// The compiled policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policies {
    default: Access,
    requires_client_handling: bool,
    tables: BTreeMap<String, TablePolicy>,
}

impl Default for Policies {
    /// Deny everything: what an empty `[authorization]` means.
    fn default() -> Self {
        Policies {
            default: Access::Deny,
            requires_client_handling: false,
            tables: BTreeMap::new(),
        }
    }
}

impl Policies {
    /// Every signed-in user may write every table (for embedding applications whose
    /// [`crate::hooks::Authorizer`] decides alone, and for tests).
    pub fn allow_all() -> Self {
        Policies {
            default: Access::Allow,
            ..Policies::default()
        }
    }

    /// Checks and compiles the configuration.
    pub fn from_config(config: &AuthorizationConfig) -> Result<Self, PolicyError> {
        let mut tables = BTreeMap::new();
        for (table, entry) in &config.tables {
            let error = |message: String| PolicyError {
                table: table.clone(),
                message,
            };
            let policy = match entry {
                TablePolicyConfig {
                    policy: Some(access),
                    owner_column: None,
                    parent_table: None,
                    parent_column: None,
                    parent_key: None,
                } => match access {
                    Access::Allow => TablePolicy::Allow,
                    Access::Deny => TablePolicy::Deny,
                },
                TablePolicyConfig {
                    policy: None,
                    owner_column: Some(column),
                    parent_table: None,
                    parent_column: None,
                    parent_key: None,
                } => TablePolicy::Owner {
                    column: column.clone(),
                },
                TablePolicyConfig {
                    policy: None,
                    owner_column: None,
                    parent_table: Some(parent_table),
                    parent_column: Some(column),
                    parent_key,
                } => {
                    let parent_owner = match config.tables.get(parent_table) {
                        Some(TablePolicyConfig {
                            owner_column: Some(owner),
                            ..
                        }) => owner.clone(),
                        _ => {
                            return Err(error(format!(
                                "the parent table `{parent_table}` needs an `owner_column` policy of its own \
                                 ([authorization.tables.{parent_table}] owner_column = \"...\")"
                            )));
                        }
                    };
                    TablePolicy::Parent {
                        column: column.clone(),
                        parent_table: parent_table.clone(),
                        parent_key: parent_key.clone(),
                        parent_owner,
                    }
                }
                _ => {
                    return Err(error(
                        "set exactly one of: `policy = \"allow\"` or `\"deny\"`; `owner_column = \"COLUMN\"`; \
                         or `parent_table = \"TABLE\"` with `parent_column = \"COLUMN\"` (and optionally `parent_key`)"
                            .to_string(),
                    ));
                }
            };
            tables.insert(table.clone(), policy);
        }
        Ok(Policies {
            default: config.default,
            requires_client_handling: config.requires_client_handling,
            tables,
        })
    }

    /// The policy of a database table.
    pub fn policy(&self, table: &str) -> TablePolicy {
        self.tables
            .get(table)
            .cloned()
            .unwrap_or_else(|| self.default_policy())
    }

    /// The policy of tables without one of their own.
    pub fn default_policy(&self) -> TablePolicy {
        match self.default {
            Access::Allow => TablePolicy::Allow,
            Access::Deny => TablePolicy::Deny,
        }
    }

    /// Tables with a policy of their own.
    pub fn configured(&self) -> impl Iterator<Item = (&String, &TablePolicy)> {
        self.tables.iter()
    }

    /// Whether denied transactions go to the client rather than to the dead letters.
    pub fn requires_client_handling(&self) -> bool {
        self.requires_client_handling
    }

    /// Adds policies for tables that have none (the example schema's, for the quick
    /// start).
    pub fn with_defaults_for(mut self, defaults: Policies) -> Self {
        for (table, policy) in defaults.tables {
            self.tables.entry(table).or_insert(policy);
        }
        self
    }

    /// Problems of the policies against the database: tables or columns they name
    /// that do not exist, and ownership policies on tables a custom handler owns
    /// (whose rows the runtime does not write, so it cannot check them).
    pub fn problems(&self, schema: &DatabaseSchema, handlers: &HandlerRegistry) -> Vec<String> {
        let mut problems = Vec::new();
        for (table, policy) in &self.tables {
            let mut columns: Vec<(&str, String)> = Vec::new();
            match policy {
                TablePolicy::Allow | TablePolicy::Deny => continue,
                TablePolicy::Owner { column } => columns.push((table, column.clone())),
                TablePolicy::Parent {
                    column,
                    parent_table,
                    parent_key,
                    parent_owner,
                } => {
                    columns.push((table, column.clone()));
                    columns.push((
                        parent_table,
                        parent_key_in(schema, parent_table, parent_key.as_deref()),
                    ));
                    columns.push((parent_table, parent_owner.clone()));
                }
            }
            if handlers.contains(table) {
                problems.push(format!(
                    "[authorization.tables.{table}]: a custom handler owns `{table}`, so the runtime cannot check \
                     who owns its rows; use `policy = \"allow\"` and check ownership in the handler"
                ));
                continue;
            }
            for (in_table, column) in columns {
                match schema.tables.get(in_table) {
                    None => problems.push(format!(
                        "[authorization.tables.{table}]: the database has no table `{in_table}`"
                    )),
                    Some(found) if found.column(&column).is_none() => problems.push(format!(
                        "[authorization.tables.{table}]: table `{in_table}` has no column `{column}`"
                    )),
                    Some(_) => {}
                }
            }
        }
        problems
    }

    /// Checks the values an entry sends and sets the guard its stored row must meet.
    /// A refusal is a fatal `UNAUTHORIZED` at the entry, naming its table.
    pub fn check(
        &self,
        principal: &Principal,
        entry: &mut MappedEntry,
        schema: &DatabaseSchema,
    ) -> Result<(), FatalFailure> {
        let refuse = |message: String| {
            FatalFailure::new(codes::UNAUTHORIZED, message, entry.operation_index)
                .detail("table", entry.table.as_str())
        };
        let sent = |column: &str| {
            entry
                .columns
                .iter()
                .rev()
                .find(|(name, _)| name == column)
                .map(|(_, value)| value)
        };
        let op = match entry.op {
            WriteOp::Put(_) => "PUT",
            WriteOp::Patch => "PATCH",
            WriteOp::Delete => "DELETE",
        };
        match self.policy(&entry.table) {
            TablePolicy::Allow => Ok(()),
            TablePolicy::Deny => Err(refuse(format!(
                "writes to table `{}` are not allowed ([authorization] {})",
                entry.table,
                if self.tables.contains_key(&entry.table) {
                    "denies this table".to_string()
                } else {
                    "has no policy for this table, and the default is deny".to_string()
                }
            ))),
            TablePolicy::Owner { column } => {
                match (entry.op, sent(&column)) {
                    (WriteOp::Put(_), None) => {
                        return Err(refuse(format!(
                            "a {op} on `{}` must set the owner column `{column}` to the user's own id",
                            entry.table
                        )));
                    }
                    (WriteOp::Put(_) | WriteOp::Patch, Some(value))
                        if !is_subject(value, &principal.subject) =>
                    {
                        return Err(refuse(format!(
                            "a {op} on `{}` may only set `{column}` to the user's own id",
                            entry.table
                        )));
                    }
                    _ => {}
                }
                entry.guard = Some(RowGuard::Owner { column });
                Ok(())
            }
            TablePolicy::Parent {
                column,
                parent_table,
                parent_key,
                parent_owner,
            } => {
                if matches!(entry.op, WriteOp::Put(_)) && sent(&column).is_none_or(Value::is_null) {
                    return Err(refuse(format!(
                        "a {op} on `{}` must set `{column}` to a `{parent_table}` row the user owns",
                        entry.table
                    )));
                }
                entry.guard = Some(RowGuard::Parent {
                    column,
                    parent_key: parent_key_in(schema, &parent_table, parent_key.as_deref()),
                    parent_table,
                    parent_owner,
                });
                Ok(())
            }
        }
    }
}

/// The parent table's key column: the configured one, else its primary key where the
/// database reports a single-column one (any name), else `id`.
pub fn parent_key_in(
    schema: &DatabaseSchema,
    parent_table: &str,
    configured: Option<&str>,
) -> String {
    if let Some(key) = configured {
        return key.to_string();
    }
    match schema
        .tables
        .get(parent_table)
        .and_then(|table| table.primary_key.as_deref())
    {
        Some([single]) => single.clone(),
        _ => DEFAULT_PRIMARY_KEY.to_string(),
    }
}

/// Whether a value sent for an owner column is the subject (numbers compare by their
/// text, for integer owner columns).
fn is_subject(value: &Value, subject: &str) -> bool {
    match value {
        Value::String(text) => text == subject,
        Value::Number(number) => number.to_string() == subject,
        _ => false,
    }
}

/// Who may write the example `lists`/`todos` tables (`serve --example-schema` applies
/// it to tables `[authorization]` does not name): a list belongs to the user in its
/// `owner_id`, a todo to the owner of its list.
pub const EXAMPLE_POLICIES: &str = r#"
[tables.lists]
owner_column = "owner_id"

[tables.todos]
parent_table = "lists"
parent_column = "list_id"
"#;

/// [`EXAMPLE_POLICIES`], compiled.
pub fn example_policies() -> Policies {
    toml::from_str::<AuthorizationConfig>(EXAMPLE_POLICIES)
        .ok()
        .and_then(|config| Policies::from_config(&config).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml_text: &str) -> AuthorizationConfig {
        toml::from_str(toml_text).expect("config")
    }

    #[test]
    fn an_empty_configuration_denies_everything() {
        let policies = Policies::from_config(&AuthorizationConfig::default()).unwrap();
        assert_eq!(policies.policy("lists"), TablePolicy::Deny);
        let allow = Policies::from_config(&config("default = \"allow\"")).unwrap();
        assert_eq!(allow.policy("lists"), TablePolicy::Allow);
    }

    #[test]
    fn every_policy_form_compiles() {
        let policies = Policies::from_config(&config(
            r#"
            [tables.lists]
            owner_column = "owner_id"
            [tables.todos]
            parent_table = "lists"
            parent_column = "list_id"
            [tables.tags]
            policy = "allow"
            [tables.app_users]
            policy = "deny"
            "#,
        ))
        .unwrap();
        assert_eq!(
            policies.policy("todos"),
            TablePolicy::Parent {
                column: "list_id".into(),
                parent_table: "lists".into(),
                parent_key: None,
                parent_owner: "owner_id".into(),
            }
        );
        assert_eq!(policies.policy("tags"), TablePolicy::Allow);
        assert_eq!(policies.policy("app_users"), TablePolicy::Deny);
    }

    #[test]
    fn a_parent_key_left_out_is_the_primary_key_the_database_reports() {
        use crate::schema::{ColumnSchema, ColumnType, TableSchema};
        let table = |name: &str, columns: &[&str], key: Option<&[&str]>| TableSchema {
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
            primary_key: key.map(|k| k.iter().map(|c| c.to_string()).collect()),
            unwritable: None,
        };
        let policies = Policies::from_config(&config(
            r#"
            [tables.lists]
            owner_column = "owner_id"
            [tables.todos]
            parent_table = "lists"
            parent_column = "list_id"
            "#,
        ))
        .unwrap();
        let guard_key = |schema: &DatabaseSchema| {
            let mut entry = MappedEntry {
                operation_index: 0,
                op: WriteOp::Put(crate::vocab::PutMode::Merge),
                table: "todos".into(),
                key_column: "id".into(),
                id: Value::from("t1"),
                columns: vec![("list_id".into(), Value::from("l1"))],
                client_table: "todos".into(),
                source: None,
                guard: None,
            };
            let principal = Principal {
                subject: "u1".into(),
                claims: Default::default(),
            };
            policies.check(&principal, &mut entry, schema).unwrap();
            match entry.guard {
                Some(RowGuard::Parent { parent_key, .. }) => parent_key,
                other => panic!("{other:?}"),
            }
        };
        let todos = table("todos", &["id", "list_id"], None);
        // Keyed by another name (MySQL reports it): that column, and no problem.
        let mut schema = DatabaseSchema::default();
        schema.tables.insert("todos".into(), todos.clone());
        schema.tables.insert(
            "lists".into(),
            table("lists", &["list_uuid", "owner_id"], Some(&["list_uuid"])),
        );
        assert_eq!(guard_key(&schema), "list_uuid");
        assert!(
            policies
                .problems(&schema, &HandlerRegistry::default())
                .is_empty()
        );
        // Not reported (PostgreSQL, SQLite): `id`, which must then exist.
        schema.tables.insert(
            "lists".into(),
            table("lists", &["list_uuid", "owner_id"], None),
        );
        assert_eq!(guard_key(&schema), "id");
        assert_eq!(
            policies.problems(&schema, &HandlerRegistry::default()),
            ["[authorization.tables.todos]: table `lists` has no column `id`"]
        );
    }

    #[test]
    fn ambiguous_or_incomplete_policies_are_refused_naming_the_table() {
        for (text, needle) in [
            (
                "[tables.t]\npolicy = \"allow\"\nowner_column = \"o\"",
                "set exactly one of",
            ),
            ("[tables.t]\nparent_table = \"p\"", "set exactly one of"),
            ("[tables.t]", "set exactly one of"),
            (
                "[tables.t]\nparent_table = \"p\"\nparent_column = \"p_id\"",
                "the parent table `p` needs an `owner_column` policy",
            ),
        ] {
            let error = Policies::from_config(&config(text)).unwrap_err();
            assert_eq!(error.table, "t");
            let shown = error.to_string();
            assert!(shown.starts_with("[authorization.tables.t]: "), "{shown}");
            assert!(shown.contains(needle), "{shown}");
        }
        let unknown = toml::from_str::<AuthorizationConfig>("[tables.t]\nowner = \"o\"");
        assert!(unknown.is_err());
    }

    #[test]
    fn the_example_policies_compile() {
        let policies = example_policies();
        assert_eq!(
            policies.policy("lists"),
            TablePolicy::Owner {
                column: "owner_id".into()
            }
        );
        assert!(matches!(
            policies.policy("todos"),
            TablePolicy::Parent { .. }
        ));
    }
}
