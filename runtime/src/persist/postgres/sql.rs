//! SQL text for the writes. Identifiers come only from the introspected schema and are
//! always quoted; values never appear in SQL: each column travels as one `text[]`
//! parameter and is cast to the column's type (`ColumnSchema::sql_type`, which
//! introspection builds from quoted catalog names).

use std::fmt::Write;

use crate::persist::{PutMode, WriteOp};
use crate::schema::{ColumnSchema, TableSchema};

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
}

impl Shape<'_> {
    /// The statement; its parameters are `$1` = the keys, `$2..` = the columns, each
    /// a `text[]` with one element per entry. `None` when there is nothing to do (a
    /// PATCH without columns).
    pub fn statement(&self) -> Option<String> {
        let table = qualified(self.table);
        let key = quote_ident(&self.key.name);
        let mut sql = String::new();
        match self.op {
            WriteOp::Put(mode) => {
                let mut names = vec![key.clone()];
                names.extend(self.columns.iter().map(|c| quote_ident(&c.name)));
                let _ = write!(
                    sql,
                    "INSERT INTO {table} ({}) SELECT {} FROM {} ON CONFLICT ({key}) ",
                    names.join(", "),
                    self.casts(),
                    self.unnest()
                );
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
                                c.name != self.key.name
                                    && !self.columns.iter().any(|s| s.name == c.name)
                            })
                            .map(|c| format!("{} = NULL", quote_ident(&c.name))),
                    );
                }
                if sets.is_empty() {
                    sql.push_str("DO NOTHING");
                } else {
                    let _ = write!(sql, "DO UPDATE SET {}", sets.join(", "));
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
                    .map(|(i, c)| {
                        format!("{} = u.p{}::{}", quote_ident(&c.name), i + 1, c.sql_type)
                    })
                    .collect();
                let _ = write!(
                    sql,
                    "UPDATE {table} AS _t SET {} FROM {} WHERE _t.{key} = u.p0::{}",
                    sets.join(", "),
                    self.unnest(),
                    self.key.sql_type
                );
            }
            WriteOp::Delete => {
                let _ = write!(
                    sql,
                    "DELETE FROM {table} WHERE {key} IN (SELECT u.p0::{} FROM UNNEST($1::text[]) AS u(p0))",
                    self.key.sql_type
                );
            }
        }
        Some(sql)
    }

    fn all(&self) -> impl Iterator<Item = &ColumnSchema> {
        std::iter::once(self.key).chain(self.columns.iter().copied())
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
        }
    }

    #[test]
    fn quoting_doubles_embedded_quotes() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(qualified(&table()), "\"public\".\"my \"\"t\"\"\"");
    }

    #[test]
    fn statements() {
        let table = table();
        let shape = |op, columns: &[&str]| Shape {
            table: &table,
            op,
            key: &table.columns["id"],
            columns: columns.iter().map(|c| &table.columns[*c]).collect(),
        };
        assert_eq!(
            shape(WriteOp::Put(PutMode::Merge), &["a\"b"])
                .statement()
                .unwrap(),
            "INSERT INTO \"public\".\"my \"\"t\"\"\" (\"id\", \"a\"\"b\") SELECT u.p0::\"pg_catalog\".\"uuid\", \
             u.p1::\"pg_catalog\".\"text\" FROM UNNEST($1::text[], $2::text[]) AS u(p0, p1) \
             ON CONFLICT (\"id\") DO UPDATE SET \"a\"\"b\" = EXCLUDED.\"a\"\"b\""
        );
        assert!(
            shape(WriteOp::Put(PutMode::Replace), &["a\"b"])
                .statement()
                .unwrap()
                .ends_with("DO UPDATE SET \"a\"\"b\" = EXCLUDED.\"a\"\"b\", \"n\" = NULL")
        );
        assert!(
            shape(WriteOp::Put(PutMode::Merge), &[])
                .statement()
                .unwrap()
                .ends_with("DO NOTHING")
        );
        assert_eq!(shape(WriteOp::Patch, &[]).statement(), None);
        assert_eq!(
            shape(WriteOp::Patch, &["n"]).statement().unwrap(),
            "UPDATE \"public\".\"my \"\"t\"\"\" AS _t SET \"n\" = u.p1::\"pg_catalog\".\"int4\" FROM \
             UNNEST($1::text[], $2::text[]) AS u(p0, p1) WHERE _t.\"id\" = u.p0::\"pg_catalog\".\"uuid\""
        );
        assert_eq!(
            shape(WriteOp::Delete, &[]).statement().unwrap(),
            "DELETE FROM \"public\".\"my \"\"t\"\"\" WHERE \"id\" IN (SELECT u.p0::\"pg_catalog\".\"uuid\" \
             FROM UNNEST($1::text[]) AS u(p0))"
        );
    }
}
