// Unit tests of the PostgreSQL writer (`../postgres.ts`) for what a real server
// cannot produce on demand: connection errors of every shape the `postgres` package
// and the runtimes raise, also while committing. (Everything else runs against a
// real PostgreSQL in tests/typescript/test/postgres-writer.test.ts.)

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  createPostgresWriter,
  type PostgresQueryable,
  type PostgresResult,
  type PostgresSql,
} from "../postgres.ts";

function result(rows: Record<string, unknown>[], count = rows.length) {
  return Object.assign([...rows], { count }) as unknown as PostgresResult;
}

/**
 * A `sql` whose catalog has one table `notes (id text)`, whose statements all
 * succeed, and whose transactions' COMMIT throws `commitError`, except the
 * transactions that keep a dead letter.
 */
function fakeSql(commitError: unknown): PostgresSql & { letters: number } {
  const queryable: PostgresQueryable = {
    async unsafe(query: string): Promise<PostgresResult> {
      if (query.includes("FROM pg_catalog.pg_type")) {
        return result([
          {
            oid: "25",
            name: "text",
            namespace: "pg_catalog",
            kind: "b",
            category: "S",
            element: "0",
            base: "0",
          },
        ]);
      }
      if (query.includes("a.atttypid")) {
        return result([{ table_name: "notes", column_name: "id", type: "25" }]);
      }
      if (query.includes("INSERT INTO") && query.includes("dead_letters")) {
        sql.letters++;
        return result([{ id: "letter-1" }]);
      }
      return result([], 1);
    },
  };
  const sql = {
    letters: 0,
    unsafe: queryable.unsafe,
    async begin(callback: (tx: PostgresQueryable) => Promise<unknown>) {
      const letters = sql.letters;
      const value = await callback(queryable);
      if (sql.letters === letters) throw commitError;
      return value;
    },
  };
  return sql;
}

const batch = [
  { crud: [{ op: "PUT" as const, table: "notes", id: "n1", op_id: 1 }] },
  { crud: [{ op: "PUT" as const, table: "notes", id: "n2", op_id: 2 }] },
];

test("a connection lost while committing is retryable, and the batch stops", async () => {
  const errors: unknown[] = [
    // The `postgres` package's own.
    Object.assign(new Error("write CONNECTION_CLOSED 127.0.0.1:5432"), {
      code: "CONNECTION_CLOSED",
    }),
    Object.assign(new Error("write CONNECTION_DESTROYED"), {
      code: "CONNECTION_DESTROYED",
    }),
    Object.assign(new Error("write CONNECT_TIMEOUT"), {
      code: "CONNECT_TIMEOUT",
    }),
    // The runtime's sockets.
    Object.assign(new Error("read ECONNRESET"), {
      code: "ECONNRESET",
      syscall: "read",
    }),
    Object.assign(new Error("write EPIPE"), {
      code: "EPIPE",
      syscall: "write",
    }),
    Object.assign(new Error("some other socket failure"), {
      syscall: "connect",
    }),
    // Every address tried at once, all refused.
    new AggregateError(
      [
        Object.assign(new Error("connect ECONNREFUSED ::1:5432"), {
          code: "ECONNREFUSED",
        }),
        Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
          code: "ECONNREFUSED",
        }),
      ],
      "",
    ),
    // The server ending the session, and a login refused.
    Object.assign(new Error("terminating connection"), {
      code: "57P01",
      severity: "FATAL",
    }),
    Object.assign(new Error("password authentication failed"), {
      code: "28P01",
      severity: "FATAL",
    }),
  ];
  for (const error of errors) {
    const sql = fakeSql(error);
    const writer = createPostgresWriter(sql, {
      default: "allow",
      log: () => undefined,
    });
    const results = await writer.upload("alice", batch, "device-1");
    assert.deepEqual(
      results,
      [
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
      ],
      String(error),
    );
    assert.equal(sql.letters, 0, String(error));
  }
});

test("an error the writer does not know is fatal UNCLASSIFIED_ERROR, kept as a dead letter", async () => {
  for (const [error, details] of [
    [new TypeError("x is not a function"), { table: "notes" }],
    // An unknown SQLSTATE at COMMIT (run again entry by entry, where it fails again).
    [
      Object.assign(new Error("internal error"), {
        code: "XX000",
        severity: "ERROR",
      }),
      { database_code: "XX000", table: "notes" },
    ],
  ] as const) {
    const sql = fakeSql(error);
    const writer = createPostgresWriter(sql, {
      default: "allow",
      log: () => undefined,
    });
    const [first, second] = await writer.upload("alice", batch);
    assert.equal(first?.status, "fatal_error", JSON.stringify(first));
    const fatal = first as {
      requires_client_handling: boolean;
      dead_letter_id: string;
      failed_operation: { error_code: string; details?: unknown };
    };
    assert.equal(fatal.failed_operation.error_code, "UNCLASSIFIED_ERROR");
    assert.equal(fatal.requires_client_handling, false);
    assert.equal(fatal.dead_letter_id, "letter-1");
    assert.deepEqual(fatal.failed_operation.details, details);
    assert.equal(second?.status, "not_attempted");
    assert.equal(sql.letters, 1);
  }
});
