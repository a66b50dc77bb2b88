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

/// MySQL/MariaDB: UUIDs as `CHAR(36)` (their text form, readable in any client),
/// times as `DATETIME(6)` in UTC (the session's time zone), InnoDB for the foreign key.
pub const MYSQL: &str = "
CREATE TABLE IF NOT EXISTS lists (
    id CHAR(36) NOT NULL PRIMARY KEY,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    name TEXT NOT NULL,
    owner_id VARCHAR(255) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS todos (
    id CHAR(36) NOT NULL PRIMARY KEY,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    completed_at DATETIME(6) NULL,
    description TEXT NOT NULL,
    completed BOOLEAN NOT NULL DEFAULT FALSE,
    created_by VARCHAR(255),
    completed_by VARCHAR(255),
    list_id CHAR(36) NOT NULL,
    CONSTRAINT todos_list_id_fkey FOREIGN KEY (list_id) REFERENCES lists (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
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
