/**
 * What the end-to-end tests share, whichever backend they upload to: the app's
 * PowerSync schema and the server's PostgreSQL schema (with an audit trigger that
 * makes every applied write visible, so a write applied twice shows up as two audit
 * rows), a local `@powersync/node` database, its upload queue, and a `fetch` that
 * records the backend's replies.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

import { column, PowerSyncDatabase, Schema, Table } from "@powersync/node";
import type postgres from "postgres";

// The client side: PowerSync stores every column as text, integer or real.
export const AppSchema = new Schema({
  lists: new Table({
    name: column.text,
    owner_id: column.text,
    created_at: column.text,
  }),
  todos: new Table({
    list_id: column.text,
    description: column.text,
    completed: column.integer,
    completed_at: column.text,
    attrs: column.text,
  }),
});

// The server side: real types, which the backend learns by introspection at start, so
// these tables exist before it starts. The audit trigger makes every applied write
// visible, so a write applied twice shows up as two audit rows.
export const SERVER_SCHEMA = `
CREATE TABLE lists (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  owner_id text,
  created_at timestamptz
);
CREATE TABLE todos (
  id uuid PRIMARY KEY,
  list_id uuid NOT NULL REFERENCES lists (id),
  description text NOT NULL,
  completed boolean NOT NULL DEFAULT false,
  completed_at timestamptz,
  attrs jsonb
);
CREATE TABLE audit (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  table_name text NOT NULL,
  op text NOT NULL,
  row_id uuid NOT NULL
);
CREATE FUNCTION audit_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit (table_name, op, row_id)
  VALUES (TG_TABLE_NAME, TG_OP, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
  RETURN NULL;
END $$;
CREATE TRIGGER lists_audit AFTER INSERT OR UPDATE OR DELETE ON lists
  FOR EACH ROW EXECUTE FUNCTION audit_write();
CREATE TRIGGER todos_audit AFTER INSERT OR UPDATE OR DELETE ON todos
  FOR EACH ROW EXECUTE FUNCTION audit_write();
`;

/** A fresh local PowerSync database in a temporary folder, closed and removed after `t`. */
export async function openLocalDb(t: TestContext): Promise<PowerSyncDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "powersync-e2e-local-"));
  const db = new PowerSyncDatabase({
    schema: AppSchema,
    database: { dbFilename: "local.db", dbLocation: dir },
  });
  t.after(async () => {
    try {
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  await db.init();
  return db;
}

export interface QueuedRow {
  id: number;
  tx_id: number | null;
  data: string;
}

/** The upload queue as stored (`ps_crud`), oldest first. */
export async function queue(db: PowerSyncDatabase): Promise<QueuedRow[]> {
  return db.getAll<QueuedRow>(
    "SELECT id, tx_id, data FROM ps_crud ORDER BY id",
  );
}

export async function assertQueueEmpty(db: PowerSyncDatabase): Promise<void> {
  assert.deepEqual(await queue(db), [], "ps_crud should be empty");
  assert.equal(await db.getNextCrudTransaction(), null);
}

export interface AuditRow {
  table_name: string;
  op: string;
  row_id: string;
}

/** The audit rows one would expect if every queued operation were applied exactly once. */
export function expectedAudit(rows: QueuedRow[]): AuditRow[] {
  const ops: Record<string, string> = {
    PUT: "INSERT",
    PATCH: "UPDATE",
    DELETE: "DELETE",
  };
  return rows.map((row) => {
    const entry = JSON.parse(row.data) as {
      op: string;
      type: string;
      id: string;
    };
    const op = ops[entry.op];
    assert.ok(op, `unexpected queued op ${entry.op}`);
    return { table_name: entry.type, op, row_id: entry.id };
  });
}

/** The audit rows of these row ids, in the order the writes were applied. */
export async function auditOf(
  sql: postgres.Sql,
  ids: string[],
): Promise<AuditRow[]> {
  const rows = await sql<AuditRow[]>`
    SELECT table_name, op, row_id::text AS row_id FROM audit
    WHERE row_id = ANY(${sql.array(ids)}::uuid[]) ORDER BY seq`;
  return rows.map((row) => ({ ...row }));
}

export interface WireResult {
  status: string;
  duplicate?: boolean;
  requires_client_handling?: boolean;
  dead_letter_id?: string;
  failed_operation?: {
    error_code: string;
    operation_index: number;
    details?: unknown;
  };
}

/**
 * `fetch` that records the JSON body of every 200 reply, so the test can see what the
 * backend answered without trusting the code under test to report it.
 */
export function recordingFetch(
  replies: { results: WireResult[] }[],
): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (response.status === 200 && url.endsWith("/api/data")) {
      replies.push(
        (await response.clone().json()) as { results: WireResult[] },
      );
    }
    return response;
  };
}
