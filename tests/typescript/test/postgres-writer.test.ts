// The PostgreSQL write module (`powersync-write-api/postgres`) against a real,
// throwaway PostgreSQL: typed values, the authorization policies, dead letters,
// replays (also racing ones), classification of errors the server really raises,
// the module's own tables missing, and a database that stops.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import postgres from "postgres";
import { createFetchHandler } from "powersync-write-api";
import {
  createPostgresWriter,
  postgresHandler,
  type LogEntry,
  type PostgresWriter,
  type PostgresWriterOptions,
  type TablePolicy,
  type TransactionResult,
} from "powersync-write-api/postgres";

import { startPostgres, type PostgresCluster } from "./support/postgres.js";

let cluster: PostgresCluster;
/** Connections to end after the tests. */
const pools: postgres.Sql[] = [];

/** The cluster's `postgres` database, to create the tests' databases from. */
let server: postgres.Sql;

before(async () => {
  cluster = await startPostgres();
  server = postgres(cluster.url(), { max: 1, onnotice: () => undefined });
  pools.push(server);
  // Every test's database is a copy of this one: the schema and the module's tables.
  const template = postgres(await cluster.createDatabase("writer_template"), {
    max: 1,
    onnotice: () => undefined,
  });
  await template.unsafe(SCHEMA);
  await template.unsafe(createPostgresWriter(template).migration);
  await template.end();
});

after(async () => {
  await Promise.all(pools.map((sql) => sql.end({ timeout: 1 })));
  await cluster?.stop();
});

const SCHEMA = `
  CREATE TYPE mood AS ENUM ('happy', 'sad');
  CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
  CREATE TABLE lists (
    id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    name text NOT NULL CHECK (name <> ''),
    created_at timestamptz
  );
  CREATE TABLE todos (
    id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    list_id uuid REFERENCES lists (id),
    description text,
    completed boolean,
    due timestamp,
    done_on date,
    price numeric(12, 2),
    meta jsonb,
    doc json,
    tags text[],
    scores int4[],
    mood mood,
    rank positive,
    code varchar(3) UNIQUE,
    photo bytea
  );
  CREATE TABLE notes (id text PRIMARY KEY, body text, later text UNIQUE DEFERRABLE INITIALLY DEFERRED);
  CREATE TABLE secrets (id text PRIMARY KEY, body text);
  CREATE TABLE "we""ird" (id text PRIMARY KEY, "co""l" text);
  CREATE TABLE audit (n serial PRIMARY KEY, note_id text);
  CREATE FUNCTION audit_note() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO audit (note_id) VALUES (NEW.id); RETURN NEW; END $$;
  CREATE TRIGGER audit_note AFTER INSERT OR UPDATE ON notes
    FOR EACH ROW EXECUTE FUNCTION audit_note();
`;

const POLICIES: Record<string, TablePolicy> = {
  lists: { ownerColumn: "owner_id" },
  todos: { ownerColumn: "owner_id" },
  notes: "allow",
  'we"ird': "allow",
};

/** Operator messages, kept for the assertions (and out of the test output). */
const logged: LogEntry[] = [];

interface Db {
  sql: postgres.Sql;
  writer: PostgresWriter;
  /** Rows of a query, every value as text. */
  rows(query: string): Promise<Record<string, string | null>[]>;
}

let databases = 0;

/** A fresh database with the schema, the module's tables and a writer. */
async function database(
  options: Partial<PostgresWriterOptions> = {},
  connection: Record<string, string> = {},
): Promise<Db> {
  const name = `writer_${++databases}`;
  await server.unsafe(`CREATE DATABASE ${name} TEMPLATE writer_template`);
  const url = cluster.url(name);
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  pools.push(admin);
  const sql = postgres(url, {
    max: 4,
    onnotice: () => undefined,
    connection,
  });
  pools.push(sql);
  const writer = createPostgresWriter(sql, {
    tables: POLICIES,
    schemaReloadIntervalMs: 0,
    log: (entry) => logged.push(entry),
    ...options,
  });
  return {
    sql,
    writer,
    rows: async (query) =>
      (await admin.unsafe(query)).map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [
            k,
            v === null ? null : String(v),
          ]),
        ),
      ),
  };
}

let opId = 0;

type Op = "PUT" | "PATCH" | "DELETE";

function entry(op: Op, table: string, id: string, data?: object) {
  return {
    op,
    table,
    id,
    op_id: ++opId,
    ...(data === undefined ? {} : { op_data: data as Record<string, unknown> }),
  };
}

function tx(...crud: ReturnType<typeof entry>[]) {
  return { crud };
}

const ALICE = "alice";
const BOB = "bob";
const LIST = "0b9e7c1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d";
const TODO = "6f1b7e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b";

function fatal(result: TransactionResult | undefined) {
  assert.equal(result?.status, "fatal_error", JSON.stringify(result));
  return result as Extract<TransactionResult, { status: "fatal_error" }>;
}

function success(result: TransactionResult | undefined): void {
  assert.deepEqual(result, { status: "success" });
}

/** The dead letter of a result, with its JSON columns' types. */
async function deadLetter(db: Db, id: string | undefined) {
  const [row] = await db.rows(
    `SELECT subject, client_id, error_code, error_message, operation_index,
            jsonb_typeof("transaction") AS transaction_type, "transaction"::text AS transaction,
            jsonb_typeof(error_details) AS details_type, error_details::text AS details
       FROM powersync_write_dead_letters WHERE id = '${id}'`,
  );
  assert.ok(row, `no dead letter ${id}`);
  return row;
}

describe("typed values", () => {
  test("are stored by their column's type, by PUT and by PATCH", async () => {
    const db = await database();
    const results = await db.writer.upload(ALICE, [
      tx(
        entry("PUT", "lists", LIST, {
          owner_id: ALICE,
          name: "Groceries",
          created_at: "2024-05-01 10:00:00.000Z",
        }),
        entry("PUT", "todos", TODO, {
          owner_id: ALICE,
          list_id: LIST,
          description: "Buy milk",
          completed: 1,
          due: "2024-02-29T23:30:00+01:00",
          done_on: "2024-03-01",
          price: "12345.67",
          meta: { a: [1, 2], b: { c: null } },
          doc: '{"z": 1, "a": 2}',
          tags: ["x", 'quote"d'],
          scores: "[1, 2, 3]",
          mood: "sad",
          rank: "7",
          code: "abc",
          photo: "3q2+7w==",
        }),
      ),
    ]);
    success(results[0]);
    const select = `SELECT completed::text, due::text, done_on::text, price::text,
        jsonb_typeof(meta) AS meta_type, meta::text, doc::text, tags::text, scores::text,
        mood::text, rank::text, photo::text, list_id::text FROM todos`;
    assert.deepEqual(await db.rows(select), [
      {
        completed: "true",
        due: "2024-02-29 22:30:00",
        done_on: "2024-03-01",
        price: "12345.67",
        meta_type: "object",
        meta: '{"a": [1, 2], "b": {"c": null}}',
        doc: '{"z": 1, "a": 2}',
        tags: '{x,"quote\\"d"}',
        scores: "{1,2,3}",
        mood: "sad",
        rank: "7",
        photo: "\\xdeadbeef",
        list_id: LIST,
      },
    ]);
    const [list] = await db.rows(
      "SELECT (created_at AT TIME ZONE 'UTC')::text AS utc FROM lists",
    );
    assert.equal(list?.["utc"], "2024-05-01 10:00:00");

    // PATCH: 0 and 1 are booleans too; a numeric sent as a number stays exact.
    for (const [completed, stored] of [
      [0, "false"],
      [1, "true"],
      ["false", "false"],
    ] as const) {
      success(
        (
          await db.writer.upload(ALICE, [
            tx(entry("PATCH", "todos", TODO, { completed, price: 0.1 })),
          ])
        )[0],
      );
      const [row] = await db.rows(
        "SELECT completed::text, price::text FROM todos",
      );
      assert.deepEqual(row, { completed: stored, price: "0.10" });
    }
  });

  test("a value that cannot be converted is INVALID_DATA naming its column, before the database", async () => {
    const db = await database();
    const [result] = await db.writer.upload(ALICE, [
      tx(
        entry("PUT", "lists", LIST, { owner_id: ALICE, name: "L" }),
        entry("PUT", "todos", TODO, {
          owner_id: ALICE,
          completed: "maybe",
        }),
      ),
    ]);
    const failure = fatal(result).failed_operation;
    assert.equal(failure.error_code, "INVALID_DATA");
    assert.equal(failure.operation_index, 1);
    assert.deepEqual(failure.details, { table: "todos", column: "completed" });
    assert.equal(
      failure.message,
      'expected a boolean (0, 1, true or false), got "maybe"',
    );
    // Nothing of the transaction was applied.
    assert.deepEqual(await db.rows("SELECT id FROM lists"), []);
  });

  test("an integer beyond 2^53 is refused, never rounded", async () => {
    const db = await database();
    const [result] = await db.writer.upload(ALICE, [
      tx(entry("PUT", "notes", "n1", { body: 2 ** 60 })),
    ]);
    const failure = fatal(result).failed_operation;
    assert.equal(failure.error_code, "INVALID_DATA");
    assert.deepEqual(failure.details, { table: "notes", column: "body" });
    assert.match(failure.message ?? "", /JavaScript cannot hold exactly/);
  });

  test("identifiers are quoted: a table and column with quotes are written", async () => {
    const db = await database();
    success(
      (
        await db.writer.upload(ALICE, [
          tx(entry("PUT", 'we"ird', "a", { 'co"l': "v" })),
        ])
      )[0],
    );
    assert.deepEqual(await db.rows('SELECT "co""l" AS c FROM "we""ird"'), [
      { c: "v" },
    ]);
  });
});

describe("statements", () => {
  test("an empty PATCH is valid and changes nothing", async () => {
    const db = await database();
    success(
      (
        await db.writer.upload(ALICE, [
          tx(entry("PUT", "notes", "n1", { body: "kept" })),
        ])
      )[0],
    );
    const results = await db.writer.upload(ALICE, [
      tx(entry("PATCH", "notes", "n1", {})),
      tx(entry("PATCH", "notes", "n1")),
      tx(entry("PATCH", "lists", LIST, {})),
    ]);
    assert.deepEqual(results, [
      { status: "success" },
      { status: "success" },
      { status: "success" },
    ]);
    assert.deepEqual(await db.rows("SELECT body FROM notes"), [
      { body: "kept" },
    ]);
  });

  test("PUT upserts the columns sent, PATCH updates them, DELETE deletes", async () => {
    const db = await database();
    await db.writer.upload(ALICE, [
      tx(entry("PUT", "notes", "n1", { body: "one", id: "ignored copy" })),
    ]);
    await db.writer.upload(ALICE, [
      tx(entry("PUT", "notes", "n1", { later: "x" })),
    ]);
    assert.deepEqual(await db.rows("SELECT id, body, later FROM notes"), [
      { id: "n1", body: "one", later: "x" },
    ]);
    await db.writer.upload(ALICE, [
      tx(entry("PATCH", "notes", "n1", { body: null })),
    ]);
    assert.deepEqual(await db.rows("SELECT body FROM notes"), [{ body: null }]);
    success(
      (
        await db.writer.upload(ALICE, [
          tx(entry("DELETE", "notes", "n1"), entry("DELETE", "notes", "n2")),
        ])
      )[0],
    );
    assert.deepEqual(await db.rows("SELECT id FROM notes"), []);
  });

  test("an unknown table or column is SCHEMA_MISMATCH naming it, kept as a dead letter", async () => {
    const db = await database();
    const [table] = await db.writer.upload(ALICE, [
      tx(entry("PUT", 'notes"; DROP TABLE lists; --', "x", {})),
    ]);
    const tableFailure = fatal(table).failed_operation;
    assert.equal(tableFailure.error_code, "SCHEMA_MISMATCH");
    assert.deepEqual(tableFailure.details, {
      table: 'notes"; DROP TABLE lists; --',
    });
    const [column] = await db.writer.upload(ALICE, [
      tx(
        entry("PUT", "notes", "n1", { body: "b" }),
        entry("PATCH", "notes", "n1", { colour: "red" }),
      ),
    ]);
    const columnFailure = fatal(column);
    assert.equal(columnFailure.failed_operation.error_code, "SCHEMA_MISMATCH");
    assert.equal(columnFailure.failed_operation.operation_index, 1);
    assert.deepEqual(columnFailure.failed_operation.details, {
      table: "notes",
      column: "colour",
    });
    assert.equal(columnFailure.requires_client_handling, false);
    const letter = await deadLetter(db, columnFailure.dead_letter_id);
    assert.equal(letter["error_code"], "SCHEMA_MISMATCH");
    assert.deepEqual(await db.rows("SELECT count(*) FROM lists"), [
      { count: "0" },
    ]);
    assert.deepEqual(await db.rows("SELECT id FROM notes"), []);
  });

  test("a column added after the schema was learned is found by looking again", async () => {
    const db = await database();
    success(
      (
        await db.writer.upload(ALICE, [
          tx(entry("PUT", "notes", "n1", { body: "b" })),
        ])
      )[0],
    );
    await db.sql.unsafe("ALTER TABLE notes ADD COLUMN colour text");
    success(
      (
        await db.writer.upload(ALICE, [
          tx(entry("PATCH", "notes", "n1", { colour: "red" })),
        ])
      )[0],
    );
    assert.deepEqual(await db.rows("SELECT colour FROM notes"), [
      { colour: "red" },
    ]);
  });

  test("a mismatch right after the schema was loaded is retryable until it may be loaded again", async () => {
    const db = await database({ schemaReloadIntervalMs: 60_000 });
    await db.writer.upload(ALICE, [
      tx(entry("PUT", "notes", "n1", { body: "b" })),
    ]);
    const [result, next] = await db.writer.upload(ALICE, [
      tx(entry("PATCH", "notes", "n1", { colour: "red" })),
      tx(entry("PUT", "notes", "n2", {})),
    ]);
    assert.equal(result?.status, "retryable_error");
    assert.ok(
      (result as { retry_after_ms: number }).retry_after_ms > 50_000,
      JSON.stringify(result),
    );
    assert.equal(next?.status, "not_attempted");
  });
});

describe("authorization", () => {
  /** A database where alice owns LIST and TODO. */
  async function owned(): Promise<Db> {
    const db = await database();
    success(
      (
        await db.writer.upload(ALICE, [
          tx(
            entry("PUT", "lists", LIST, { owner_id: ALICE, name: "Alice's" }),
            entry("PUT", "todos", TODO, {
              owner_id: ALICE,
              list_id: LIST,
              description: "hers",
            }),
          ),
        ])
      )[0],
    );
    return db;
  }

  async function refused(
    db: Db,
    subject: string,
    crud: ReturnType<typeof entry>,
    table: string,
    says: RegExp,
  ): Promise<void> {
    const [result] = await db.writer.upload(subject, [tx(crud)]);
    const failure = fatal(result);
    assert.equal(failure.failed_operation.error_code, "UNAUTHORIZED");
    assert.deepEqual(failure.failed_operation.details, { table });
    assert.match(failure.failed_operation.message ?? "", says);
    // Dead-lettered like the reference backend does by default.
    assert.equal(failure.requires_client_handling, false);
    const letter = await deadLetter(db, failure.dead_letter_id);
    assert.equal(letter["error_code"], "UNAUTHORIZED");
    assert.equal(letter["subject"], subject);
  }

  test("a table without a policy is denied by default; an allowed one is written", async () => {
    const db = await database();
    await refused(
      db,
      ALICE,
      entry("PUT", "secrets", "s", { body: "x" }),
      "secrets",
      /no policy in `tables`, and the default is deny/,
    );
    assert.deepEqual(await db.rows("SELECT id FROM secrets"), []);
    const open = await database({ default: "allow" });
    success(
      (
        await open.writer.upload(ALICE, [
          tx(entry("PUT", "secrets", "s", { body: "x" })),
        ])
      )[0],
    );
  });

  test("a PUT must set the owner column to the user", async () => {
    const db = await database();
    await refused(
      db,
      BOB,
      entry("PUT", "lists", LIST, { owner_id: ALICE, name: "mine now" }),
      "lists",
      /may only set `owner_id` to the user's own id/,
    );
    await refused(
      db,
      BOB,
      entry("PUT", "lists", LIST, { name: "no owner" }),
      "lists",
      /must set the owner column `owner_id`/,
    );
    assert.deepEqual(await db.rows("SELECT id FROM lists"), []);
  });

  test("a PUT cannot take over another user's row", async () => {
    const db = await owned();
    await refused(
      db,
      BOB,
      entry("PUT", "lists", LIST, { owner_id: BOB, name: "taken" }),
      "lists",
      /belongs to another user/,
    );
    assert.deepEqual(await db.rows("SELECT owner_id, name FROM lists"), [
      { owner_id: ALICE, name: "Alice's" },
    ]);
  });

  test("a PATCH or DELETE touches only the user's rows; a missing row is a no-op", async () => {
    const db = await owned();
    await refused(
      db,
      BOB,
      entry("PATCH", "todos", TODO, { description: "his" }),
      "todos",
      /belongs to another user/,
    );
    await refused(
      db,
      BOB,
      entry("DELETE", "todos", TODO),
      "todos",
      /belongs to another user/,
    );
    assert.deepEqual(await db.rows("SELECT description FROM todos"), [
      { description: "hers" },
    ]);
    const missing = "00000000-0000-4000-8000-000000000000";
    const results = await db.writer.upload(BOB, [
      tx(entry("PATCH", "todos", missing, { description: "x" })),
      tx(entry("DELETE", "todos", missing)),
    ]);
    assert.deepEqual(results, [{ status: "success" }, { status: "success" }]);
  });

  test("a PATCH cannot give a row to another user; the owner may change the rest", async () => {
    const db = await owned();
    await refused(
      db,
      ALICE,
      entry("PATCH", "todos", TODO, { owner_id: BOB }),
      "todos",
      /may only set `owner_id` to the user's own id/,
    );
    success(
      (
        await db.writer.upload(ALICE, [
          tx(entry("PATCH", "todos", TODO, { owner_id: ALICE, completed: 1 })),
        ])
      )[0],
    );
    assert.deepEqual(await db.rows("SELECT owner_id, completed FROM todos"), [
      { owner_id: ALICE, completed: "true" },
    ]);
    success(
      (await db.writer.upload(ALICE, [tx(entry("DELETE", "todos", TODO))]))[0],
    );
    assert.deepEqual(await db.rows("SELECT id FROM todos"), []);
  });
});

describe("failures the database raises", () => {
  async function refusedBy(
    db: Db,
    crud: ReturnType<typeof entry>[],
    code: string,
    sqlstate: string,
    index: number,
  ) {
    const [result, next] = await db.writer.upload(
      ALICE,
      [tx(...crud), tx(entry("PUT", "notes", "after", {}))],
      "device-1",
    );
    const failure = fatal(result);
    assert.equal(failure.failed_operation.error_code, code);
    assert.equal(failure.failed_operation.operation_index, index);
    assert.equal(
      (failure.failed_operation.details as Record<string, unknown>)[
        "database_code"
      ],
      sqlstate,
    );
    // The batch stops after a fatal failure, as the reference backend's default.
    assert.equal(next?.status, "not_attempted");
    return failure;
  }

  test("FOREIGN_KEY_VIOLATION (23503) is kept as a jsonb object, the database's message for the operator only", async () => {
    const db = await database();
    const missingList = "11111111-1111-4111-8111-111111111111";
    const failure = await refusedBy(
      db,
      [
        entry("PUT", "notes", "n1", { body: "rolled back" }),
        entry("PUT", "todos", TODO, { owner_id: ALICE, list_id: missingList }),
      ],
      "FOREIGN_KEY_VIOLATION",
      "23503",
      1,
    );
    assert.equal(
      failure.failed_operation.message,
      "the row references a row that does not exist, or is still referenced",
    );
    assert.equal(
      (failure.failed_operation.details as Record<string, unknown>)["table"],
      "todos",
    );
    const letter = await deadLetter(db, failure.dead_letter_id);
    assert.equal(letter["transaction_type"], "object");
    assert.equal(letter["details_type"], "object");
    assert.deepEqual(JSON.parse(letter["transaction"]!)["crud"][1]["op_data"], {
      owner_id: ALICE,
      list_id: missingList,
    });
    assert.match(letter["error_message"]!, /violates foreign key constraint/);
    assert.equal(letter["client_id"], "device-1");
    assert.equal(letter["operation_index"], "1");
    assert.deepEqual(await db.rows("SELECT id FROM notes"), []);
  });

  test("NOT_NULL (23502), UNIQUE (23505), CHECK (23514) and INVALID_DATA (22001, 22003) for real", async () => {
    const db = await database();
    await refusedBy(
      db,
      [entry("PUT", "lists", LIST, { owner_id: ALICE })],
      "NOT_NULL_VIOLATION",
      "23502",
      0,
    );
    await refusedBy(
      db,
      [entry("PUT", "lists", LIST, { owner_id: ALICE, name: "" })],
      "CHECK_VIOLATION",
      "23514",
      0,
    );
    // A domain's check is a check violation too.
    await refusedBy(
      db,
      [entry("PUT", "todos", TODO, { owner_id: ALICE, rank: 0 })],
      "CHECK_VIOLATION",
      "23514",
      0,
    );
    const other = "22222222-2222-4222-8222-222222222222";
    await refusedBy(
      db,
      [
        entry("PUT", "todos", TODO, { owner_id: ALICE, code: "abc" }),
        entry("PUT", "todos", other, { owner_id: ALICE, code: "abc" }),
      ],
      "UNIQUE_VIOLATION",
      "23505",
      1,
    );
    await refusedBy(
      db,
      [entry("PUT", "todos", TODO, { owner_id: ALICE, code: "abcd" })],
      "INVALID_DATA",
      "22001",
      0,
    );
    await refusedBy(
      db,
      [entry("PUT", "todos", TODO, { owner_id: ALICE, price: "1e20" })],
      "INVALID_DATA",
      "22003",
      0,
    );
    // A date the converter takes and the database does not (year 0).
    await refusedBy(
      db,
      [
        entry("PUT", "todos", TODO, {
          owner_id: ALICE,
          due: "0001-01-01T00:30:00+01:00",
        }),
      ],
      "INVALID_DATA",
      "22008",
      0,
    );
  });

  test("a missing privilege (42501) is UNAUTHORIZED; a writer that owns its tables keeps dead letters under row-level security", async () => {
    const name = `writer_${++databases}`;
    const url = await cluster.createDatabase(name);
    const admin = postgres(url, { max: 1, onnotice: () => undefined });
    pools.push(admin);
    await admin.unsafe(`
      CREATE TABLE notes (id text PRIMARY KEY, body text);
      CREATE TABLE tags (id text PRIMARY KEY);
      DO $$ BEGIN CREATE ROLE limited_writer LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
      GRANT CREATE, USAGE ON SCHEMA public TO limited_writer;
      GRANT SELECT ON notes TO limited_writer;
      GRANT SELECT, INSERT, UPDATE, DELETE ON tags TO limited_writer;
    `);
    const sql = postgres(
      `postgres://limited_writer@127.0.0.1:${cluster.port}/${name}`,
      {
        max: 2,
        onnotice: () => undefined,
      },
    );
    pools.push(sql);
    const writer = createPostgresWriter(sql, {
      default: "allow",
      log: (entry) => logged.push(entry),
    });
    await sql.unsafe(writer.migration);
    await writer.ready();
    success(
      (await writer.upload(ALICE, [tx(entry("PUT", "tags", "t", {}))]))[0],
    );
    const [result] = await writer.upload(
      ALICE,
      [tx(entry("PUT", "notes", "n", { body: "b" }))],
      "device-1",
    );
    const failure = fatal(result);
    assert.equal(failure.failed_operation.error_code, "UNAUTHORIZED");
    assert.deepEqual(failure.failed_operation.details, {
      database_code: "42501",
      table: "notes",
    });
    assert.equal(
      failure.failed_operation.message,
      "the database refused this write for this user",
    );
    const [letter] = await admin.unsafe(
      "SELECT error_message FROM powersync_write_dead_letters",
    );
    assert.match(
      String(letter?.["error_message"]),
      /permission denied for table notes/,
    );
  });

  test("a deferred constraint failing at COMMIT is located at its entry", async () => {
    const db = await database();
    await refusedBy(
      db,
      [
        entry("PUT", "notes", "n1", { later: "same" }),
        entry("PUT", "notes", "n2", { body: "fine" }),
        entry("PUT", "notes", "n3", { later: "same" }),
      ],
      "UNIQUE_VIOLATION",
      "23505",
      2,
    );
    assert.deepEqual(await db.rows("SELECT id FROM notes"), []);
  });

  test("messages are passed on when exposeDatabaseMessages is set", async () => {
    const db = await database({ exposeDatabaseMessages: true });
    const [result] = await db.writer.upload(ALICE, [
      tx(entry("PUT", "lists", LIST, { owner_id: ALICE })),
    ]);
    assert.match(
      fatal(result).failed_operation.message ?? "",
      /null value in column "name"/,
    );
  });

  test("a read-only database (25006), a lock not available (55P03) and a statement timeout (57014) are retryable", async () => {
    const readOnly = await database(
      {},
      { default_transaction_read_only: "on" },
    );
    const [result, next] = await readOnly.writer.upload(ALICE, [
      tx(entry("PUT", "notes", "n1", {})),
      tx(entry("PUT", "notes", "n2", {})),
    ]);
    assert.deepEqual(result, {
      status: "retryable_error",
      message:
        "the transaction was not applied: the database is unavailable or busy; retry later",
      retry_after_ms: 1000,
    });
    assert.equal(next?.status, "not_attempted");
    assert.ok(
      logged.some((e) => /read-only transaction/.test(e.message)),
      "the operator's log has the database's message",
    );

    for (const [setting, state] of [
      [{ lock_timeout: "200ms" }, "55P03"],
      [{ statement_timeout: "200ms" }, "57014"],
    ] as const) {
      const db = await database({ retryAfterMs: 250 }, setting);
      success(
        (
          await db.writer.upload(ALICE, [tx(entry("PUT", "notes", "n1", {}))])
        )[0],
      );
      const holder = postgres(cluster.url(`writer_${databases}`), { max: 1 });
      pools.push(holder);
      // The row stays locked until the writer has answered.
      let held!: () => void;
      let release!: () => void;
      const lockHeld = new Promise<void>((resolve) => (held = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      const locked = holder.begin(async (h) => {
        await h.unsafe("SELECT 1 FROM notes WHERE id = 'n1' FOR UPDATE");
        held();
        await released;
      });
      await lockHeld;
      const before = logged.length;
      const [blocked] = await db.writer.upload(ALICE, [
        tx(entry("PATCH", "notes", "n1", { body: "x" })),
      ]);
      release();
      await locked;
      assert.equal(blocked?.status, "retryable_error", state);
      assert.equal((blocked as { retry_after_ms: number }).retry_after_ms, 250);
      assert.ok(
        logged
          .slice(before)
          .some((e) => (e.error as { code?: string })?.code === state),
        `the log has ${state}`,
      );
    }
  });
});

describe("replays", () => {
  test("a replay answers success, duplicate: true and is not applied again", async () => {
    const db = await database();
    const t = tx(
      entry("PUT", "notes", "n1", { body: "once" }),
      entry("PATCH", "notes", "n1", { body: "twice?" }),
    );
    success((await db.writer.upload(ALICE, [t], "device-1"))[0]);
    const audited = await db.rows("SELECT count(*) FROM audit");
    assert.deepEqual(await db.writer.upload(ALICE, [t], "device-1"), [
      { status: "success", duplicate: true },
    ]);
    assert.deepEqual(await db.rows("SELECT count(*) FROM audit"), audited);
    // The ledger is per user and client: another user's or client's is applied.
    success((await db.writer.upload(ALICE, [t], "device-2"))[0]);
    success((await db.writer.upload(BOB, [t], "device-1"))[0]);
    // Without a client id there is no ledger.
    success((await db.writer.upload(ALICE, [t]))[0]);
  });

  test("two uploads of the same transaction at once apply it exactly once", async () => {
    const db = await database();
    for (let round = 0; round < 5; round++) {
      const t = tx(entry("PUT", "notes", `n${round}`, { body: "raced" }));
      const results = await Promise.all([
        db.writer.upload(ALICE, [t], "device-1"),
        db.writer.upload(ALICE, [t], "device-1"),
      ]);
      const statuses = results.map((r) => JSON.stringify(r[0])).sort();
      assert.deepEqual(
        statuses,
        [
          JSON.stringify({ status: "success" }),
          JSON.stringify({ status: "success", duplicate: true }),
        ].sort(),
      );
      assert.deepEqual(
        await db.rows(`SELECT count(*) FROM audit WHERE note_id = 'n${round}'`),
        [{ count: "1" }],
      );
    }
  });

  test("a transaction kept as a dead letter advances the ledger; its replay gets the same answer", async () => {
    const db = await database();
    const failing = tx(
      entry("PUT", "todos", TODO, {
        owner_id: ALICE,
        list_id: "33333333-3333-4333-8333-333333333333",
      }),
    );
    const [first] = await db.writer.upload(ALICE, [failing], "device-1");
    const kept = fatal(first);
    assert.deepEqual(await db.writer.upload(ALICE, [failing], "device-1"), [
      first,
    ]);
    // Racing replays of a refused one keep one letter too.
    const refusedTx = tx(entry("PUT", "secrets", "s", {}));
    const raced = await Promise.all([
      db.writer.upload(ALICE, [refusedTx], "device-1"),
      db.writer.upload(ALICE, [refusedTx], "device-1"),
    ]);
    assert.deepEqual(raced[0], raced[1]);
    assert.deepEqual(
      await db.rows(
        "SELECT count(*), max(ledger_op_id) AS op FROM powersync_write_dead_letters",
      ),
      [{ count: "2", op: String(refusedTx.crud[0]!.op_id) }],
    );
    assert.deepEqual(
      await db.rows("SELECT last_op_id FROM powersync_write_ledger"),
      [{ last_op_id: String(refusedTx.crud[0]!.op_id) }],
    );
    assert.ok(kept.dead_letter_id);
  });

  test("the dead-letter budget answers retryable past it, never dropping the transaction", async () => {
    const db = await database({ deadLettersPerUser: 1 });
    fatal(
      (
        await db.writer.upload(ALICE, [tx(entry("PUT", "secrets", "a", {}))])
      )[0],
    );
    const [second] = await db.writer.upload(ALICE, [
      tx(entry("PUT", "secrets", "b", {})),
    ]);
    assert.equal(second?.status, "retryable_error");
    assert.match(
      (second as { message: string }).message,
      /UNAUTHORIZED.*too many of this user's transactions/,
    );
    // Another user has a budget of their own.
    fatal(
      (await db.writer.upload(BOB, [tx(entry("PUT", "secrets", "c", {}))]))[0],
    );
  });
});

describe("write checkpoints", () => {
  /** The stored checkpoints, by user and client. */
  async function checkpoints(db: Db) {
    return db.rows(
      "SELECT user_id, client_id, checkpoint FROM powersync_write_checkpoints ORDER BY user_id, client_id",
    );
  }

  test("on: each applied transaction of a client raises its checkpoint; duplicates and failures do not", async () => {
    const db = await database({ writeCheckpoints: true });
    const first = tx(entry("PUT", "notes", "c1", { body: "one" }));
    const second = tx(entry("PUT", "notes", "c2", { body: "two" }));
    assert.deepEqual(await db.writer.upload(ALICE, [first, second], "dev"), [
      { status: "success", write_checkpoint: "1" },
      { status: "success", write_checkpoint: "2" },
    ]);
    // A replay is a duplicate: no checkpoint, the counter stays.
    assert.deepEqual(await db.writer.upload(ALICE, [first], "dev"), [
      { status: "success", duplicate: true },
    ]);
    // A refusal and a database failure are kept as dead letters: no checkpoint.
    // A deferred constraint fails at COMMIT, after the raise: it is rolled back
    // with the entries.
    const refused = fatal(
      (
        await db.writer.upload(
          ALICE,
          [tx(entry("PUT", "secrets", "s", { body: "no" }))],
          "dev",
        )
      )[0],
    );
    assert.equal(refused.failed_operation.error_code, "UNAUTHORIZED");
    const broken = fatal(
      (
        await db.writer.upload(
          ALICE,
          [
            tx(
              entry("PUT", "notes", "c3", { later: "same" }),
              entry("PUT", "notes", "c3b", { later: "same" }),
            ),
          ],
          "dev",
        )
      )[0],
    );
    assert.equal(broken.failed_operation.error_code, "UNIQUE_VIOLATION");
    assert.equal("write_checkpoint" in broken, false);
    assert.deepEqual(await checkpoints(db), [
      { user_id: ALICE, client_id: "dev", checkpoint: "2" },
    ]);
    assert.deepEqual(await db.rows("SELECT id FROM notes ORDER BY id"), [
      { id: "c1" },
      { id: "c2" },
    ]);
    // The next applied transaction goes on from there; without op ids too.
    const { op_id, ...noOpId } = entry("PATCH", "notes", "c1", {
      body: "three",
    });
    assert.ok(op_id > 0);
    assert.deepEqual(
      await db.writer.upload(ALICE, [{ crud: [noOpId] }], "dev"),
      [{ status: "success", write_checkpoint: "3" }],
    );
    // Each user and client has a counter of its own; no client id, no checkpoint.
    assert.deepEqual(
      await db.writer.upload(
        ALICE,
        [tx(entry("PUT", "notes", "c4", {}))],
        "tablet",
      ),
      [{ status: "success", write_checkpoint: "1" }],
    );
    assert.deepEqual(
      await db.writer.upload(BOB, [tx(entry("PUT", "notes", "c5", {}))], "dev"),
      [{ status: "success", write_checkpoint: "1" }],
    );
    success(
      (await db.writer.upload(ALICE, [tx(entry("PUT", "notes", "c6", {}))]))[0],
    );
    assert.deepEqual(await checkpoints(db), [
      { user_id: ALICE, client_id: "dev", checkpoint: "3" },
      { user_id: ALICE, client_id: "tablet", checkpoint: "1" },
      { user_id: BOB, client_id: "dev", checkpoint: "1" },
    ]);
  });

  test("off (the default): no write_checkpoint, nothing counted", async () => {
    const db = await database();
    assert.deepEqual(
      await db.writer.upload(
        ALICE,
        [tx(entry("PUT", "notes", "o1", { body: "plain" }))],
        "dev",
      ),
      [{ status: "success" }],
    );
    assert.deepEqual(await checkpoints(db), []);
  });

  test("on without the checkpoints table: not ready, and nothing is acknowledged", async () => {
    const db = await database({ writeCheckpoints: true });
    await db.sql.unsafe("DROP TABLE powersync_write_checkpoints");
    await assert.rejects(db.writer.ready(), (error: Error) => {
      assert.match(error.message, /powersync_write_checkpoints/);
      return true;
    });
    const [result] = await db.writer.upload(
      ALICE,
      [tx(entry("PUT", "notes", "m1", { body: "not yet" }))],
      "dev",
    );
    assert.equal(result?.status, "retryable_error", JSON.stringify(result));
    assert.deepEqual(await db.rows("SELECT count(*) FROM notes"), [
      { count: "0" },
    ]);
    // Off, the table is not needed.
    await createPostgresWriter(db.sql, {
      tables: POLICIES,
      log: (entry) => logged.push(entry),
    }).ready();
    // The migration is idempotent and brings it back.
    await db.sql.unsafe(db.writer.migration);
    await db.sql.unsafe(db.writer.migration);
    await db.writer.ready();
  });
});

describe("over HTTP", () => {
  test("postgresHandler: invalid transactions are INVALID_REQUEST dead letters, others are applied", async () => {
    const db = await database();
    const handler = createFetchHandler(
      postgresHandler(db.writer, {
        authenticate: async (token) => (token === "alice-token" ? ALICE : null),
      }),
    );
    const post = (body: unknown, token = "alice-token") =>
      handler(
        new Request("http://localhost/api/data", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${token}`,
          },
          body: JSON.stringify(body),
        }),
      );
    assert.equal(
      (await post({ transactions: [tx(entry("PUT", "notes", "x", {}))] }, "x"))
        .status,
      401,
    );
    const invalid = {
      crud: [
        { op: "PUT", table: "notes", id: "ok", op_id: 900 },
        { op: "UPSERT", table: "notes", id: "bad", op_id: 901 },
      ],
    };
    const response = await post({
      client_id: "device-9",
      transactions: [tx(entry("PUT", "notes", "n1", { body: "b" })), invalid],
    });
    assert.equal(response.status, 200);
    const { results } = (await response.json()) as {
      results: TransactionResult[];
    };
    success(results[0]);
    const failure = fatal(results[1]);
    assert.equal(failure.failed_operation.error_code, "INVALID_REQUEST");
    assert.equal(failure.failed_operation.operation_index, 1);
    const details = failure.failed_operation.details as {
      table: string;
      violations: { path: string; keyword: string }[];
    };
    assert.equal(details.table, "notes");
    assert.deepEqual(
      details.violations.map((v) => [v.path, v.keyword]),
      [["$.transactions[1].crud[1].op", "enum"]],
    );
    const letter = await deadLetter(db, failure.dead_letter_id);
    assert.deepEqual(JSON.parse(letter["transaction"]!), invalid);
    assert.deepEqual(await db.rows("SELECT id FROM notes"), [{ id: "n1" }]);
    // Its replay is answered as before (the ledger moved past op 901).
    const again = await post({
      client_id: "device-9",
      transactions: [invalid],
    });
    assert.deepEqual(((await again.json()) as { results: unknown[] }).results, [
      results[1],
    ]);

    const ready = await handler(new Request("http://localhost/ready"));
    assert.equal(ready.status, 200);
    const health = await handler(new Request("http://localhost/health"));
    assert.equal(health.status, 200);
  });
});

describe("the module's tables", () => {
  test("missing: not ready, and nothing is acknowledged", async () => {
    const url = await cluster.createDatabase(`writer_${++databases}`);
    const sql = postgres(url, { max: 2, onnotice: () => undefined });
    pools.push(sql);
    await sql.unsafe(
      "CREATE TABLE notes (id text PRIMARY KEY); CREATE TABLE secrets (id text PRIMARY KEY)",
    );
    const writer = createPostgresWriter(sql, {
      tables: { notes: "allow" },
      log: (entry) => logged.push(entry),
    });
    await assert.rejects(writer.ready(), /writer\.migration/);
    const handler = createFetchHandler(
      postgresHandler(writer, { authenticate: async () => ALICE }),
    );
    const ready = await handler(new Request("http://localhost/ready"));
    assert.equal(ready.status, 503);
    assert.equal(ready.headers.get("retry-after"), "5");
    assert.match(
      ((await ready.json()) as { message: string }).message,
      /writer\.migration/,
    );
    // With a client id the ledger is needed; a refusal needs the dead letters.
    const [withLedger] = await writer.upload(
      ALICE,
      [tx(entry("PUT", "notes", "n1", {}))],
      "device-1",
    );
    assert.equal(withLedger?.status, "retryable_error");
    assert.match(
      (withLedger as { message: string }).message,
      /own tables are missing/,
    );
    const [refused] = await writer.upload(ALICE, [
      tx(entry("PUT", "secrets", "s", {})),
    ]);
    assert.equal(refused?.status, "retryable_error");
    assert.match(
      (refused as { message: string }).message,
      /could not be kept as a dead letter/,
    );
    assert.equal((await sql.unsafe("SELECT id FROM notes")).length, 0);

    // The migration is idempotent.
    await sql.unsafe(writer.migration);
    await sql.unsafe(writer.migration);
    await writer.ready();
  });

  test("a policy naming a missing owner column makes the writer not ready", async () => {
    const db = await database({
      tables: { lists: { ownerColumn: "user_id" } },
    });
    await assert.rejects(
      db.writer.ready(),
      /table `lists` has no column `user_id`/,
    );
  });
});

test("a stopped database: uploads retryable (then not_attempted), /ready 503", async () => {
  const own = await startPostgres();
  try {
    const url = await own.createDatabase("outage");
    const sql = postgres(url, {
      max: 2,
      onnotice: () => undefined,
      connect_timeout: 2,
    });
    pools.push(sql);
    await sql.unsafe(
      "CREATE TABLE notes (id text PRIMARY KEY); CREATE TABLE secrets (id text PRIMARY KEY)",
    );
    const writer = createPostgresWriter(sql, {
      tables: { notes: "allow" },
      log: (entry) => logged.push(entry),
    });
    await sql.unsafe(writer.migration);
    await writer.ready();
    success(
      (await writer.upload(ALICE, [tx(entry("PUT", "notes", "n1", {}))]))[0],
    );
    await own.stop();
    const results = await writer.upload(ALICE, [
      tx(entry("PUT", "notes", "n2", {})),
      tx(entry("PUT", "notes", "n3", {})),
    ]);
    assert.deepEqual(results, [
      {
        status: "retryable_error",
        message:
          "the transaction was not applied: the database is unavailable or busy; retry later",
        retry_after_ms: 1000,
      },
      {
        status: "not_attempted",
        message: "an earlier transaction of this batch was not applied",
      },
    ]);
    // A refusal cannot be kept either: retryable, never a lost write.
    const [refused] = await writer.upload(ALICE, [
      tx(entry("PUT", "secrets", "s", {})),
    ]);
    assert.equal(refused?.status, "retryable_error");
    assert.match(
      (refused as { message: string }).message,
      /failed \(UNAUTHORIZED\) and could not be kept as a dead letter/,
    );
    const handler = createFetchHandler(
      postgresHandler(writer, { authenticate: async () => ALICE }),
    );
    const ready = await handler(new Request("http://localhost/ready"));
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), {
      code: "NOT_READY",
      message: "the database is not reachable (the server log has the error)",
    });
  } finally {
    await own.stop();
  }
});
