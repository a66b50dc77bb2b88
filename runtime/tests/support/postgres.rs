//! A fresh database per test on the binary's throwaway PostgreSQL cluster
//! (`throwaway_servers::postgres::shared`, started on first use), and work for
//! `Persister::apply`.

use powersync_write_server::hooks::HandlerRegistry;
use powersync_write_server::persist::postgres::{PostgresConfig, PostgresPersister};
use powersync_write_server::persist::{
    Applied, CheckpointKey, Idempotency, Persister, TransactionWork,
};
use powersync_write_server::schema::DatabaseSchema;
use powersync_write_server::vocab::Principal;
use powersync_write_server::vocab::{DbError, MappedEntry, PutMode, WriteOp};
use serde_json::Value;
use throwaway_servers::postgres::shared;

/// A fresh database of the cluster.
pub struct TestDb {
    pub name: String,
    pub port: u16,
}

impl TestDb {
    /// Connection URL as `user` (the superuser `postgres` by default).
    pub fn url_as(&self, user: &str) -> String {
        shared().url_as(user, &self.name)
    }

    pub fn url(&self) -> String {
        self.url_as("postgres")
    }

    /// A direct superuser connection, for setting up and checking.
    pub async fn client(&self) -> tokio_postgres::Client {
        connect(&self.url()).await
    }

    /// Runs SQL statements as the superuser.
    pub async fn sql(&self, sql: &str) {
        if let Err(error) = self.client().await.batch_execute(sql).await {
            panic!("{sql}: {error:?}");
        }
    }

    /// A migrated persister on this database.
    pub async fn persister(&self) -> PostgresPersister {
        self.persister_with(PostgresConfig::new(self.url())).await
    }

    pub async fn persister_with(&self, config: PostgresConfig) -> PostgresPersister {
        let persister = PostgresPersister::new(config).expect("persister");
        persister.migrate().await.expect("migrate");
        persister
    }
}

pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    tokio::spawn(connection);
    client
}

/// Creates a new database in the binary's cluster.
pub async fn database() -> TestDb {
    let cluster = shared();
    TestDb {
        name: cluster.database(),
        port: cluster.port,
    }
}

// ---- building work for `Persister::apply` ----

pub fn principal() -> Principal {
    Principal {
        subject: "user-1".to_string(),
        claims: Default::default(),
    }
}

/// A mapped entry; `data` is a JSON object of database column -> value.
pub fn entry(
    operation_index: usize,
    op: WriteOp,
    table: &str,
    id: &str,
    data: Value,
) -> MappedEntry {
    let columns = match data {
        Value::Object(map) => map.into_iter().collect(),
        Value::Null => Vec::new(),
        other => panic!("entry data must be an object, got {other}"),
    };
    MappedEntry {
        operation_index,
        op,
        table: table.to_string(),
        key_column: "id".to_string(),
        id: Value::String(id.to_string()),
        columns,
        client_table: table.to_string(),
        source: None,
        guard: None,
    }
}

pub fn put(operation_index: usize, table: &str, id: &str, data: Value) -> MappedEntry {
    entry(
        operation_index,
        WriteOp::Put(PutMode::Merge),
        table,
        id,
        data,
    )
}

pub fn patch(operation_index: usize, table: &str, id: &str, data: Value) -> MappedEntry {
    entry(operation_index, WriteOp::Patch, table, id, data)
}

pub fn delete(operation_index: usize, table: &str, id: &str) -> MappedEntry {
    entry(operation_index, WriteOp::Delete, table, id, Value::Null)
}

/// Options of one `apply`.
#[derive(Default)]
pub struct Apply<'a> {
    pub idempotency: Option<(&'a str, i64)>,
    pub checkpoint: Option<(&'a str, &'a str)>,
    pub handlers: HandlerRegistry,
}

pub async fn apply_with(
    persister: &PostgresPersister,
    schema: &DatabaseSchema,
    entries: &[MappedEntry],
    options: &Apply<'_>,
) -> Result<Applied, DbError> {
    let principal = principal();
    let work = TransactionWork {
        principal: &principal,
        entries,
        schema,
        idempotency: options
            .idempotency
            .map(|(client_id, last_op_id)| Idempotency {
                client_id,
                last_op_id,
            }),
        checkpoint: options
            .checkpoint
            .map(|(user_id, client_id)| CheckpointKey { user_id, client_id }),
        handlers: &options.handlers,
    };
    persister.apply(&work).await
}

/// Applies with a freshly introspected schema and no options.
pub async fn apply(
    persister: &PostgresPersister,
    entries: &[MappedEntry],
) -> Result<Applied, DbError> {
    let schema = persister.introspect().await.expect("introspect");
    apply_with(persister, &schema, entries, &Apply::default()).await
}

/// Rows of a query, each column cast to text by the caller's SQL.
pub async fn rows(client: &tokio_postgres::Client, sql: &str) -> Vec<Vec<Option<String>>> {
    let rows = client
        .query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| row.get::<_, Option<String>>(i))
                .collect()
        })
        .collect()
}
