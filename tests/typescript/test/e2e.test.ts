/**
 * End to end: a real `@powersync/node` database queues local writes, the generated
 * connector uploads them to the reference backend (`powersync-write-server`, started
 * here) on a throwaway PostgreSQL cluster, and the test reads PostgreSQL back.
 *
 * Every test runs twice: with the backend connected to the cluster directly, and
 * through PgBouncer in `pool_mode = transaction` with the backend's
 * `transaction_pooler` switch on, as on a managed database behind its pooler.
 *
 * Needs PostgreSQL 15's binaries (`PG_BIN`) and the built backend
 * (`cargo build -p powersync-write-server`); fails, never skips, without them.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";

import postgres from "postgres";
import {
  PowerSyncWriteUploader,
  UploadRetryableError,
  type DeadLetteredTransaction,
} from "powersync-write-api";

import { Backend } from "./support/backend.js";
import { FakeQueue } from "./support/fake-queue.js";
import { startPostgres, type PostgresCluster } from "./support/postgres.js";
import {
  assertQueueEmpty,
  auditOf,
  expectedAudit,
  openLocalDb,
  queue,
  recordingFetch,
  SERVER_SCHEMA,
  type WireResult,
} from "./support/upload-scenario.js";

const USER = "user-e2e";

let cluster: PostgresCluster | undefined;
let backend: Backend | undefined;
let sql: postgres.Sql | undefined;
let token = "";

function pg(): postgres.Sql {
  assert.ok(
    sql,
    "the PostgreSQL connection was not set up (see the before hook's error)",
  );
  return sql;
}

function server(): Backend {
  assert.ok(
    backend,
    "the backend was not started (see the before hook's error)",
  );
  return backend;
}

async function ledger(clientId: string): Promise<string | undefined> {
  const [row] = await pg()<{ last_op_id: string }[]>`
    SELECT last_op_id::text AS last_op_id FROM powersync_write_ledger WHERE client_id = ${clientId}`;
  return row?.last_op_id;
}

function uploader(
  options: Partial<
    ConstructorParameters<typeof PowerSyncWriteUploader>[0]
  > = {},
): PowerSyncWriteUploader {
  return new PowerSyncWriteUploader({
    baseUrl: server().baseUrl,
    fetchToken: async () => token,
    ...options,
  });
}

/** How the backend reaches PostgreSQL. */
const ROUTES = [
  { name: "directly", pooler: false },
  { name: "through PgBouncer in transaction mode", pooler: true },
];

for (const route of ROUTES) {
  describe(`the backend connected ${route.name}`, () => {
    before(async () => {
      cluster = await startPostgres({ pooler: route.pooler });
      const url = await cluster.createDatabase("e2e");
      // The test reads and prepares the database directly; only the backend goes
      // through the pooler.
      sql = postgres(url, { max: 2, onnotice: () => undefined });
      await sql.unsafe(SERVER_SCHEMA);
      backend = await Backend.start({
        databaseUrl: route.pooler ? cluster.poolerUrl("e2e") : url,
        env: {
          // This test is about the connector and the backend's replies, not policies
          // (some of its lists have no owner_id): every table is writable.
          POWERSYNC_WRITE__AUTHORIZATION__DEFAULT: "allow",
          ...(route.pooler
            ? { POWERSYNC_WRITE__POSTGRES__TRANSACTION_POOLER: "true" }
            : {}),
        },
      });
      token = await backend.token(USER);
    });

    after(async () => {
      // Every step runs even if an earlier one fails; the first failure is reported.
      const failures: unknown[] = [];
      for (const step of [
        () => sql?.end(),
        () => backend?.dispose(),
        () => cluster?.stop(),
      ]) {
        try {
          await step();
        } catch (error) {
          failures.push(error);
        }
      }
      [cluster, backend, sql] = [undefined, undefined, undefined];
      if (failures.length > 0) {
        throw failures[0];
      }
    });

    test("rows reach PostgreSQL with their real types and the queue is emptied", async (t) => {
      const db = await openLocalDb(t);
      const [listId, todo1, todo2, todo3] = [
        randomUUID(),
        randomUUID(),
        randomUUID(),
        randomUUID(),
      ];
      const attrs = {
        priority: 2,
        tags: ["home", "urgent"],
        note: "2% milk",
        nested: { ok: true },
      };

      await db.writeTransaction(async (tx) => {
        await tx.execute(
          "INSERT INTO lists (id, name, owner_id, created_at) VALUES (?, ?, ?, ?)",
          [
            listId,
            "Groceries",
            USER,
            // PowerSync's own timestamp format (space, no `T`).
            "2024-05-06 07:08:09.123Z",
          ],
        );
        await tx.execute(
          "INSERT INTO todos (id, list_id, description, completed, completed_at, attrs) VALUES (?, ?, ?, ?, ?, ?)",
          [
            todo1,
            listId,
            "Milk",
            1,
            "2024-05-06T07:10:00.500Z",
            JSON.stringify(attrs),
          ],
        );
        await tx.execute(
          "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
          [todo2, listId, "Bread", 0],
        );
      });
      await db.writeTransaction(async (tx) => {
        await tx.execute(
          "UPDATE todos SET completed = 1, completed_at = ? WHERE id = ?",
          [
            // An offset, so a conversion that drops it would store the wrong instant.
            "2024-05-06T09:10:11.250+02:00",
            todo2,
          ],
        );
      });
      await db.writeTransaction(async (tx) => {
        await tx.execute(
          "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
          [todo3, listId, "Mistake", 0],
        );
      });
      await db.writeTransaction(async (tx) => {
        await tx.execute("DELETE FROM todos WHERE id = ?", [todo3]);
      });
      const sent = await queue(db);
      assert.equal(
        new Set(sent.map((row) => row.tx_id)).size,
        4,
        "four local transactions are queued",
      );

      const replies: { results: WireResult[] }[] = [];
      await uploader({ fetch: recordingFetch(replies) }).uploadData(db);

      await assertQueueEmpty(db);
      assert.deepEqual(
        replies.flatMap((reply) =>
          reply.results.map((result) => result.status),
        ),
        ["success", "success", "success", "success"],
      );

      const lists = await pg()<
        { id: string; name: string; owner_id: string; created_at: Date }[]
      >`
        SELECT id, name, owner_id, created_at FROM lists WHERE id = ${listId}`;
      assert.equal(lists.length, 1);
      const list = lists[0]!;
      assert.equal(list.id, listId);
      assert.equal(list.name, "Groceries");
      assert.equal(list.owner_id, USER);
      assert.ok(
        list.created_at instanceof Date,
        `created_at is ${typeof list.created_at}, not a Date`,
      );
      assert.equal(list.created_at.toISOString(), "2024-05-06T07:08:09.123Z");

      interface TodoRow {
        id: string;
        list_id: string;
        description: string;
        completed: boolean;
        completed_at: Date | null;
        attrs: unknown;
      }
      const todos = await pg()<TodoRow[]>`
        SELECT id, list_id, description, completed, completed_at, attrs FROM todos
        WHERE list_id = ${listId} ORDER BY description DESC`;
      assert.deepEqual(
        todos.map((row) => ({ ...row })),
        [
          {
            id: todo1,
            list_id: listId,
            description: "Milk",
            completed: true,
            completed_at: new Date("2024-05-06T07:10:00.500Z"),
            attrs,
          },
          {
            id: todo2,
            list_id: listId,
            description: "Bread",
            completed: true,
            completed_at: new Date("2024-05-06T07:10:11.250Z"),
            attrs: null,
          },
        ],
      );
      // deepEqual compares Dates by time; check the JS types explicitly as well.
      assert.equal(typeof todos[0]!.completed, "boolean");
      assert.ok(todos[0]!.completed_at instanceof Date);
      const [kind] = await pg()<
        { kind: string }[]
      >`SELECT jsonb_typeof(attrs) AS kind FROM todos WHERE id = ${todo1}`;
      assert.equal(
        kind?.kind,
        "object",
        "attrs is stored as a JSON object, not a JSON string",
      );

      // Every operation applied exactly once, in order; the deleted todo is gone.
      assert.deepEqual(
        await auditOf(pg(), [listId, todo1, todo2, todo3]),
        expectedAudit(sent),
      );
      // client_id and op_id were sent: the backend's idempotency ledger holds the last op.
      assert.equal(
        await ledger(await db.getClientId()),
        String(sent.at(-1)!.id),
      );
    });

    test("a foreign-key violation is dead-lettered, reported, and does not block later transactions", async (t) => {
      const db = await openLocalDb(t);
      const [listId, goodBefore, orphan, goodAfter] = [
        randomUUID(),
        randomUUID(),
        randomUUID(),
        randomUUID(),
      ];
      const missingList = randomUUID();

      await db.writeTransaction(async (tx) => {
        await tx.execute("INSERT INTO lists (id, name) VALUES (?, ?)", [
          listId,
          "Work",
        ]);
        await tx.execute(
          "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
          [goodBefore, listId, "Before", 0],
        );
      });
      const beforeBad = await queue(db);
      await db.writeTransaction(async (tx) => {
        // The local database has no foreign keys; PostgreSQL rejects this.
        await tx.execute(
          "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
          [orphan, missingList, "Orphan", 0],
        );
      });
      const withBad = await queue(db);
      await db.writeTransaction(async (tx) => {
        await tx.execute(
          "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
          [goodAfter, listId, "After", 1],
        );
      });
      await db.writeTransaction(async (tx) => {
        await tx.execute("UPDATE lists SET name = ? WHERE id = ?", [
          "Work (renamed)",
          listId,
        ]);
      });
      const sent = await queue(db);
      const badRows = withBad.slice(beforeBad.length);

      const deadLettered: DeadLetteredTransaction[] = [];
      const replies: { results: WireResult[] }[] = [];
      const up = uploader({
        fetch: recordingFetch(replies),
        onDeadLettered: (info) => {
          deadLettered.push(info);
        },
      });
      // Under the backend's default batch policy ("stop") the transactions after the
      // dead-lettered one are not attempted in that request; the uploader completes the
      // prefix (the dead-lettered one included) and sends the rest in the same call.
      await up.uploadData(db);
      await assertQueueEmpty(db);

      // The backend answered fatal_error, kept (requires_client_handling false).
      const fatal = replies
        .flatMap((reply) => reply.results)
        .filter((result) => result.status === "fatal_error");
      assert.equal(
        fatal.length,
        1,
        `one fatal result expected, got ${JSON.stringify(replies)}`,
      );
      assert.equal(fatal[0]!.requires_client_handling, false);
      assert.equal(
        fatal[0]!.failed_operation?.error_code,
        "FOREIGN_KEY_VIOLATION",
      );
      assert.equal(fatal[0]!.failed_operation.operation_index, 0);
      const deadLetterId = fatal[0]!.dead_letter_id;
      assert.ok(deadLetterId, "the fatal result names its dead letter");

      // The connector told the app, naming the dead letter.
      assert.equal(
        deadLettered.length,
        1,
        `onDeadLettered calls: ${JSON.stringify(deadLettered)}`,
      );
      assert.match(JSON.stringify(deadLettered[0]), new RegExp(deadLetterId));

      // The backend kept the whole transaction.
      const letters = await pg()<
        {
          id: string;
          subject: string;
          error_code: string;
          operation_index: number;
          transaction: string;
        }[]
      >`
        SELECT id::text AS id, subject, error_code, operation_index, "transaction"::text AS "transaction"
        FROM powersync_write_dead_letters WHERE client_id = ${await db.getClientId()}`;
      assert.equal(letters.length, 1);
      const letter = letters[0]!;
      assert.equal(letter.id, deadLetterId);
      assert.equal(letter.subject, USER);
      assert.equal(letter.error_code, "FOREIGN_KEY_VIOLATION");
      const kept = JSON.parse(letter.transaction) as {
        crud: {
          op: string;
          table: string;
          id: string;
          op_data?: Record<string, unknown>;
        }[];
      };
      assert.deepEqual(
        kept.crud.map((entry) => [
          entry.op,
          entry.table,
          entry.id,
          entry.op_data?.["list_id"],
        ]),
        [["PUT", "todos", orphan, missingList]],
      );
      const listed = await server().cliOk(["dead-letters", "list"]);
      assert.match(
        listed,
        new RegExp(`${deadLetterId}.*FOREIGN_KEY_VIOLATION`),
      );

      // Everything else reached PostgreSQL, once; the orphan did not.
      assert.deepEqual(
        await auditOf(pg(), [listId, goodBefore, orphan, goodAfter]),
        expectedAudit([...beforeBad, ...sent.slice(withBad.length)]),
      );
      assert.equal(badRows.length, 1);
      const [renamed] = await pg()<
        { name: string }[]
      >`SELECT name FROM lists WHERE id = ${listId}`;
      assert.equal(renamed?.name, "Work (renamed)");
      const present = await pg()<{ id: string }[]>`
        SELECT id FROM todos WHERE id = ANY(${pg().array([goodBefore, orphan, goodAfter])}::uuid[]) ORDER BY description`;
      assert.deepEqual(
        present.map((row) => row.id),
        [goodAfter, goodBefore],
      );
    });

    test("the queue survives a lost reply and a stopped backend; the retry applies nothing twice", async (t) => {
      const db = await openLocalDb(t);
      const [listId, todoA, todoB] = [randomUUID(), randomUUID(), randomUUID()];

      await db.writeTransaction(async (tx) => {
        await tx.execute("INSERT INTO lists (id, name) VALUES (?, ?)", [
          listId,
          "Home",
        ]);
        await tx.execute(
          "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
          [todoA, listId, "Dishes", 0],
        );
      });
      await db.writeTransaction(async (tx) => {
        await tx.execute("UPDATE todos SET completed = 1 WHERE id = ?", [
          todoA,
        ]);
      });
      await db.writeTransaction(async (tx) => {
        await tx.execute(
          "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
          [todoB, listId, "Laundry", 0],
        );
      });
      const firstSent = await queue(db);
      const ids = [listId, todoA, todoB];

      // 1. The backend applies the batch but the reply never arrives (a connection reset
      //    after the commit): nothing may be completed locally.
      const replies: { results: WireResult[] }[] = [];
      let loseReplies = true;
      const record = recordingFetch(replies);
      const fetchLosingReplies: typeof fetch = async (input, init) => {
        const response = await record(input, init);
        if (loseReplies) {
          await response.arrayBuffer();
          throw new TypeError(
            "fetch failed (the test dropped the reply after the backend answered)",
          );
        }
        return response;
      };
      const up = uploader({ fetch: fetchLosingReplies });
      await assert.rejects(up.uploadData(db));
      assert.deepEqual(
        await queue(db),
        firstSent,
        "the queue is intact after a lost reply",
      );
      assert.deepEqual(
        await auditOf(pg(), ids),
        expectedAudit(firstSent),
        "the backend did apply the batch once",
      );
      loseReplies = false;

      // 2. The backend is down: uploadData throws and the queue stays as it was.
      await server().stop();
      await assert.rejects(up.uploadData(db));
      assert.deepEqual(
        await queue(db),
        firstSent,
        "the queue is intact while the backend is down",
      );

      // 3. Offline, the app writes more.
      await db.writeTransaction(async (tx) => {
        await tx.execute("UPDATE todos SET description = ? WHERE id = ?", [
          "Laundry (whites)",
          todoB,
        ]);
        await tx.execute("DELETE FROM todos WHERE id = ?", [todoA]);
      });
      const allSent = await queue(db);

      // 4. After a restart on the same port and data folder, the upload goes through; the
      //    transactions the backend had already applied are answered as duplicates.
      await server().start();
      await up.uploadData(db);
      await assertQueueEmpty(db);

      assert.deepEqual(
        await auditOf(pg(), ids),
        expectedAudit(allSent),
        "every operation applied exactly once",
      );
      const lastReply = replies.at(-1);
      assert.ok(lastReply);
      assert.deepEqual(
        lastReply.results.map((result) => [
          result.status,
          result.duplicate === true,
        ]),
        [
          ["success", true],
          ["success", true],
          ["success", true],
          ["success", false],
        ],
      );
      assert.equal(
        await ledger(await db.getClientId()),
        String(allSent.at(-1)!.id),
      );
      const rows = await pg()<
        { id: string; description: string; completed: boolean }[]
      >`
        SELECT id, description, completed FROM todos WHERE list_id = ${listId}`;
      assert.deepEqual(
        rows.map((row) => ({ ...row })),
        [{ id: todoB, description: "Laundry (whites)", completed: false }],
      );
    });

    test("a malformed transaction is dead-lettered as INVALID_REQUEST with its raw JSON, and the queue moves on", async () => {
      // A queue as a newer SDK could fill it: the middle transaction's entry has an
      // `op` this protocol does not know and an empty table name.
      const queue = new FakeQueue(`client-${randomUUID()}`);
      const [listId, strange, todoId] = [
        randomUUID(),
        randomUUID(),
        randomUUID(),
      ];
      queue.entries.push(
        {
          clientId: 1,
          op: "PUT",
          table: "lists",
          id: listId,
          transactionId: 1,
          opData: { name: "Poison pills" },
        },
        {
          clientId: 2,
          op: "UPSERT" as never,
          table: "",
          id: strange,
          transactionId: 2,
          opData: { name: "from a newer SDK" },
        },
        {
          clientId: 3,
          op: "PUT",
          table: "todos",
          id: todoId,
          transactionId: 3,
          opData: { list_id: listId, description: "after", completed: 0 },
        },
      );
      const deadLettered: DeadLetteredTransaction[] = [];
      const replies: { results: WireResult[] }[] = [];
      const up = uploader({
        fetch: recordingFetch(replies),
        onDeadLettered: (info) => {
          deadLettered.push(info);
        },
      });
      await up.uploadData(queue);

      // Under the default "stop" policy: success, fatal, not_attempted; then the
      // last one again, alone, as a success. Nothing was ever refused with 400.
      assert.deepEqual(
        replies.map((reply) => reply.results.map((r) => r.status)),
        [["success", "fatal_error", "not_attempted"], ["success"]],
      );
      const fatal = replies[0]!.results[1]!;
      assert.equal(fatal.requires_client_handling, false);
      assert.equal(fatal.failed_operation?.error_code, "INVALID_REQUEST");
      assert.equal(fatal.failed_operation?.operation_index, 0);
      const violations = (
        fatal.failed_operation?.details as {
          violations: { path: string; keyword: string }[];
        }
      ).violations;
      assert.deepEqual(violations.map((v) => `${v.path} ${v.keyword}`).sort(), [
        "$.transactions[1].crud[0].op enum",
        "$.transactions[1].crud[0].table minLength",
      ]);
      // The connector completed all three (the accepted prefix up to the kept one in
      // one call, then the last) and told the app about the kept one.
      assert.deepEqual(queue.remainingTransactions(), []);
      assert.deepEqual(
        queue.completions.map((c) => c.upToOpId),
        [2, 3],
      );
      assert.equal(deadLettered.length, 1);
      assert.equal(deadLettered[0]!.deadLetterId, fatal.dead_letter_id);

      // The backend kept the transaction exactly as received.
      const shown = JSON.parse(
        await server().cliOk(["dead-letters", "show", fatal.dead_letter_id!]),
      ) as {
        error_code: string;
        transaction: { crud: Record<string, unknown>[] };
      };
      assert.equal(shown.error_code, "INVALID_REQUEST");
      assert.deepEqual(shown.transaction.crud[0], {
        op: "UPSERT",
        table: "",
        id: strange,
        op_id: 2,
        transaction_id: 2,
        op_data: { name: "from a newer SDK" },
      });
      // It cannot be applied as it is, and says so.
      const retried = await server().cli([
        "dead-letters",
        "retry",
        fatal.dead_letter_id!,
      ]);
      assert.notEqual(retried.code, 0);
      assert.match(retried.stderr, /does not match the schema/);

      // The valid ones are in PostgreSQL.
      const rows = await pg()<{ id: string }[]>`
        SELECT id::text AS id FROM todos WHERE id = ${todoId}`;
      assert.equal(rows.length, 1);
    });
  });
}
