/**
 * The PowerSync connector (`PowerSyncWriteUploader`) against a scripted fake
 * HTTP server and an in-memory queue with the SDK's semantics, plus one run
 * against a real `@powersync/node` database.
 */

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import type { PowerSyncBackendConnector } from "@powersync/common";
import { PowerSyncDatabase, Schema, Table, column } from "@powersync/node";
import {
  PowerSyncWriteConnector,
  PowerSyncWriteUploader,
  UploadRejectedError,
  UploadRetryableError,
} from "powersync-write-api";
import type {
  ConnectorCredentials,
  TokenContext,
  UploadQueue,
  UploaderOptions,
  WriteBatch,
} from "powersync-write-api";

import { FakeQueue, legacyView } from "./support/fake-queue.js";
import { loadVectors } from "./support/vectors.js";
import {
  FakeServer,
  allSuccess,
  notAttempted,
  results,
  retryable,
  success,
} from "./support/fake-server.js";
import type { Reply } from "./support/fake-server.js";

// --- Compile-time proof that the structural types fit the real SDK ---------

type IsAssignable<A, B> = [A] extends [B] ? true : false;
type Assert<T extends true> = T;
/** A real `@powersync/node` database is an `UploadQueue`. */
export type NodeDatabaseIsAnUploadQueue = Assert<
  IsAssignable<PowerSyncDatabase, UploadQueue>
>;

/** An app connector built on the uploader is a `PowerSyncBackendConnector`. */
function appConnector(
  uploader: PowerSyncWriteUploader,
): PowerSyncBackendConnector {
  return {
    fetchCredentials: async () => ({ endpoint: "http://sync", token: "t" }),
    uploadData: (database) => uploader.uploadData(database),
  };
}

/** So is a subclass of the abstract connector. */
class AppConnector extends PowerSyncWriteConnector {
  credentialCalls = 0;
  async fetchCredentials(): Promise<ConnectorCredentials | null> {
    this.credentialCalls++;
    return { endpoint: "http://sync", token: "from-credentials" };
  }
}
export const subclassFits: (c: AppConnector) => PowerSyncBackendConnector = (
  c,
) => c;

// --- Harness ---------------------------------------------------------------

interface Harness {
  server: FakeServer;
  queue: FakeQueue;
  uploader: PowerSyncWriteUploader;
  tokenCalls: TokenContext[];
  bodies: () => WriteBatch[];
}

async function harness(
  t: { after: (fn: () => Promise<void>) => void },
  script: Reply[],
  options: Partial<UploaderOptions> = {},
  tokens: string[] = ["token-1", "token-2", "token-3"],
): Promise<Harness> {
  const server = await FakeServer.start(script);
  t.after(() => server.close());
  const tokenCalls: TokenContext[] = [];
  const uploader = new PowerSyncWriteUploader({
    baseUrl: server.url,
    fetchToken: async (context) => {
      tokenCalls.push(context);
      return tokens[tokenCalls.length - 1];
    },
    ...options,
  });
  return {
    server,
    queue: new FakeQueue(),
    uploader,
    tokenCalls,
    bodies: () => server.bodies<WriteBatch>(),
  };
}

/** Asserts that `promise` rejects with an instance of `type`; returns the error. */
async function rejection<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert.ok(
      error instanceof type,
      `expected ${type.name}, got ${String(error)}`,
    );
    return error;
  }
  assert.fail(`expected ${type.name}, but the promise resolved`);
}

const transactionCounts = (bodies: WriteBatch[]) =>
  bodies.map((body) => body.transactions.length);

// The language-neutral scenarios (batching, statuses, pauses, hooks, liberal
// replies, the wire form) are data: tests/connector-scenarios, replayed by
// connector-scenarios.test.ts and by the other languages' connector tests.
// What stays here is specific to TypeScript.

test("aborting the signal ends the wait without sending", async (t) => {
  const controller = new AbortController();
  const h = await harness(t, [results(retryable(5_000))], {
    signal: controller.signal,
  });
  h.queue.add();
  await rejection(h.uploader.uploadData(h.queue), UploadRetryableError);
  const pending = h.uploader.uploadData(h.queue);
  setTimeout(() => controller.abort(), 20);
  const error = await rejection(pending, UploadRetryableError);
  assert.match(error.message, /aborted/);
  assert.equal(h.server.requests.length, 1);
});

/** Asserts that no message the uploader produced shows an absent field. */
function assertNoUndefined(...messages: string[]): void {
  for (const message of messages) {
    assert.doesNotMatch(message, /undefined|null/, message);
  }
}

/** A logger that keeps every warning. */
function recordingLogger(): { warnings: string[]; warn: (m: string) => void } {
  const warnings: string[] = [];
  return { warnings, warn: (message) => void warnings.push(message) };
}

test("every valid reply vector is acted on without a protocol error", async (t) => {
  const vectors = loadVectors().filter((v) => v.errors.length === 0);
  const replies = vectors.filter((v) => v.schema === "WriteBatchResponse");
  const bodies = vectors.filter((v) => v.schema === "ErrorResponse");
  assert.ok(
    replies.some((v) => v.file.includes("reference-backend")) &&
      bodies.some((v) => v.file.includes("message-only")),
    "the reference-style reply vectors are missing",
  );
  for (const vector of replies) {
    const results = (vector.value as { results: unknown[] }).results;
    // A `not_attempted` after progress makes the uploader send the rest at
    // once: answer that with success.
    const h = await harness(
      t,
      [{ status: 200, body: vector.value }, allSuccess()],
      {
        onClientHandlingRequired: async () => "discard",
        logger: recordingLogger(),
      },
    );
    h.queue.addMany(results.length);
    try {
      await h.uploader.uploadData(h.queue);
    } catch (error) {
      assert.ok(
        error instanceof UploadRetryableError,
        `${vector.file}: ${String(error)}`,
      );
      assertNoUndefined(error.message);
    }
    assert.ok(h.server.requests.length <= 2, vector.file);
  }
  const expected: Record<number, abstract new (...args: never[]) => Error> = {
    400: UploadRejectedError,
    403: UploadRejectedError,
    413: UploadRejectedError,
    415: UploadRejectedError,
    429: UploadRetryableError,
    500: UploadRetryableError,
    503: UploadRetryableError,
  };
  for (const vector of bodies) {
    for (const [status, type] of Object.entries(expected)) {
      const h = await harness(t, [
        { status: Number(status), body: vector.value },
      ]);
      h.queue.add();
      const error = await rejection(h.uploader.uploadData(h.queue), type);
      assert.doesNotMatch(
        error.message,
        /undefined/,
        `${vector.file} ${status}`,
      );
    }
  }
});

// --- Older SDKs and options --------------------------------------------------

test("without getCrudTransactions, getNextCrudTransaction is used: one transaction per request", async (t) => {
  const h = await harness(t, [allSuccess(1), allSuccess(2), allSuccess(3)]);
  h.queue.add(2);
  h.queue.add(1);
  h.queue.add(3);
  await h.uploader.uploadData(legacyView(h.queue));
  assert.deepEqual(transactionCounts(h.bodies()), [1, 1, 1]);
  assert.deepEqual(
    h.bodies().map((b) => b.transactions[0]!.crud.length),
    [2, 1, 3],
  );
  assert.equal(h.queue.iterators, 0);
  assert.deepEqual(h.queue.completions, [
    { upToOpId: 2, transactionId: 1, checkpoint: "1" },
    { upToOpId: 3, transactionId: 2, checkpoint: "2" },
    { upToOpId: 6, transactionId: 3, checkpoint: "3" },
  ]);
  assert.equal(h.bodies()[0]!.client_id, "client-1");
});

test("invalid options are refused with what to do", () => {
  const base = { baseUrl: "http://x", fetchToken: () => "t" };
  assert.throws(
    () =>
      new PowerSyncWriteUploader({ ...base, limits: { maxTransactions: 51 } }),
    /maxTransactions must be an integer from 1 to 50, got 51/,
  );
  assert.throws(
    () => new PowerSyncWriteUploader({ ...base, limits: { maxBytes: 0 } }),
    RangeError,
  );
  assert.throws(
    () => new PowerSyncWriteUploader({ ...base, timeoutMs: 1.5 }),
    RangeError,
  );
  assert.throws(
    () => new PowerSyncWriteUploader({ ...base, defaultRetryAfterMs: -1 }),
    /defaultRetryAfterMs must be an integer of 0 or more, got -1/,
  );
});

test("the abstract connector uploads with the token of fetchCredentials", async (t) => {
  const server = await FakeServer.start([allSuccess()]);
  t.after(() => server.close());
  const connector = new AppConnector({ baseUrl: server.url });
  const queue = new FakeQueue();
  queue.add();
  await connector.uploadData(queue);
  assert.equal(connector.credentialCalls, 1);
  assert.equal(
    server.requests[0]!.headers.authorization,
    "Bearer from-credentials",
  );
  assert.deepEqual(queue.entries, []);
});

// --- A real PowerSync database ------------------------------------------------

test("with a real @powersync/node database: partial acceptance keeps the rest queued, then all is uploaded", async (t) => {
  const directory = await mkdtemp(join(tmpdir(), "powersync-connector-"));
  const db = new PowerSyncDatabase({
    schema: new Schema({
      todos: new Table({ description: column.text, done: column.integer }),
    }),
    database: { dbFilename: "test.db", dbLocation: directory },
  });
  t.after(async () => {
    await db.close();
    await rm(directory, { recursive: true, force: true });
  });
  await db.init();
  await db.writeTransaction(async (tx) => {
    await tx.execute(
      "INSERT INTO todos(id, description, done) VALUES ('a', 'one', 0)",
    );
    await tx.execute(
      "INSERT INTO todos(id, description, done) VALUES ('b', 'two', 1)",
    );
  });
  await db.execute("UPDATE todos SET done = 1 WHERE id = 'a'");
  await db.execute("DELETE FROM todos WHERE id = 'b'");

  const server = await FakeServer.start([
    results(success("1"), retryable(0), notAttempted()),
    allSuccess(5),
  ]);
  t.after(() => server.close());
  const uploader = new PowerSyncWriteUploader({
    baseUrl: server.url,
    fetchToken: () => "t",
  });
  const connector = appConnector(uploader);

  await rejection(connector.uploadData(db), UploadRetryableError);
  const body = server.bodies<WriteBatch>()[0]!;
  assert.equal(body.client_id, await db.getClientId());
  assert.deepEqual(
    body.transactions.map((tx) => tx.crud.map((e) => [e.op, e.id, e.op_id])),
    [
      [
        ["PUT", "a", 1],
        ["PUT", "b", 2],
      ],
      [["PATCH", "a", 3]],
      [["DELETE", "b", 4]],
    ],
  );
  // Only the first transaction left the real queue.
  const head = await db.getNextCrudTransaction();
  assert.deepEqual(
    head?.crud.map((e) => e.clientId),
    [3],
  );

  await connector.uploadData(db);
  assert.deepEqual(
    server
      .bodies<WriteBatch>()[1]!
      .transactions.map((tx) => tx.crud.map((e) => e.op_id)),
    [[3], [4]],
  );
  assert.equal(await db.getNextCrudTransaction(), null);
});
