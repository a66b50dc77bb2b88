/**
 * The SQL text of the PostgreSQL writer (`./postgres.ts`): the statement of each
 * entry, and the statements on the module's own tables with the migration that
 * creates them.
 *
 * SQL is built only from introspected, quoted identifiers; values travel as
 * parameters, each cast to its column's type (`$1::text::"pg_catalog"."int4"`).
 * Nothing here runs a statement.
 */

import type { Column, Table } from "./postgres-schema.ts";

/**
 * The prefix of the module's tables (the reference backend's, with the same
 * layouts). Introspection leaves these tables out: they are not user tables.
 */
export const PREFIX = "powersync_write_";
export const LEDGER = `${PREFIX}ledger`;
export const DEAD_LETTERS = `${PREFIX}dead_letters`;
export const CHECKPOINTS = `${PREFIX}checkpoints`;

/** `name` as a quoted identifier: wrapped in double quotes, embedded ones doubled. */
export function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Column names in a stable order, so a statement's text depends only on its shape. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------

/**
 * The statement of one entry, or none (a `PATCH` without columns). Its
 * parameters: `$1` the key, then `columns` in order, then the user's id when a
 * `guard` (the owner column) restricts it to the user's rows. `PUT` upserts the
 * columns sent, `PATCH` updates them, `DELETE` deletes.
 */
export function entryStatement(
  op: "PUT" | "PATCH" | "DELETE",
  table: Table,
  key: Column,
  columns: readonly Column[],
  guard: Column | undefined,
): string | undefined {
  const param = (i: number, column: Column): string =>
    `$${i + 1}::text::${column.cast}`;
  const owned = guard
    ? `${table.qualified}.${quote(guard.name)} = ${param(columns.length + 1, guard)}`
    : undefined;
  if (op === "PUT") {
    const all = [key, ...columns];
    const sets = columns.map(
      (c) => `${quote(c.name)} = EXCLUDED.${quote(c.name)}`,
    );
    // A guarded conflict needs DO UPDATE (DO NOTHING takes no WHERE).
    if (sets.length === 0 && owned) sets.push(`"id" = EXCLUDED."id"`);
    const conflict =
      sets.length === 0
        ? `ON CONFLICT ("id") DO NOTHING`
        : `ON CONFLICT ("id") DO UPDATE SET ${sets.join(", ")}${owned ? ` WHERE ${owned}` : ""}`;
    return (
      `INSERT INTO ${table.qualified} (${all.map((c) => quote(c.name)).join(", ")}) ` +
      `VALUES (${all.map((c, i) => param(i, c)).join(", ")}) ${conflict}`
    );
  }
  if (op === "PATCH") {
    if (columns.length === 0) return undefined;
    const sets = columns.map((c, i) => `${quote(c.name)} = ${param(i + 1, c)}`);
    return (
      `UPDATE ${table.qualified} SET ${sets.join(", ")} WHERE "id" = ${param(0, key)}` +
      (owned ? ` AND ${owned}` : "")
    );
  }
  return (
    `DELETE FROM ${table.qualified} WHERE "id" = ${param(0, key)}` +
    (owned ? ` AND ${owned}` : "")
  );
}

/**
 * Whether the row with the id `$1` exists: after a guarded write that wrote
 * nothing, it tells another user's row from a missing one.
 */
export function rowExists(table: Table, key: Column | undefined): string {
  return `SELECT 1 FROM ${table.qualified} WHERE "id" = $1::text::${key?.cast ?? "text"}`;
}

// ---------------------------------------------------------------------------
// The module's own tables
// ---------------------------------------------------------------------------

/** The statements on the module's tables in one schema. */
export interface ModuleStatements {
  /** Creates the tables: idempotent, safe to run on every deploy. */
  migration: string;
  /**
   * Inserts or raises the ledger row of (`$1` subject, `$2` client id) to `$3`;
   * 0 rows: a replay. The row stays locked until the transaction ends.
   */
  ledgerClaim: string;
  /** Raises the ledger to at least `$3` (a dead letter). */
  ledgerAdvance: string;
  /**
   * Raises the write checkpoint of (`$1` subject, `$2` client id) by one, from 1
   * the first time; returns it as text.
   */
  checkpoint: string;
  /** The dead letter kept for (`$1` subject, `$2` client id, `$3` op id), if any. */
  deadLetterOfLedger: string;
  /** Keeps a dead letter; returns its id. */
  deadLetterInsert: string;
  /** The answer kept for (`$1` subject, `$2` client id, `$3` op id), if any. */
  deadLetterAnswer: string;
  /**
   * Which of the tables named `$2`, `$3`, `$4` exist in schema `$1`, and whether each
   * has a `subject` column (the ledger's current layout).
   */
  moduleTables: string;
}

export function moduleStatements(schema: string): ModuleStatements {
  const table = (name: string): string => `${quote(schema)}.${quote(name)}`;
  const ledger = table(LEDGER);
  const deadLetters = table(DEAD_LETTERS);
  const checkpoints = table(CHECKPOINTS);
  return {
    migration: migration(schema),
    // A ledger row of the reference backend's first layout (empty subject) at or
    // past the op id makes it a replay.
    ledgerClaim:
      `INSERT INTO ${ledger} AS l (subject, client_id, last_op_id) ` +
      "SELECT $1::text, $2::text, $3::text::bigint " +
      `WHERE NOT EXISTS (SELECT 1 FROM ${ledger} ` +
      "WHERE subject = '' AND client_id = $2::text AND last_op_id >= $3::text::bigint) " +
      "ON CONFLICT (subject, client_id) DO UPDATE SET last_op_id = EXCLUDED.last_op_id, updated_at = now() " +
      "WHERE l.last_op_id < EXCLUDED.last_op_id",
    ledgerAdvance:
      `INSERT INTO ${ledger} AS l (subject, client_id, last_op_id) ` +
      "VALUES ($1::text, $2::text, $3::text::bigint) ON CONFLICT (subject, client_id) " +
      "DO UPDATE SET last_op_id = GREATEST(l.last_op_id, EXCLUDED.last_op_id), updated_at = now()",
    checkpoint:
      `INSERT INTO ${checkpoints} AS c (user_id, client_id, checkpoint) VALUES ($1::text, $2::text, 1) ` +
      "ON CONFLICT (user_id, client_id) DO UPDATE SET checkpoint = c.checkpoint + 1 " +
      "RETURNING checkpoint::text AS checkpoint",
    deadLetterOfLedger:
      `SELECT id::text AS id FROM ${deadLetters} ` +
      "WHERE subject = $1::text AND ledger_client_id = $2::text AND ledger_op_id = $3::text::bigint LIMIT 1",
    deadLetterInsert:
      `INSERT INTO ${deadLetters} (id, subject, client_id, "transaction", error_code, ` +
      "error_message, error_details, operation_index, ledger_client_id, ledger_op_id) " +
      "VALUES (gen_random_uuid(), $1::text, $2::text, $3::text::jsonb, $4::text, $5::text, " +
      "$6::text::jsonb, $7::text::integer, $8::text, $9::text::bigint) RETURNING id::text AS id",
    deadLetterAnswer:
      "SELECT id::text AS id, error_code, error_message, error_details::text AS details, " +
      `operation_index FROM ${deadLetters} WHERE subject = $1::text ` +
      "AND ledger_client_id = $2::text AND ledger_op_id = $3::text::bigint ORDER BY created_at LIMIT 1",
    moduleTables:
      "SELECT c.relname::text AS name, EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a " +
      "WHERE a.attrelid = c.oid AND a.attname = 'subject' AND NOT a.attisdropped) AS subject " +
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace " +
      "WHERE n.nspname::text = $1::text AND c.relname::text IN ($2::text, $3::text, $4::text) " +
      "AND c.relkind IN ('r', 'p')",
  };
}

/**
 * The module's tables, as the reference backend lays them out (`jsonb` here); the
 * checkpoints table is created even while write checkpoints are off, so that
 * turning them on needs no other migration.
 */
function migration(schema: string): string {
  const table = (name: string): string => `${quote(schema)}.${quote(name)}`;
  return `-- The PostgreSQL write module's own tables (powersync-write-api/postgres).
-- Idempotent: safe to run on every deploy. Row-level security is enabled without
-- policies: only the tables' owner (the role running this, which the writer must
-- connect as) and superusers use them.
CREATE TABLE IF NOT EXISTS ${table(LEDGER)} (
    subject text NOT NULL,
    client_id text NOT NULL,
    last_op_id bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, client_id)
);
CREATE TABLE IF NOT EXISTS ${table(DEAD_LETTERS)} (
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    subject text NOT NULL,
    client_id text,
    "transaction" jsonb NOT NULL,
    error_code text NOT NULL,
    error_message text NOT NULL,
    error_details jsonb NOT NULL,
    operation_index integer NOT NULL,
    ledger_client_id text,
    ledger_op_id bigint
);
CREATE INDEX IF NOT EXISTS ${quote(`${DEAD_LETTERS}_ledger`)}
    ON ${table(DEAD_LETTERS)} (ledger_client_id, ledger_op_id);
CREATE TABLE IF NOT EXISTS ${table(CHECKPOINTS)} (
    user_id text NOT NULL,
    client_id text NOT NULL,
    checkpoint bigint NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
ALTER TABLE ${table(LEDGER)} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${table(DEAD_LETTERS)} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${table(CHECKPOINTS)} ENABLE ROW LEVEL SECURITY;
`;
}
