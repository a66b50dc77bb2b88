//! The schema version of the runtime's own tables (ledger, checkpoints, dead letters).
//!
//! `migrate` records the version it brought the tables to in a one-row table
//! ([`VERSION_TABLE`]), so a later release can migrate forward from it. Versions:
//!
//! - 1: the first layout, its ledger keyed by `client_id` alone (never recorded: a
//!   database of that release has no version table, and is recognised by its ledger);
//! - 2: the ledger keyed by (token `sub`, `client_id`) (this release).
//!
//! A database with the runtime's tables but no version row is read from its layout.
//! `serve` refuses to start, and `/ready` answers 503, unless [`RuntimeTables::check`]
//! passes; `migrate` refuses a database of a newer version rather than downgrade it.

use crate::vocab::DbError;

/// The version of the runtime's tables this release creates and expects.
pub const SCHEMA_VERSION: i64 = 2;

/// The one-row table holding the version `migrate` recorded.
pub const VERSION_TABLE: &str = "powersync_write_schema_version";

/// The runtime's tables (besides [`VERSION_TABLE`]); all must exist.
pub const TABLES: [&str; 3] = [
    "powersync_write_ledger",
    "powersync_write_checkpoints",
    "powersync_write_dead_letters",
];

/// What to run when the tables are missing or older.
pub const MIGRATE_HINT: &str = "run `powersync-write-server migrate` with the same database settings \
     (it is safe to run on every deploy), or start with `powersync-write-server serve --migrate`";

/// What a persister found of the runtime's tables.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuntimeTables {
    /// The version in [`VERSION_TABLE`]; `None` when it has no row or does not exist.
    pub recorded_version: Option<i64>,
    /// The names of [`TABLES`] that exist.
    pub present: Vec<String>,
    /// Whether the ledger has its `subject` column (the layout of version 2).
    pub ledger_has_subject: bool,
}

impl RuntimeTables {
    /// The version the layout shows: `None` without a ledger.
    pub fn layout_version(&self) -> Option<i64> {
        self.present
            .iter()
            .any(|table| table == TABLES[0])
            .then_some(if self.ledger_has_subject { 2 } else { 1 })
    }

    /// The recorded version, else the layout's (`None`: none of the runtime's tables).
    pub fn version(&self) -> Option<i64> {
        self.recorded_version.or_else(|| self.layout_version())
    }

    /// The tables of [`TABLES`] that do not exist.
    pub fn missing(&self) -> Vec<&'static str> {
        TABLES
            .into_iter()
            .filter(|table| !self.present.iter().any(|present| present == table))
            .collect()
    }

    /// Whether this release can use the tables as they are.
    pub fn check(&self) -> Result<(), SchemaProblem> {
        if let Some(found) = self.recorded_version
            && found > SCHEMA_VERSION
        {
            return Err(SchemaProblem::Newer { found });
        }
        if self.present.is_empty() {
            return Err(SchemaProblem::Missing);
        }
        let missing = self.missing();
        if !missing.is_empty() {
            return Err(SchemaProblem::Incomplete {
                missing: missing.into_iter().map(str::to_string).collect(),
            });
        }
        // A recorded version, but a ledger of an older layout, counts as the older one.
        let found = self
            .recorded_version
            .unwrap_or(SCHEMA_VERSION)
            .min(self.layout_version().unwrap_or(SCHEMA_VERSION));
        if found < SCHEMA_VERSION {
            return Err(SchemaProblem::Older { found });
        }
        Ok(())
    }
}

/// Why this release cannot use the runtime's tables; its `Display` ends with what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaProblem {
    #[error("the runtime's tables ({}) do not exist: {MIGRATE_HINT}", TABLES.join(", "))]
    Missing,
    #[error("the runtime's tables {} are missing: {MIGRATE_HINT}", missing.join(", "))]
    Incomplete { missing: Vec<String> },
    #[error(
        "the runtime's tables are at schema version {found}, older than this release's \
         {SCHEMA_VERSION}: {MIGRATE_HINT}"
    )]
    Older { found: i64 },
    #[error(
        "the runtime's tables are at schema version {found}, newer than this release's \
         {SCHEMA_VERSION}: this release cannot use them and does not downgrade them; run a \
         release that knows version {found}, or point this one at another database"
    )]
    Newer { found: i64 },
}

impl From<SchemaProblem> for DbError {
    fn from(problem: SchemaProblem) -> Self {
        DbError::RuntimeTables {
            message: problem.to_string(),
        }
    }
}

/// A statement on one of the runtime's tables failed because the table or a column
/// is missing, or its layout is older: the operator's to fix, never the client's.
pub fn table_error(table: &str, cause: &str) -> DbError {
    DbError::RuntimeTables {
        message: format!(
            "the runtime's table {table} is missing or outdated ({cause}): {MIGRATE_HINT}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(recorded: Option<i64>, present: &[&str], subject: bool) -> RuntimeTables {
        RuntimeTables {
            recorded_version: recorded,
            present: present.iter().map(|t| t.to_string()).collect(),
            ledger_has_subject: subject,
        }
    }

    #[test]
    fn versions_from_the_row_or_the_layout() {
        let empty = tables(None, &[], false);
        assert_eq!(empty.version(), None);
        assert_eq!(empty.check(), Err(SchemaProblem::Missing));

        let first = tables(None, &TABLES, false);
        assert_eq!(first.version(), Some(1));
        assert_eq!(first.check(), Err(SchemaProblem::Older { found: 1 }));

        let unrecorded = tables(None, &TABLES, true);
        assert_eq!(unrecorded.version(), Some(2));
        assert_eq!(unrecorded.check(), Ok(()));

        let current = tables(Some(SCHEMA_VERSION), &TABLES, true);
        assert_eq!(current.check(), Ok(()));

        // A recorded version does not hide a ledger put back in the old layout.
        let tampered = tables(Some(SCHEMA_VERSION), &TABLES, false);
        assert_eq!(tampered.check(), Err(SchemaProblem::Older { found: 1 }));

        let newer = tables(Some(SCHEMA_VERSION + 1), &[], false);
        assert_eq!(
            newer.check(),
            Err(SchemaProblem::Newer {
                found: SCHEMA_VERSION + 1
            })
        );

        let partial = tables(Some(SCHEMA_VERSION), &TABLES[..2], true);
        assert_eq!(
            partial.check(),
            Err(SchemaProblem::Incomplete {
                missing: vec![TABLES[2].to_string()]
            })
        );
    }

    #[test]
    fn problems_say_what_to_do() {
        for problem in [
            SchemaProblem::Missing,
            SchemaProblem::Incomplete {
                missing: vec![TABLES[0].to_string()],
            },
            SchemaProblem::Older { found: 1 },
        ] {
            let text = problem.to_string();
            assert!(text.contains("powersync-write-server migrate"), "{text}");
            assert!(text.contains("serve --migrate"), "{text}");
        }
        let newer = SchemaProblem::Newer { found: 3 }.to_string();
        assert!(newer.contains("version 3"), "{newer}");
        assert!(
            newer.contains(&format!("release's {SCHEMA_VERSION}")),
            "{newer}"
        );
        assert!(!newer.contains("migrate"), "{newer}");
    }
}
