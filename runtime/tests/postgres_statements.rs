//! Prepared statements stay bounded on a real PostgreSQL: each column subset of a
//! PATCH is a statement shape of its own, and a client chooses them, so a connection
//! must not keep one prepared statement per shape for ever.

mod support;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use powersync_write_api::models::CrudEntry;
use powersync_write_server::hooks::{HandlerRegistry, SqlExecutor, TableHandler};
use powersync_write_server::persist::Persister;
use powersync_write_server::persist::postgres::PostgresConfig;
use powersync_write_server::vocab::Principal;
use powersync_write_server::vocab::{DbError, MappedEntry};
use serde_json::{Map, Value};
use support::postgres::{Apply, apply_with, database, patch, put};

/// Reads `pg_prepared_statements` on the connection the upload runs on (a custom
/// handler runs inside the upload's own transaction).
#[derive(Default)]
struct CountPrepared(Mutex<Option<i64>>);

#[async_trait]
impl TableHandler for CountPrepared {
    async fn handle(
        &self,
        _principal: &Principal,
        _entry: &CrudEntry,
        _mapped: &MappedEntry,
        db: &mut dyn SqlExecutor,
    ) -> Result<(), DbError> {
        let rows = db
            .query("SELECT count(*) AS n FROM pg_prepared_statements", &[])
            .await?;
        let count = rows
            .first()
            .and_then(|row| row.get("n"))
            .and_then(Value::as_i64);
        *self.0.lock().unwrap() = count;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_patch_shapes_keep_a_bounded_number_of_prepared_statements() {
    let db = database().await;
    let columns: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
    db.sql(&format!(
        "CREATE TABLE wide (id text PRIMARY KEY, {})",
        columns
            .iter()
            .map(|c| format!("{c} text"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .await;
    let capacity = 32;
    let persister = db
        .persister_with(PostgresConfig {
            // One connection, so every upload below runs on the one that is probed.
            pool_size: 1,
            statement_cache_capacity: capacity,
            ..PostgresConfig::new(db.url())
        })
        .await;
    let schema = persister.introspect().await.expect("introspect");
    let probe = Arc::new(CountPrepared::default());
    let mut handlers = HandlerRegistry::default();
    handlers.register("probe", probe.clone());
    let options = Apply {
        handlers,
        ..Apply::default()
    };

    apply_with(
        &persister,
        &schema,
        &[put(0, "wide", "row", Value::Object(Map::new()))],
        &options,
    )
    .await
    .expect("put");
    // 300 PATCHes, each a different set of columns.
    for shape in 1..=300_u32 {
        let data: Map<String, Value> = columns
            .iter()
            .enumerate()
            .filter(|(bit, _)| shape & (1 << bit) != 0)
            .map(|(_, column)| (column.clone(), Value::String(format!("v{shape}"))))
            .collect();
        apply_with(
            &persister,
            &schema,
            &[patch(0, "wide", "row", Value::Object(data))],
            &options,
        )
        .await
        .unwrap_or_else(|e| panic!("patch shape {shape}: {e}"));
    }
    let mut count = put(0, "probe", "x", Value::Object(Map::new()));
    count.client_table = "probe".to_string();
    apply_with(&persister, &schema, &[count], &options)
        .await
        .expect("probe");
    let prepared = probe.0.lock().unwrap().expect("the probe ran");
    assert!(
        prepared <= capacity as i64 + 1,
        "{prepared} statements prepared on one connection, capacity {capacity}"
    );
    // The writes themselves all happened: the last shape (300 = 0b100101100) won.
    let client = db.client().await;
    let row = client
        .query_one("SELECT c2, c3, c5, c8 FROM wide WHERE id = 'row'", &[])
        .await
        .expect("row");
    for i in 0..4 {
        assert_eq!(row.get::<_, Option<String>>(i).as_deref(), Some("v300"));
    }
}
