//! The exactly-once audit: triggers count every write of a list or todo row, and
//! after every device has drained its queue the database must hold exactly what the
//! devices' acknowledged histories imply, each row written exactly as often as they
//! imply.

use std::collections::{HashMap, HashSet};

use tokio_postgres::Client;

use crate::devices::Tx;

/// Counts every INSERT and UPDATE of `lists` and `todos`, in the writing transaction
/// (a rolled-back attempt leaves no count).
const INSTALL: &str = "
CREATE TABLE chaos_audit (tbl text NOT NULL, id uuid NOT NULL, op text NOT NULL);
CREATE FUNCTION chaos_audit() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO chaos_audit VALUES (TG_TABLE_NAME, NEW.id, TG_OP); RETURN NEW; END $$;
CREATE TRIGGER chaos_audit AFTER INSERT OR UPDATE ON lists
  FOR EACH ROW EXECUTE FUNCTION chaos_audit();
CREATE TRIGGER chaos_audit AFTER INSERT OR UPDATE ON todos
  FOR EACH ROW EXECUTE FUNCTION chaos_audit();
";

pub async fn install(client: &Client) -> anyhow::Result<()> {
    client.batch_execute(INSTALL).await?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct Audit {
    pub acknowledged: usize,
    /// Acknowledged transactions whose rows are missing or incomplete.
    pub lost: usize,
    /// Acknowledged transactions some row of which was written more often than once.
    pub applied_twice: usize,
    /// Rows no acknowledged transaction wrote.
    pub unexpected_rows: usize,
    pub dead_letters: i64,
}

pub async fn check(client: &Client, acked: &[Tx]) -> anyhow::Result<Audit> {
    let mut writes: HashMap<(String, String, String), i64> = HashMap::new();
    for row in client
        .query(
            "SELECT tbl, id::text, op, count(*) FROM chaos_audit GROUP BY 1, 2, 3",
            &[],
        )
        .await?
    {
        writes.insert((row.get(0), row.get(1), row.get(2)), row.get(3));
    }
    let count = |table: &str, id: &uuid::Uuid, op: &str| {
        writes
            .get(&(table.to_string(), id.to_string(), op.to_string()))
            .copied()
            .unwrap_or(0)
    };
    let lists: HashSet<String> = client
        .query("SELECT id::text FROM lists", &[])
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let todos: HashMap<String, bool> = client
        .query("SELECT id::text, completed FROM todos", &[])
        .await?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let mut audit = Audit {
        acknowledged: acked.len(),
        ..Audit::default()
    };
    let mut expected_rows = 0;
    for tx in acked {
        let [first, second] = &tx.todos;
        let present = lists.contains(&tx.list.to_string())
            && todos.get(&first.to_string()) == Some(&true)
            && todos.contains_key(&second.to_string());
        if !present {
            audit.lost += 1;
        }
        // The list and the second todo are inserted once; the first todo is inserted
        // and then completed by the transaction's PATCH.
        let exact = count("lists", &tx.list, "INSERT") == 1
            && count("lists", &tx.list, "UPDATE") == 0
            && count("todos", first, "INSERT") == 1
            && count("todos", first, "UPDATE") == 1
            && count("todos", second, "INSERT") == 1
            && count("todos", second, "UPDATE") == 0;
        if present && !exact {
            audit.applied_twice += 1;
        }
        expected_rows += 3;
    }
    let rows = lists.len() + todos.len();
    audit.unexpected_rows = rows.saturating_sub(expected_rows);
    audit.dead_letters = client
        .query_one("SELECT count(*) FROM powersync_write_dead_letters", &[])
        .await?
        .get(0);
    Ok(audit)
}
