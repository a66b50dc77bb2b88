//! Reads the user tables and column types from the PostgreSQL catalog.

use std::collections::{BTreeMap, HashMap};

use tokio_postgres::types::{Oid, Type};

use super::statements::quote_ident;
use crate::schema::{ColumnSchema, ColumnType, DatabaseSchema, TableSchema};

/// Prefix of the runtime's own tables, which are never user tables.
pub const RUNTIME_PREFIX: &str = "powersync_write_";

const TYPES: &str = "SELECT t.oid, t.typname::text, n.nspname::text, t.typtype::text, \
     t.typcategory::text, t.typelem, t.typbasetype \
     FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace";

const LABELS: &str =
    "SELECT enumtypid, enumlabel::text FROM pg_catalog.pg_enum ORDER BY enumtypid, enumsortorder";

// Ordinary and partitioned tables (not the partitions themselves); generated columns
// are left out since they cannot be written.
const COLUMNS: &str = "SELECT n.nspname::text, c.relname::text, a.attname::text, a.atttypid, a.attnotnull \
     FROM pg_catalog.pg_class c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid \
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
       AND n.nspname::text = ANY($1::text[]) \
       AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' \
       AND left(c.relname::text, length($2::text)) <> $2::text \
     ORDER BY array_position($1::text[], n.nspname::text), c.relname, a.attnum";

struct PgType {
    name: String,
    namespace: String,
    kind: String,
    category: String,
    element: Oid,
    base: Oid,
}

/// Reads the schema. Tables of the first configured schema are keyed by their bare
/// name; a table of a later schema too unless an earlier one has that name, in which
/// case it is keyed `schema.table` (like a search path).
pub async fn introspect(
    client: &tokio_postgres::Client,
    schemas: &[String],
) -> Result<DatabaseSchema, tokio_postgres::Error> {
    let types: HashMap<Oid, PgType> = client
        .query_typed(TYPES, &[])
        .await?
        .into_iter()
        .map(|row| {
            (
                row.get(0),
                PgType {
                    name: row.get(1),
                    namespace: row.get(2),
                    kind: row.get(3),
                    category: row.get(4),
                    element: row.get(5),
                    base: row.get(6),
                },
            )
        })
        .collect();
    let mut labels: HashMap<Oid, Vec<String>> = HashMap::new();
    for row in client.query_typed(LABELS, &[]).await? {
        labels.entry(row.get(0)).or_default().push(row.get(1));
    }
    let resolver = Resolver {
        types: &types,
        labels: &labels,
    };
    let mut schema = DatabaseSchema::default();
    let mut current: Option<TableSchema> = None;
    let columns = client
        .query_typed(
            COLUMNS,
            &[(&schemas, Type::TEXT_ARRAY), (&RUNTIME_PREFIX, Type::TEXT)],
        )
        .await?;
    for row in columns {
        let namespace: String = row.get(0);
        let table: String = row.get(1);
        let column: String = row.get(2);
        let type_oid: Oid = row.get(3);
        let not_null: bool = row.get(4);
        let same = current
            .as_ref()
            .is_some_and(|t| t.name == table && t.namespace.as_deref() == Some(namespace.as_str()));
        if !same {
            if let Some(done) = current.take() {
                insert(&mut schema, done);
            }
            current = Some(TableSchema {
                name: table,
                namespace: Some(namespace),
                columns: BTreeMap::new(),
                primary_key: None,
                unwritable: None,
            });
        }
        if let Some(current) = current.as_mut() {
            current.columns.insert(
                column.clone(),
                ColumnSchema {
                    name: column,
                    ty: resolver.family(type_oid, 0),
                    nullable: !not_null,
                    sql_type: resolver.cast_name(type_oid),
                },
            );
        }
    }
    if let Some(done) = current.take() {
        insert(&mut schema, done);
    }
    Ok(schema)
}

fn insert(schema: &mut DatabaseSchema, table: TableSchema) {
    let key = if schema.tables.contains_key(&table.name) {
        format!(
            "{}.{}",
            table.namespace.as_deref().unwrap_or_default(),
            table.name
        )
    } else {
        table.name.clone()
    };
    schema.tables.insert(key, table);
}

struct Resolver<'a> {
    types: &'a HashMap<Oid, PgType>,
    labels: &'a HashMap<Oid, Vec<String>>,
}

impl Resolver<'_> {
    fn family(&self, oid: Oid, depth: usize) -> ColumnType {
        let Some(ty) = self.types.get(&oid) else {
            return ColumnType::Other;
        };
        if depth > 8 {
            return ColumnType::Other;
        }
        match ty.kind.as_str() {
            "d" => {
                return ColumnType::Domain {
                    base: Box::new(self.family(ty.base, depth + 1)),
                };
            }
            "e" => {
                return ColumnType::Enum {
                    labels: self.labels.get(&oid).cloned().unwrap_or_default(),
                };
            }
            _ => {}
        }
        if ty.category == "A" && ty.element != 0 {
            return ColumnType::Array(Box::new(self.family(ty.element, depth + 1)));
        }
        if ty.name == "citext" {
            return ColumnType::Text;
        }
        if ty.namespace != "pg_catalog" {
            return ColumnType::Other;
        }
        match ty.name.as_str() {
            "bool" => ColumnType::Bool,
            "int2" => ColumnType::Int2,
            "int4" => ColumnType::Int4,
            "int8" => ColumnType::Int8,
            "numeric" => ColumnType::Numeric,
            "float4" => ColumnType::Float4,
            "float8" => ColumnType::Float8,
            "text" | "varchar" | "bpchar" | "name" => ColumnType::Text,
            "uuid" => ColumnType::Uuid,
            "json" => ColumnType::Json,
            "jsonb" => ColumnType::Jsonb,
            "date" => ColumnType::Date,
            "time" => ColumnType::Time,
            "timetz" => ColumnType::TimeTz,
            "timestamp" => ColumnType::Timestamp,
            "timestamptz" => ColumnType::TimestampTz,
            "interval" => ColumnType::Interval,
            "bytea" => ColumnType::Bytea,
            _ => ColumnType::Other,
        }
    }

    /// The type for casts: its quoted catalog name (`"pg_catalog"."varchar"`,
    /// `"public"."_mood"`). Catalog names carry no type modifier, so a cast never
    /// truncates (`varchar(3)` is checked on assignment: an error, not a cut).
    fn cast_name(&self, oid: Oid) -> String {
        match self.types.get(&oid) {
            Some(ty) => format!("{}.{}", quote_ident(&ty.namespace), quote_ident(&ty.name)),
            None => "\"pg_catalog\".\"text\"".to_string(),
        }
    }
}
