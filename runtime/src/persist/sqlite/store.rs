//! The runtime's own tables: idempotency ledger, write checkpoints, dead letters.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use super::error::db_error;
use crate::classify::sqlite::classify;
use crate::failure::codes;
use crate::persist::version::{self, RuntimeTables, SCHEMA_VERSION, TABLES, VERSION_TABLE};
use crate::persist::{DeadLetter, NewDeadLetter};
use crate::vocab::Class;
use crate::vocab::DbError;

const LEDGER: &str = "powersync_write_ledger";
const CHECKPOINTS: &str = "powersync_write_checkpoints";
const DEAD_LETTERS: &str = "powersync_write_dead_letters";

/// Created by `migrate` only; `IF NOT EXISTS` makes it safe to run at every start.
///
/// The ledger is keyed by the token's `sub` and the client id: a `client_id` alone is
/// chosen by the client, so another user who learns it must not move its ledger.
pub const MIGRATION: &str = "
CREATE TABLE IF NOT EXISTS powersync_write_ledger (
    subject TEXT NOT NULL,
    client_id TEXT NOT NULL,
    last_op_id INTEGER NOT NULL,
    PRIMARY KEY (subject, client_id)
);
CREATE TABLE IF NOT EXISTS powersync_write_checkpoints (
    user_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    checkpoint INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
CREATE TABLE IF NOT EXISTS powersync_write_dead_letters (
    id TEXT PRIMARY KEY NOT NULL,
    created_at TEXT NOT NULL,
    subject TEXT NOT NULL,
    client_id TEXT,
    \"transaction\" TEXT NOT NULL,
    error_code TEXT NOT NULL,
    error_message TEXT NOT NULL,
    error_details TEXT NOT NULL,
    operation_index INTEGER NOT NULL,
    ledger_client_id TEXT,
    ledger_op_id INTEGER
);
CREATE INDEX IF NOT EXISTS powersync_write_dead_letters_created
    ON powersync_write_dead_letters (created_at);
CREATE INDEX IF NOT EXISTS powersync_write_dead_letters_ledger
    ON powersync_write_dead_letters (ledger_client_id, ledger_op_id);
CREATE TABLE IF NOT EXISTS powersync_write_schema_version (
    singleton INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
    version INTEGER NOT NULL,
    migrated_at TEXT NOT NULL
);
";

/// An error of a statement on one of the runtime's tables: a missing table or column
/// (or the ledger's older key) is [`DbError::RuntimeTables`], anything else as usual.
fn runtime_error(table: &str, error: rusqlite::Error) -> DbError {
    let error = db_error(error, None);
    match &error {
        DbError::Database { code, message, .. }
            if classify(code, message) == Some(Class::Fatal(codes::SCHEMA_MISMATCH)) =>
        {
            version::table_error(table, message)
        }
        _ => error,
    }
}

/// What exists of the runtime's tables, and the version recorded.
pub fn runtime_tables(conn: &Connection) -> Result<RuntimeTables, DbError> {
    let exists = |table: &str| {
        conn.prepare_cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")
            .and_then(|mut stmt| stmt.exists([table]))
            .map_err(|error| db_error(error, None))
    };
    let mut present = Vec::new();
    for table in TABLES {
        if exists(table)? {
            present.push(table.to_string());
        }
    }
    let ledger_has_subject = conn
        .prepare_cached(
            "SELECT 1 FROM pragma_table_info('powersync_write_ledger') WHERE name = 'subject'",
        )
        .and_then(|mut stmt| stmt.exists([]))
        .map_err(|error| db_error(error, None))?;
    let recorded_version = if exists(VERSION_TABLE)? {
        conn.query_row(
            &format!("SELECT max(version) FROM {VERSION_TABLE}"),
            [],
            |row| row.get(0),
        )
        .map_err(|error| runtime_error(VERSION_TABLE, error))?
    } else {
        None
    };
    Ok(RuntimeTables {
        recorded_version,
        present,
        ledger_has_subject,
    })
}

/// Records [`SCHEMA_VERSION`] (the caller has created the table and refused a newer one).
pub fn record_version(conn: &Connection) -> Result<(), DbError> {
    conn.execute(
        &format!(
            "INSERT INTO {VERSION_TABLE} (singleton, version, migrated_at) \
             VALUES (1, ?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
             ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, \
             migrated_at = excluded.migrated_at WHERE version <> excluded.version"
        ),
        [SCHEMA_VERSION],
    )
    .map(drop)
    .map_err(|error| runtime_error(VERSION_TABLE, error))
}

/// Brings a ledger of the first layout (keyed by `client_id` alone) to the current
/// one. Its rows cannot be attributed to a user, so they move under the empty
/// subject (the verifier refuses a token with an empty `sub`), where they still answer replays
/// of what was applied before the upgrade, for every user, and never move again.
pub fn upgrade_ledger(conn: &Connection) -> Result<(), DbError> {
    let has_subject = conn
        .prepare("SELECT 1 FROM pragma_table_info('powersync_write_ledger') WHERE name = 'subject'")
        .and_then(|mut stmt| stmt.exists([]))
        .map_err(|error| db_error(error, None))?;
    let exists = conn
        .prepare(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'powersync_write_ledger'",
        )
        .and_then(|mut stmt| stmt.exists([]))
        .map_err(|error| db_error(error, None))?;
    if !exists || has_subject {
        return Ok(());
    }
    conn.execute_batch(
        "ALTER TABLE powersync_write_ledger RENAME TO powersync_write_ledger_v1;
         CREATE TABLE powersync_write_ledger (
             subject TEXT NOT NULL,
             client_id TEXT NOT NULL,
             last_op_id INTEGER NOT NULL,
             PRIMARY KEY (subject, client_id));
         INSERT INTO powersync_write_ledger (subject, client_id, last_op_id)
             SELECT '', client_id, last_op_id FROM powersync_write_ledger_v1;
         DROP TABLE powersync_write_ledger_v1;",
    )
    .map_err(|error| db_error(error, None))
}

/// The last op_id applied for a user's client, if any (a migrated row of the client
/// counts too).
pub fn ledger_last(
    conn: &Connection,
    subject: &str,
    client_id: &str,
) -> Result<Option<i64>, DbError> {
    conn.prepare_cached(
        "SELECT max(last_op_id) FROM powersync_write_ledger \
         WHERE client_id = ?2 AND subject IN (?1, '')",
    )
    .and_then(|mut stmt| stmt.query_row(params![subject, client_id], |row| row.get(0)))
    .map_err(|error| runtime_error(LEDGER, error))
}

/// Moves the user's client's ledger forward to `op_id` (never backwards).
pub fn ledger_advance(
    conn: &Connection,
    subject: &str,
    client_id: &str,
    op_id: i64,
) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT INTO powersync_write_ledger (subject, client_id, last_op_id) VALUES (?1, ?2, ?3) \
         ON CONFLICT (subject, client_id) DO UPDATE SET last_op_id = max(last_op_id, excluded.last_op_id)",
    )
    .and_then(|mut stmt| stmt.execute(params![subject, client_id, op_id]))
    .map(drop)
    .map_err(|error| runtime_error(LEDGER, error))
}

/// Increments the write checkpoint of (user, client) and returns the new value.
pub fn checkpoint_increment(
    conn: &Connection,
    user_id: &str,
    client_id: &str,
) -> Result<i64, DbError> {
    conn.prepare_cached(
        "INSERT INTO powersync_write_checkpoints (user_id, client_id, checkpoint) VALUES (?1, ?2, 1) \
         ON CONFLICT (user_id, client_id) DO UPDATE SET checkpoint = checkpoint + 1 \
         RETURNING checkpoint",
    )
    .and_then(|mut stmt| stmt.query_row(params![user_id, client_id], |row| row.get(0)))
    .map_err(|error| runtime_error(CHECKPOINTS, error))
}

/// Inserts a dead letter (the caller owns the transaction).
pub fn insert_dead_letter(
    conn: &Connection,
    id: &str,
    letter: &NewDeadLetter,
) -> Result<(), DbError> {
    let (ledger_client, ledger_op) = match &letter.idempotency {
        Some((client, op)) => (Some(client.as_str()), Some(*op)),
        None => (None, None),
    };
    conn.prepare_cached(
        "INSERT INTO powersync_write_dead_letters (id, created_at, subject, client_id, \
         \"transaction\", error_code, error_message, error_details, operation_index, \
         ledger_client_id, ledger_op_id) \
         VALUES (?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            id,
            letter.subject,
            letter.client_id,
            letter.transaction.to_string(),
            letter.error_code,
            letter.error_message,
            letter.error_details.to_string(),
            i64::try_from(letter.operation_index).unwrap_or(i64::MAX),
            ledger_client,
            ledger_op,
        ])
    })
    .map(drop)
    .map_err(|error| runtime_error(DEAD_LETTERS, error))
}

const COLUMNS: &str = "id, created_at, subject, client_id, \"transaction\", error_code, \
     error_message, error_details, operation_index, ledger_client_id, ledger_op_id";

pub fn list_dead_letters(conn: &Connection, limit: usize) -> Result<Vec<DeadLetter>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM powersync_write_dead_letters ORDER BY created_at, rowid LIMIT ?1"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut stmt| {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            stmt.query_map([limit], dead_letter)?.collect()
        })
        .map_err(|error| runtime_error(DEAD_LETTERS, error))
}

pub fn get_dead_letter(conn: &Connection, id: &str) -> Result<Option<DeadLetter>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM powersync_write_dead_letters WHERE id = ?1");
    conn.prepare_cached(&sql)
        .and_then(|mut stmt| stmt.query_row([id], dead_letter).optional())
        .map_err(|error| runtime_error(DEAD_LETTERS, error))
}

pub fn find_dead_letter(
    conn: &Connection,
    subject: &str,
    client_id: &str,
    last_op_id: i64,
) -> Result<Option<DeadLetter>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM powersync_write_dead_letters \
         WHERE subject = ?1 AND ledger_client_id = ?2 AND ledger_op_id = ?3 \
         ORDER BY created_at LIMIT 1"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_row(params![subject, client_id, last_op_id], dead_letter)
                .optional()
        })
        .map_err(|error| runtime_error(DEAD_LETTERS, error))
}

pub fn delete_dead_letter(conn: &Connection, id: &str) -> Result<bool, DbError> {
    conn.prepare_cached("DELETE FROM powersync_write_dead_letters WHERE id = ?1")
        .and_then(|mut stmt| stmt.execute([id]))
        .map(|deleted| deleted > 0)
        .map_err(|error| runtime_error(DEAD_LETTERS, error))
}

fn dead_letter(row: &Row<'_>) -> rusqlite::Result<DeadLetter> {
    // Written by this module as JSON text; anything else reads as the raw text.
    let json = |text: String| serde_json::from_str(&text).unwrap_or(Value::String(text));
    let ledger_client: Option<String> = row.get(9)?;
    let ledger_op: Option<i64> = row.get(10)?;
    Ok(DeadLetter {
        id: row.get(0)?,
        created_at: row.get(1)?,
        letter: NewDeadLetter {
            subject: row.get(2)?,
            client_id: row.get(3)?,
            transaction: json(row.get(4)?),
            error_code: row.get(5)?,
            error_message: row.get(6)?,
            error_details: json(row.get(7)?),
            operation_index: usize::try_from(row.get::<_, i64>(8)?).unwrap_or(0),
            idempotency: ledger_client.zip(ledger_op),
        },
    })
}
