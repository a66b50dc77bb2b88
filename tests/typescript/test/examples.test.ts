/**
 * Vendoring, end to end: the example backends shown in the generated Python and Go
 * packages' READMEs (FastAPI + psycopg 3, net/http + pgx), each on a throwaway
 * PostgreSQL database, receive uploads from a real `@powersync/node` database through
 * the generated TypeScript connector, and the test reads PostgreSQL back.
 *
 * The same scenario runs against each example. Needs PostgreSQL 15's binaries
 * (`PG_BIN`), the project's Python virtualenv (`.venv/`, made by `cargo xtask test`)
 * and Go; fails, never skips, without them.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";

import postgres from "postgres";
import {
  PowerSyncWriteUploader,
  type DeadLetteredTransaction,
} from "powersync-write-api";

import {
  EXAMPLE_DEAD_LETTERS,
  EXAMPLE_LEDGER,
  EXAMPLES,
  ExampleBackend,
} from "./support/examples.js";
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

const USER = "user-example";

let cluster: PostgresCluster | undefined;

before(async () => {
  cluster = await startPostgres();
});

after(async () => {
  await cluster?.stop();
});

interface DeadLetterRow {
  id: string;
  subject: string;
  client_id: string | null;
  error_code: string;
  message: string;
  details: Record<string, unknown>;
  operation_index: number | null;
  transaction: unknown;
}

for (const kind of EXAMPLES) {
  describe(`the ${kind} example backend`, () => {
    let example: ExampleBackend | undefined;
    let sql: postgres.Sql | undefined;
    let token = "";

    before(async () => {
      assert.ok(cluster, "the PostgreSQL cluster did not start");
      const url = await cluster.createDatabase(`example_${kind}`);
      sql = postgres(url, { max: 2, onnotice: () => undefined });
      await sql.unsafe(SERVER_SCHEMA);
      example = await ExampleBackend.start(kind, {
        databaseUrl: url,
        tables: ["lists", "todos"],
      });
      token = await example.token(USER);
    });

    after(async () => {
      const failures: unknown[] = [];
      for (const step of [() => sql?.end(), () => example?.dispose()]) {
        try {
          await step();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) {
        throw failures[0];
      }
    });

    const pg = (): postgres.Sql => {
      assert.ok(sql, "the PostgreSQL connection was not set up");
      return sql;
    };
    const server = (): ExampleBackend => {
      assert.ok(example, `the ${kind} example did not start`);
      return example;
    };
    const uploader = (
      options: Partial<
        ConstructorParameters<typeof PowerSyncWriteUploader>[0]
      > = {},
    ): PowerSyncWriteUploader =>
      new PowerSyncWriteUploader({
        baseUrl: server().baseUrl,
        fetchToken: async () => token,
        ...options,
      });
    const deadLetters = async (clientId: string): Promise<DeadLetterRow[]> =>
      pg().unsafe<DeadLetterRow[]>(
        `SELECT id::text AS id, subject, client_id, error_code, message, details,
                operation_index, "transaction"
         FROM ${EXAMPLE_DEAD_LETTERS} WHERE client_id = $1 ORDER BY received_at`,
        [clientId],
      );

    test("rows reach PostgreSQL with their real types, each write once, and the queue is emptied", async (t) => {
      const db = await openLocalDb(t);
      const [listId, todo1, todo2, todo3] = [
        randomUUID(),
        randomUUID(),
        randomUUID(),
        randomUUID(),
      ];
      const attrs = { priority: 2, tags: ["home"], nested: { ok: true } };
      await db.writeTransaction(async (tx) => {
        await tx.execute(
          "INSERT INTO lists (id, name, owner_id, created_at) VALUES (?, ?, ?, ?)",
          [listId, "Groceries", USER, "2024-05-06 07:08:09.123Z"],
        );
        await tx.execute(
          "INSERT INTO todos (id, list_id, description, completed, attrs) VALUES (?, ?, ?, ?, ?)",
          [todo1, listId, "Milk", 1, JSON.stringify(attrs)],
        );
        await tx.execute(
          "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
          [todo2, listId, "Bread", 0],
        );
      });
      await db.writeTransaction(async (tx) => {
        await tx.execute(
          "UPDATE todos SET completed = 1, completed_at = ? WHERE id = ?",
          ["2024-05-06T09:10:11.250+02:00", todo2],
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

      const replies: { results: WireResult[] }[] = [];
      await uploader({ fetch: recordingFetch(replies) }).uploadData(db);

      await assertQueueEmpty(db);
      assert.deepEqual(
        replies.flatMap((reply) => reply.results.map((r) => r.status)),
        ["success", "success", "success", "success"],
      );
      const todos = await pg()<
        {
          id: string;
          description: string;
          completed: boolean;
          completed_at: Date | null;
          attrs: unknown;
        }[]
      >`
        SELECT id, description, completed, completed_at, attrs FROM todos
        WHERE list_id = ${listId} ORDER BY description DESC`;
      assert.deepEqual(
        todos.map((row) => ({ ...row })),
        [
          {
            id: todo1,
            description: "Milk",
            completed: true,
            completed_at: null,
            attrs,
          },
          {
            id: todo2,
            description: "Bread",
            completed: true,
            completed_at: new Date("2024-05-06T07:10:11.250Z"),
            attrs: null,
          },
        ],
      );
      const [list] = await pg()<{ created_at: Date; owner_id: string }[]>`
        SELECT created_at, owner_id FROM lists WHERE id = ${listId}`;
      assert.equal(list?.created_at.toISOString(), "2024-05-06T07:08:09.123Z");
      assert.equal(list?.owner_id, USER);
      assert.deepEqual(
        await auditOf(pg(), [listId, todo1, todo2, todo3]),
        expectedAudit(sent),
        "every operation applied exactly once, in order",
      );
      // client_id and op_id were sent: the example's ledger holds the last op.
      const [ledger] = await pg().unsafe<{ last_op_id: string }[]>(
        `SELECT last_op_id::text AS last_op_id FROM ${EXAMPLE_LEDGER} WHERE client_id = $1`,
        [await db.getClientId()],
      );
      assert.equal(ledger?.last_op_id, String(sent.at(-1)!.id));
    });

    test("a foreign-key violation is dead-lettered with its transaction, reported, and the queue moves on", async (t) => {
      const db = await openLocalDb(t);
      const [listId, before1, orphan, after1] = [
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
          [before1, listId, "Before", 0],
        );
      });
      const beforeBad = await queue(db);
      await db.writeTransaction(async (tx) => {
        // The local database has no foreign keys; PostgreSQL refuses this one.
        await tx.execute(
          "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
          [orphan, missingList, "Orphan", 0],
        );
      });
      const withBad = await queue(db);
      await db.writeTransaction(async (tx) => {
        await tx.execute(
          "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
          [after1, listId, "After", 1],
        );
      });
      const sent = await queue(db);

      const told: DeadLetteredTransaction[] = [];
      const replies: { results: WireResult[] }[] = [];
      await uploader({
        fetch: recordingFetch(replies),
        onDeadLettered: (info) => {
          told.push(info);
        },
      }).uploadData(db);
      await assertQueueEmpty(db);

      const results = replies.flatMap((reply) => reply.results);
      assert.deepEqual(
        results.map((r) => r.status),
        ["success", "fatal_error", "success"],
        JSON.stringify(replies),
      );
      const fatal = results[1]!;
      assert.equal(fatal.requires_client_handling, false);
      assert.equal(fatal.failed_operation?.error_code, "FOREIGN_KEY_VIOLATION");
      assert.equal(fatal.failed_operation?.operation_index, 0);
      assert.ok(fatal.dead_letter_id, "the fatal result names its dead letter");
      assert.equal(told.length, 1, JSON.stringify(told));
      assert.equal(told[0]!.deadLetterId, fatal.dead_letter_id);

      const letters = await deadLetters(await db.getClientId());
      assert.equal(letters.length, 1, JSON.stringify(letters));
      const letter = letters[0]!;
      assert.equal(letter.id, fatal.dead_letter_id);
      assert.equal(letter.subject, USER);
      assert.equal(letter.error_code, "FOREIGN_KEY_VIOLATION");
      assert.equal(letter.details["table"], "todos");
      assert.equal(letter.details["constraint"], "todos_list_id_fkey");
      const kept = letter.transaction as {
        crud: {
          op: string;
          table: string;
          id: string;
          op_id: number;
          op_data: Record<string, unknown>;
        }[];
      };
      const badRow = withBad.slice(beforeBad.length);
      assert.deepEqual(
        kept.crud.map((e) => [
          e.op,
          e.table,
          e.id,
          e.op_id,
          e.op_data["list_id"],
        ]),
        [["PUT", "todos", orphan, badRow[0]!.id, missingList]],
      );

      // Everything else reached PostgreSQL, once; the orphan did not.
      assert.deepEqual(
        await auditOf(pg(), [listId, before1, orphan, after1]),
        expectedAudit([...beforeBad, ...sent.slice(withBad.length)]),
      );
    });

    test("a malformed transaction is dead-lettered as INVALID_REQUEST with the generated validator's violations", async () => {
      const fake = new FakeQueue(`client-${randomUUID()}`);
      const [listId, strange] = [randomUUID(), randomUUID()];
      fake.entries.push(
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
      );
      const replies: { results: WireResult[] }[] = [];
      await uploader({ fetch: recordingFetch(replies) }).uploadData(fake);

      assert.deepEqual(
        replies.map((reply) => reply.results.map((r) => r.status)),
        [["success", "fatal_error"]],
      );
      const fatal = replies[0]!.results[1]!;
      assert.equal(fatal.requires_client_handling, false);
      assert.equal(fatal.failed_operation?.error_code, "INVALID_REQUEST");
      const violations = (
        fatal.failed_operation?.details as {
          violations: { path: string; keyword: string }[];
        }
      ).violations;
      assert.deepEqual(violations.map((v) => `${v.path} ${v.keyword}`).sort(), [
        "$.transactions[1].crud[0].op enum",
        "$.transactions[1].crud[0].table minLength",
      ]);
      assert.deepEqual(fake.remainingTransactions(), []);

      // Kept exactly as received.
      const [letter] = await deadLetters(fake.clientIdValue);
      assert.equal(letter?.id, fatal.dead_letter_id);
      assert.equal(letter?.error_code, "INVALID_REQUEST");
      assert.deepEqual(letter?.transaction, {
        crud: [
          {
            op: "UPSERT",
            table: "",
            id: strange,
            op_id: 2,
            transaction_id: 2,
            op_data: { name: "from a newer SDK" },
          },
        ],
        transaction_id: 2,
      });
      const rows = await pg()<{ name: string }[]>`
        SELECT name FROM lists WHERE id = ${listId}`;
      assert.deepEqual(
        rows.map((r) => r.name),
        ["Poison pills"],
      );
    });

    test("a lost reply is retried without applying anything twice", async (t) => {
      const db = await openLocalDb(t);
      const [listId, todoId] = [randomUUID(), randomUUID()];
      await db.writeTransaction(async (tx) => {
        await tx.execute("INSERT INTO lists (id, name) VALUES (?, ?)", [
          listId,
          "Home",
        ]);
      });
      await db.writeTransaction(async (tx) => {
        await tx.execute(
          "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
          [todoId, listId, "Dishes", 0],
        );
      });
      const sent = await queue(db);
      const replies: { results: WireResult[] }[] = [];
      let loseReplies = true;
      const record = recordingFetch(replies);
      const up = uploader({
        fetch: async (input, init) => {
          const response = await record(input, init);
          if (loseReplies) {
            await response.arrayBuffer();
            throw new TypeError("fetch failed (the test dropped the reply)");
          }
          return response;
        },
      });
      await assert.rejects(up.uploadData(db));
      assert.deepEqual(await queue(db), sent, "the queue is intact");
      loseReplies = false;
      await up.uploadData(db);
      await assertQueueEmpty(db);
      assert.deepEqual(
        replies.at(-1)?.results.map((r) => [r.status, r.duplicate === true]),
        [
          ["success", true],
          ["success", true],
        ],
      );
      assert.deepEqual(
        await auditOf(pg(), [listId, todoId]),
        expectedAudit(sent),
      );
    });

    test("a token that is not signed with the secret is refused with 401", async () => {
      const forged = await server().token(USER, "another-secret");
      const response = await fetch(`${server().baseUrl}/api/data`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${forged}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({
          transactions: [
            {
              crud: [
                { op: "DELETE", table: "lists", id: randomUUID(), op_id: 1 },
              ],
            },
          ],
        }),
      });
      assert.equal(response.status, 401, await response.text());
    });
  });
}
