//! The example `lists`/`todos` schema of the PowerSync to-do demo apps, so the quick
//! start needs nothing but this binary. Created only on request
//! (`migrate --example-schema`), and only where the tables do not exist yet. Who may
//! write them is `policy::EXAMPLE_POLICIES`.

/// PostgreSQL: real types, so uploads exercise the conversions (uuid, timestamptz,
/// boolean).
pub const POSTGRES: &str = "
CREATE TABLE IF NOT EXISTS lists (
    id uuid PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    name text NOT NULL,
    owner_id text NOT NULL
);
CREATE TABLE IF NOT EXISTS todos (
    id uuid PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    description text NOT NULL,
    completed boolean NOT NULL DEFAULT false,
    created_by text,
    completed_by text,
    list_id uuid NOT NULL REFERENCES lists (id) ON DELETE CASCADE
);
";

/// SQLite: the same tables with declared types the runtime maps to the same families.
pub const SQLITE: &str = "
CREATE TABLE IF NOT EXISTS lists (
    id UUID PRIMARY KEY NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name TEXT NOT NULL,
    owner_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS todos (
    id UUID PRIMARY KEY NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    completed_at TIMESTAMP,
    description TEXT NOT NULL,
    completed BOOLEAN NOT NULL DEFAULT 0,
    created_by TEXT,
    completed_by TEXT,
    list_id UUID NOT NULL REFERENCES lists (id) ON DELETE CASCADE
);
";
