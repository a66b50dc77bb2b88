/**
 * The PowerSync connector (`PowerSyncWriteUploader`) against a scripted fake
 * HTTP server and an in-memory queue with the SDK's semantics, plus one run
 * against a real `@powersync/node` database.
 */

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { test } from "node:test";

import type { PowerSyncBackendConnector } from "@powersync/common";
import { PowerSyncDatabase, Schema, Table, column } from "@powersync/node";
import {
  ClientHandlingRequiredError,
  DEFAULT_RETRY_AFTER_MS,
  PowerSyncWriteConnector,
  PowerSyncWriteUploader,
  UploadAuthenticationError,
  UploadError,
  UploadProtocolError,
  UploadRejectedError,
  UploadRetryableError,
} from "powersync-write-api";
import type {
  ClientHandlingFailure,
  ConnectorCredentials,
  DeadLetteredTransaction,
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
  errorReply,
  fatal,
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

// --- All success and the wire form -----------------------------------------

test("all success: one request with client_id and op_ids, queue emptied, newest checkpoint passed once", async (t) => {
  const h = await harness(t, [
    results(success("10"), success("11", true), success("12"), success()),
  ]);
  h.queue.add(2, { data: (i) => ({ description: `d${i}`, done: i }) });
  h.queue.add(1, { standalone: true });
  h.queue.add(1, {
    extra: { previousValues: { description: "old" }, metadata: "m" },
  });
  h.queue.add(1);

  await h.uploader.uploadData(h.queue);

  assert.equal(h.server.requests.length, 1);
  const request = h.server.requests[0]!;
  assert.equal(request.method, "POST");
  assert.equal(request.url, "/api/data");
  assert.equal(request.headers.authorization, "Bearer token-1");
  assert.match(String(request.headers["content-type"]), /^application\/json/);
  assert.deepEqual(request.json, {
    client_id: "client-1",
    transactions: [
      {
        transaction_id: 1,
        crud: [
          {
            op: "PUT",
            table: "todos",
            id: "row-1",
            op_id: 1,
            transaction_id: 1,
            op_data: { description: "d0", done: 0 },
          },
          {
            op: "PUT",
            table: "todos",
            id: "row-2",
            op_id: 2,
            transaction_id: 1,
            op_data: { description: "d1", done: 1 },
          },
        ],
      },
      // Outside a transaction: no transaction_id key at all.
      {
        crud: [
          {
            op: "PUT",
            table: "todos",
            id: "row-3",
            op_id: 3,
            op_data: { description: "item 3" },
          },
        ],
      },
      {
        transaction_id: 2,
        crud: [
          {
            op: "PUT",
            table: "todos",
            id: "row-4",
            op_id: 4,
            transaction_id: 2,
            op_data: { description: "item 4" },
            previous_values: { description: "old" },
            metadata: "m",
          },
        ],
      },
      {
        transaction_id: 3,
        crud: [
          {
            op: "PUT",
            table: "todos",
            id: "row-5",
            op_id: 5,
            transaction_id: 3,
            op_data: { description: "item 5" },
          },
        ],
      },
    ],
  });
  assert.deepEqual(h.queue.entries, []);
  // One complete() on the last transaction, with the newest checkpoint of the
  // prefix (the last result had none).
  assert.deepEqual(h.queue.completions, [
    { upToOpId: 5, transactionId: 3, checkpoint: "12" },
  ]);
  assert.deepEqual(h.tokenCalls, [{ forceRefresh: false }]);
});

test("an empty queue sends nothing and fetches no token", async (t) => {
  const h = await harness(t, []);
  await h.uploader.uploadData(h.queue);
  assert.equal(h.server.requests.length, 0);
  assert.equal(h.tokenCalls.length, 0);
});

test("a null token sends no Authorization header", async (t) => {
  const h = await harness(t, [allSuccess()], {
    fetchToken: () => null,
  });
  h.queue.add();
  await h.uploader.uploadData(h.queue);
  assert.equal(h.server.requests[0]!.headers.authorization, undefined);
  assert.deepEqual(h.queue.entries, []);
});

// --- Batching ----------------------------------------------------------------

test("51 transactions go out as 50 and 1, each batch completed once", async (t) => {
  const h = await harness(t, [allSuccess(100), allSuccess(200)]);
  h.queue.addMany(51);
  await h.uploader.uploadData(h.queue);
  assert.deepEqual(transactionCounts(h.bodies()), [50, 1]);
  assert.deepEqual(h.queue.completions, [
    { upToOpId: 50, transactionId: 50, checkpoint: "149" },
    { upToOpId: 51, transactionId: 51, checkpoint: "200" },
  ]);
  assert.deepEqual(h.queue.entries, []);
  // The token is fetched once per call, not per batch.
  assert.equal(h.tokenCalls.length, 1);
});

test("maxTransactions limits transactions per request", async (t) => {
  const h = await harness(t, [allSuccess(), allSuccess(), allSuccess()], {
    limits: { maxTransactions: 2 },
  });
  h.queue.addMany(5);
  await h.uploader.uploadData(h.queue);
  assert.deepEqual(transactionCounts(h.bodies()), [2, 2, 1]);
  assert.deepEqual(h.queue.entries, []);
});

test("maxOperations limits entries per request; a larger transaction goes alone and whole", async (t) => {
  const h = await harness(
    t,
    [allSuccess(), allSuccess(), allSuccess(), allSuccess()],
    {
      limits: { maxOperations: 5 },
    },
  );
  h.queue.add(2);
  h.queue.add(2);
  h.queue.add(7); // over the limit on its own
  h.queue.add(2);
  h.queue.add(3);
  await h.uploader.uploadData(h.queue);
  const bodies = h.bodies();
  assert.deepEqual(
    bodies.map((body) => body.transactions.map((tx) => tx.crud.length)),
    [[2, 2], [7], [2, 3]],
  );
  // Never split: each transaction's entries all travel together.
  for (const body of bodies) {
    for (const tx of body.transactions) {
      assert.ok(tx.crud.every((e) => e.transaction_id === tx.transaction_id));
    }
  }
  assert.deepEqual(h.queue.entries, []);
});

test("maxBytes limits the body size; a larger transaction goes alone", async (t) => {
  const maxBytes = 2500;
  const h = await harness(
    t,
    [allSuccess(), allSuccess(), allSuccess(), allSuccess()],
    { limits: { maxBytes } },
  );
  const big = (size: number) => () => ({ text: "é".repeat(size / 2) });
  h.queue.add(1, { data: big(1000) });
  h.queue.add(1, { data: big(1000) });
  h.queue.add(1, { data: big(1000) });
  h.queue.add(2, { data: big(3000) }); // 6000+ bytes on its own
  h.queue.add(1, { data: big(1000) });
  await h.uploader.uploadData(h.queue);
  assert.deepEqual(transactionCounts(h.bodies()), [2, 1, 1, 1]);
  const sizes = h.server.requests.map((r) => Buffer.byteLength(r.text));
  assert.ok(sizes[0]! <= maxBytes, `first body ${sizes[0]} bytes`);
  // The first request could not take a third transaction.
  assert.ok(sizes[0]! + sizes[1]! - 30 > maxBytes);
  assert.ok(sizes[2]! > maxBytes, "the oversized transaction was sent");
  assert.equal(h.bodies()[2]!.transactions[0]!.crud.length, 2);
  assert.deepEqual(h.queue.entries, []);
});

test("a 413 for several transactions makes the uploader send smaller requests", async (t) => {
  const h = await harness(t, [
    errorReply(413, "PAYLOAD_TOO_LARGE"),
    allSuccess(),
    allSuccess(),
  ]);
  h.queue.add(1, { data: () => ({ text: "x".repeat(1000) }) });
  h.queue.add(1, { data: () => ({ text: "x".repeat(1000) }) });
  await h.uploader.uploadData(h.queue);
  assert.deepEqual(transactionCounts(h.bodies()), [2, 1, 1]);
  assert.deepEqual(h.queue.entries, []);
});

test("a 413 for a single transaction says it is too large and keeps it", async (t) => {
  const h = await harness(t, [errorReply(413, "PAYLOAD_TOO_LARGE")]);
  h.queue.add(3);
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRejectedError,
  );
  assert.equal(error.status, 413);
  assert.match(error.message, /too large/);
  assert.equal(h.queue.completions.length, 0);
  assert.equal(h.queue.entries.length, 3);
});

// --- Per-transaction results -------------------------------------------------

test("duplicate successes count as done", async (t) => {
  const h = await harness(t, [
    results(success("7", true), success(undefined, true)),
  ]);
  h.queue.addMany(2);
  await h.uploader.uploadData(h.queue);
  assert.deepEqual(h.queue.completions, [
    { upToOpId: 2, transactionId: 2, checkpoint: "7" },
  ]);
});

test("retryable_error: the prefix is completed, and the next call waits retry_after_ms before sending", async (t) => {
  const h = await harness(t, [
    results(success("5"), retryable(300), notAttempted()),
    allSuccess(),
  ]);
  h.queue.addMany(3);
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.equal(error.retryAfterMs, 300);
  assert.equal(error.retryable, true);
  assert.deepEqual(h.queue.completions, [
    { upToOpId: 1, transactionId: 1, checkpoint: "5" },
  ]);
  assert.deepEqual(h.queue.remainingTransactions(), [2, 3]);

  await h.uploader.uploadData(h.queue);
  const [first, second] = h.server.requests;
  const waited = second!.receivedAt - first!.receivedAt;
  // Lower bound only (a few ms slack for Date.now versus performance.now).
  assert.ok(waited >= 295, `second request after ${waited} ms`);
  assert.deepEqual(transactionCounts(h.bodies()), [3, 2]);
  assert.deepEqual(h.queue.entries, []);
});

test("a pause longer than maxRetryWaitMs throws at once without sending", async (t) => {
  const h = await harness(t, [results(retryable(60_000))], {
    maxRetryWaitMs: 1000,
  });
  h.queue.add();
  await rejection(h.uploader.uploadData(h.queue), UploadRetryableError);
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.ok(error.retryAfterMs !== undefined && error.retryAfterMs > 1000);
  assert.match(error.message, /Nothing was sent/);
  assert.equal(h.server.requests.length, 1);
  assert.equal(h.queue.entries.length, 1);
});

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

test("fatal_error kept by the backend counts as done; later transactions are sent and completed", async (t) => {
  const deadLettered: DeadLetteredTransaction[] = [];
  const h = await harness(
    t,
    [
      results(
        success("1"),
        fatal(false, 1, "CHECK_VIOLATION", "dl-9"),
        success("3"),
      ),
    ],
    { onDeadLettered: (info) => void deadLettered.push(info) },
  );
  h.queue.add();
  h.queue.add(2, { table: "lists" });
  h.queue.add();
  await h.uploader.uploadData(h.queue);
  assert.deepEqual(h.queue.completions, [
    { upToOpId: 4, transactionId: 3, checkpoint: "3" },
  ]);
  assert.equal(deadLettered.length, 1);
  assert.equal(deadLettered[0]!.deadLetterId, "dl-9");
  assert.equal(deadLettered[0]!.entry?.clientId, 3);
  assert.equal(deadLettered[0]!.entry?.table, "lists");
  assert.equal(deadLettered[0]!.failedOperation.error_code, "CHECK_VIOLATION");
});

test("a kept fatal_error followed by not_attempted: the rest is sent again at once", async (t) => {
  const h = await harness(t, [
    results(fatal(false), notAttempted(), notAttempted()),
    allSuccess(),
  ]);
  h.queue.addMany(3);
  await h.uploader.uploadData(h.queue);
  assert.deepEqual(transactionCounts(h.bodies()), [3, 2]);
  assert.deepEqual(
    h.bodies()[1]!.transactions.map((tx) => tx.transaction_id),
    [2, 3],
  );
  assert.deepEqual(
    h.queue.completions.map((c) => c.upToOpId),
    [1, 3],
  );
  assert.deepEqual(h.queue.entries, []);
});

test("requires_client_handling with the default hook: retained, throws with table, index, code and message", async (t) => {
  const h = await harness(t, [
    results(success("1"), fatal(true, 1, "CHECK_VIOLATION"), notAttempted()),
  ]);
  h.queue.add();
  h.queue.add(2, { table: "lists" });
  h.queue.add();
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    ClientHandlingRequiredError,
  );
  assert.ok(error instanceof UploadError);
  assert.equal(error.retryable, false);
  assert.equal(error.table, "lists");
  assert.equal(error.operationIndex, 1);
  assert.equal(error.errorCode, "CHECK_VIOLATION");
  assert.match(error.message, /lists/);
  assert.match(error.message, /operation 1/);
  assert.match(
    error.message,
    /CHECK_VIOLATION: CHECK_VIOLATION at operation 1/,
  );
  // Only the success before it is completed.
  assert.deepEqual(h.queue.completions, [
    { upToOpId: 1, transactionId: 1, checkpoint: "1" },
  ]);
  assert.deepEqual(h.queue.remainingTransactions(), [2, 3]);
});

test('requires_client_handling with a hook answering "discard": completed, later ones too', async (t) => {
  const seen: ClientHandlingFailure[] = [];
  const h = await harness(
    t,
    [results(fatal(true, 0, "FOREIGN_KEY_VIOLATION"), success("8"))],
    {
      onClientHandlingRequired: async (failure) => {
        seen.push(failure);
        return "discard";
      },
    },
  );
  h.queue.addMany(2);
  await h.uploader.uploadData(h.queue);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.entry?.clientId, 1);
  assert.equal(seen[0]!.sent.transaction_id, 1);
  assert.deepEqual(h.queue.completions, [
    { upToOpId: 2, transactionId: 2, checkpoint: "8" },
  ]);
});

test("a hook that throws counts as retain", async (t) => {
  const h = await harness(t, [results(fatal(true))], {
    onClientHandlingRequired: () => {
      throw new Error("hook broke");
    },
  });
  h.queue.add();
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    ClientHandlingRequiredError,
  );
  assert.equal((error.cause as Error).message, "hook broke");
  assert.equal(h.queue.completions.length, 0);
});

test("not_attempted at the head: throws, nothing completed", async (t) => {
  const h = await harness(t, [results(notAttempted(), notAttempted())]);
  h.queue.addMany(2);
  await rejection(h.uploader.uploadData(h.queue), UploadRetryableError);
  assert.equal(h.queue.completions.length, 0);
  assert.equal(h.server.requests.length, 1);
});

test("a reply with the wrong number of results completes nothing", async (t) => {
  const h = await harness(t, [results(success("1"), success("2"))]);
  h.queue.addMany(3);
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadProtocolError,
  );
  assert.match(error.message, /2 results for 3 transactions/);
  assert.equal(h.queue.completions.length, 0);
  assert.equal(h.queue.entries.length, 3);
});

test("a 200 whose body does not match the schema completes nothing", async (t) => {
  const h = await harness(t, [{ status: 200, body: { results: "all good" } }]);
  h.queue.add();
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadProtocolError,
  );
  assert.equal(error.status, 200);
  assert.equal(h.queue.completions.length, 0);
});

// --- Whole-request statuses --------------------------------------------------

test("400: rejected with code and violations, nothing completed", async (t) => {
  const h = await harness(t, [
    {
      status: 400,
      body: {
        code: "INVALID_BODY",
        message: "bad",
        violations: [
          {
            path: "/transactions/0/crud",
            keyword: "minItems",
            message: "empty",
          },
        ],
      },
    },
  ]);
  h.queue.addMany(2);
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRejectedError,
  );
  assert.equal(error.status, 400);
  assert.equal(error.code, "INVALID_BODY");
  assert.equal(error.violations.length, 1);
  assert.match(error.message, /\/transactions\/0\/crud: empty/);
  assert.equal(h.queue.completions.length, 0);
  assert.equal(h.server.requests.length, 1);
});

for (const status of [403, 415]) {
  test(`${status}: rejected, nothing completed`, async (t) => {
    const h = await harness(t, [errorReply(status, `E${status}`)]);
    h.queue.add();
    const error = await rejection(
      h.uploader.uploadData(h.queue),
      UploadRejectedError,
    );
    assert.equal(error.status, status);
    assert.equal(error.retryable, false);
    assert.equal(h.queue.completions.length, 0);
  });
}

test("500: retryable, nothing completed", async (t) => {
  const h = await harness(t, [errorReply(500, "INTERNAL")]);
  h.queue.add();
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.equal(error.retryAfterMs, undefined);
  assert.equal(h.queue.completions.length, 0);
});

test("401 then 200: the token is refreshed once and the same batch resent", async (t) => {
  const h = await harness(t, [
    errorReply(401, "UNAUTHENTICATED"),
    allSuccess(),
  ]);
  h.queue.addMany(2);
  await h.uploader.uploadData(h.queue);
  assert.deepEqual(h.tokenCalls, [
    { forceRefresh: false },
    { forceRefresh: true },
  ]);
  const [first, second] = h.server.requests;
  assert.equal(first!.headers.authorization, "Bearer token-1");
  assert.equal(second!.headers.authorization, "Bearer token-2");
  assert.equal(second!.text, first!.text);
  assert.deepEqual(h.queue.entries, []);
});

test("401 twice: the user must sign in again, queue intact", async (t) => {
  const h = await harness(t, [
    errorReply(401, "UNAUTHENTICATED"),
    errorReply(401, "UNAUTHENTICATED"),
  ]);
  h.queue.addMany(2);
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadAuthenticationError,
  );
  assert.match(error.message, /sign in again/);
  assert.equal(h.server.requests.length, 2);
  assert.equal(h.tokenCalls.length, 2);
  assert.equal(h.queue.completions.length, 0);
  assert.equal(h.queue.entries.length, 2);
});

test("a server that never replies: retryable timeout, nothing completed", async (t) => {
  const h = await harness(t, [{ hang: true }], { timeoutMs: 200 });
  h.queue.add();
  const started = performance.now();
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.ok(performance.now() - started >= 195);
  assert.match(error.message, /no reply within 200 ms/);
  assert.equal(h.queue.completions.length, 0);
});

test("a refused connection: retryable, nothing completed", async (t) => {
  const h = await harness(t, []);
  const url = h.server.url;
  await h.server.close();
  const uploader = new PowerSyncWriteUploader({
    baseUrl: url,
    fetchToken: () => "t",
  });
  h.queue.add();
  const error = await rejection(
    uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.match(error.message, /request failed/);
  assert.equal(h.queue.completions.length, 0);
});

test("429 with Retry-After: retryable, and no request before it has passed", async (t) => {
  const h = await harness(
    t,
    [errorReply(429, "RATE_LIMITED", { "retry-after": "30" })],
    { maxRetryWaitMs: 0 },
  );
  h.queue.add();
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.equal(error.retryAfterMs, 30_000);
  const again = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.ok(again.retryAfterMs! > 29_000 && again.retryAfterMs! <= 30_000);
  assert.equal(h.server.requests.length, 1);
  assert.equal(h.queue.completions.length, 0);
});

test("503 with Retry-After: the next call waits that long, then sends", async (t) => {
  const h = await harness(t, [
    errorReply(503, "NOT_READY", { "retry-after": "1" }),
    allSuccess(),
  ]);
  h.queue.add();
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.equal(error.retryAfterMs, 1000);
  await h.uploader.uploadData(h.queue);
  const [first, second] = h.server.requests;
  const waited = second!.receivedAt - first!.receivedAt;
  assert.ok(waited >= 995, `second request after ${waited} ms`);
  assert.deepEqual(h.queue.entries, []);
});

test("503 without Retry-After: retryable, no pause of our own", async (t) => {
  const h = await harness(t, [errorReply(503, "NOT_READY"), allSuccess()]);
  h.queue.add();
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.equal(error.retryAfterMs, undefined);
  await h.uploader.uploadData(h.queue);
  assert.equal(h.server.requests.length, 2);
});

test("a proxy's 502 page is retryable; a 404 page is a protocol error", async (t) => {
  const h = await harness(t, [
    { status: 502, body: "<html>Bad Gateway</html>" },
    { status: 404, body: "Not Found" },
  ]);
  h.queue.add();
  await rejection(h.uploader.uploadData(h.queue), UploadRetryableError);
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadProtocolError,
  );
  assert.equal(error.status, 404);
  assert.match(error.message, /baseUrl/);
  assert.equal(h.queue.completions.length, 0);
});

// --- Replies of other backends (liberal replies) ----------------------------
//
// The public reference backend leaves out fields that this protocol's backends
// always send: retry_after_ms, operation_index, message, the error body's code;
// and it may send details of any JSON type. The uploader must act on each.

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

test("retryable_error without retry_after_ms: the uploader's default of 5000 ms is the pause", async (t) => {
  assert.equal(DEFAULT_RETRY_AFTER_MS, 5000);
  const h = await harness(
    t,
    [results(success("1"), { status: "retryable_error" }, notAttempted())],
    { maxRetryWaitMs: 1000 },
  );
  h.queue.addMany(3);
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.equal(error.retryAfterMs, DEFAULT_RETRY_AFTER_MS);
  assert.match(error.message, /in 5000 ms at the earliest/);
  assert.match(error.message, /gave no retry_after_ms/);
  assert.match(error.message, /gave no reason/);
  assertNoUndefined(error.message);
  assert.deepEqual(h.queue.completions, [
    { upToOpId: 1, transactionId: 1, checkpoint: "1" },
  ]);
  // The pause holds: with maxRetryWaitMs below it, the next call sends nothing.
  const again = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.ok(
    again.retryAfterMs! > 4000 && again.retryAfterMs! <= 5000,
    `remaining pause ${again.retryAfterMs}`,
  );
  assert.match(again.message, /Nothing was sent/);
  assert.equal(h.server.requests.length, 1);
});

test("defaultRetryAfterMs sets that pause; the next call waits it out, then sends", async (t) => {
  const h = await harness(
    t,
    [
      results({ status: "retryable_error", message: "lock timeout" }),
      allSuccess(),
    ],
    { defaultRetryAfterMs: 300 },
  );
  h.queue.add();
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.equal(error.retryAfterMs, 300);
  assert.match(error.message, /now: lock timeout\./);
  await h.uploader.uploadData(h.queue);
  const [first, second] = h.server.requests;
  const waited = second!.receivedAt - first!.receivedAt;
  assert.ok(waited >= 295, `second request after ${waited} ms`);
  assert.deepEqual(h.queue.entries, []);
});

test("an explicit retry_after_ms wins over defaultRetryAfterMs, 0 included", async (t) => {
  const h = await harness(t, [results(retryable(0)), allSuccess()], {
    defaultRetryAfterMs: 60_000,
    maxRetryWaitMs: 0,
  });
  h.queue.add();
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.equal(error.retryAfterMs, 0);
  // No pause: with maxRetryWaitMs 0 any pause would refuse to send.
  await h.uploader.uploadData(h.queue);
  assert.equal(h.server.requests.length, 2);
});

test("fatal_error without operation_index or message, retained: reported for the whole transaction", async (t) => {
  const seen: ClientHandlingFailure[] = [];
  const h = await harness(
    t,
    [
      results(success("1"), {
        status: "fatal_error",
        requires_client_handling: true,
        failed_operation: { error_code: "23514" },
      }),
    ],
    {
      onClientHandlingRequired: async (failure) => {
        seen.push(failure);
        return "retain";
      },
    },
  );
  h.queue.add();
  h.queue.add(3, { table: "lists" });
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    ClientHandlingRequiredError,
  );
  assert.equal(error.operationIndex, undefined);
  assert.equal(error.table, undefined);
  assert.equal(error.errorCode, "23514");
  assert.equal(error.failure.entry, undefined);
  assert.match(
    error.message,
    /refused transaction 2 \(op_id 2\.\.4\) for good with 23514\./,
  );
  assert.doesNotMatch(error.message, /at operation/);
  assertNoUndefined(error.message);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.entry, undefined);
  assert.deepEqual(seen[0]!.failedOperation, { error_code: "23514" });
  assert.deepEqual(h.queue.completions, [
    { upToOpId: 1, transactionId: 1, checkpoint: "1" },
  ]);
  assert.deepEqual(h.queue.remainingTransactions(), [2]);
});

test("fatal_error kept by the backend with only error_code and string details: completed, details passed on", async (t) => {
  const deadLettered: DeadLetteredTransaction[] = [];
  const logger = recordingLogger();
  const details = 'Key (list_id)=(l1) is not present in table "lists".';
  const h = await harness(
    t,
    [
      results(
        {
          status: "fatal_error",
          requires_client_handling: false,
          failed_operation: { error_code: "FOREIGN_KEY_VIOLATION", details },
        },
        success("2"),
      ),
    ],
    { onDeadLettered: (info) => void deadLettered.push(info), logger },
  );
  h.queue.addMany(2);
  await h.uploader.uploadData(h.queue);
  assert.deepEqual(h.queue.completions, [
    { upToOpId: 2, transactionId: 2, checkpoint: "2" },
  ]);
  assert.equal(deadLettered.length, 1);
  assert.equal(deadLettered[0]!.entry, undefined);
  assert.equal(deadLettered[0]!.deadLetterId, undefined);
  assert.equal(deadLettered[0]!.failedOperation.details, details);
  assert.equal(logger.warnings.length, 1);
  assert.match(
    logger.warnings[0]!,
    /refused transaction 1 \(op_id 1\) \(FOREIGN_KEY_VIOLATION\) and kept it as dead letter \(no id\)/,
  );
  assert.doesNotMatch(logger.warnings[0]!, /undefined/);
});

test("details of every JSON type reach the app hook unchanged; the named entry is found", async (t) => {
  const kinds: unknown[] = [42, ["a", { b: 1 }], false, null, { table: "t" }];
  const seen: ClientHandlingFailure[] = [];
  const logger = recordingLogger();
  const h = await harness(
    t,
    [
      results(
        ...kinds.map((details, index) => ({
          status: "fatal_error",
          requires_client_handling: true,
          failed_operation: {
            error_code: `E${index}`,
            details,
            ...(index % 2 === 0 ? { operation_index: 0 } : {}),
          },
        })),
      ),
    ],
    {
      onClientHandlingRequired: async (failure) => {
        seen.push(failure);
        return "discard";
      },
      logger,
    },
  );
  h.queue.addMany(kinds.length);
  await h.uploader.uploadData(h.queue);
  assert.deepEqual(
    seen.map((failure) => failure.failedOperation.details),
    kinds,
  );
  assert.deepEqual(
    seen.map((failure) => failure.entry?.clientId),
    [1, undefined, 3, undefined, 5],
  );
  assert.deepEqual(h.queue.entries, []);
  assert.equal(logger.warnings.length, kinds.length);
  assertNoUndefined(...logger.warnings);
});

test("error bodies of only a message: each status acts as with the full body", async (t) => {
  const only = (status: number, headers?: Record<string, string>) => ({
    status,
    body: { message: `reference ${status}` },
    ...(headers !== undefined ? { headers } : {}),
  });
  for (const status of [400, 403, 415]) {
    const h = await harness(t, [only(status)]);
    h.queue.add();
    const error = await rejection(
      h.uploader.uploadData(h.queue),
      UploadRejectedError,
    );
    assert.equal(error.status, status);
    assert.equal(error.code, undefined);
    assert.match(
      error.message,
      new RegExp(`\\(${status} reference ${status}\\)`),
    );
    assertNoUndefined(error.message);
    assert.equal(h.queue.completions.length, 0);
  }

  const tooLarge = await harness(t, [only(413), allSuccess(), allSuccess()]);
  tooLarge.queue.addMany(2);
  await tooLarge.uploader.uploadData(tooLarge.queue);
  assert.deepEqual(transactionCounts(tooLarge.bodies()), [2, 1, 1]);

  const unauthorized = await harness(t, [only(401), allSuccess()]);
  unauthorized.queue.add();
  await unauthorized.uploader.uploadData(unauthorized.queue);
  assert.deepEqual(
    unauthorized.tokenCalls.map((c) => c.forceRefresh),
    [false, true],
  );

  const limited = await harness(t, [only(429, { "retry-after": "2" })], {
    maxRetryWaitMs: 0,
  });
  limited.queue.add();
  const rate = await rejection(
    limited.uploader.uploadData(limited.queue),
    UploadRetryableError,
  );
  assert.equal(rate.retryAfterMs, 2000);
  assertNoUndefined(rate.message);

  for (const status of [500, 503]) {
    const h = await harness(t, [only(status)]);
    h.queue.add();
    const error = await rejection(
      h.uploader.uploadData(h.queue),
      UploadRetryableError,
    );
    assert.match(error.message, new RegExp(`reference ${status}`));
    assertNoUndefined(error.message);
  }
});

test("error bodies that are not JSON, or JSON of another shape, are acted on by status", async (t) => {
  const page = (status: number, headers?: Record<string, string>) => ({
    status,
    body: `<html><body>${status}</body></html>`,
    ...(headers !== undefined ? { headers } : {}),
  });
  for (const reply of [
    page(400),
    page(403),
    page(415),
    { status: 403, body: { error: "no" } },
  ]) {
    const h = await harness(t, [reply]);
    h.queue.add();
    const error = await rejection(
      h.uploader.uploadData(h.queue),
      UploadRejectedError,
    );
    assert.equal(error.status, reply.status);
    assert.equal(error.code, undefined);
    assert.match(error.message, /not this protocol's error body/);
    assert.ok(error.cause instanceof Error, "the client's error is the cause");
    assertNoUndefined(error.message);
  }

  // 503 from a proxy with Retry-After: the pause is honoured all the same.
  const h = await harness(t, [page(503, { "retry-after": "1" }), allSuccess()]);
  h.queue.add();
  const error = await rejection(
    h.uploader.uploadData(h.queue),
    UploadRetryableError,
  );
  assert.equal(error.retryAfterMs, 1000);
  await h.uploader.uploadData(h.queue);
  const [first, second] = h.server.requests;
  const waited = second!.receivedAt - first!.receivedAt;
  assert.ok(waited >= 995, `second request after ${waited} ms`);

  const unauthorized = await harness(t, [page(401), allSuccess()]);
  unauthorized.queue.add();
  await unauthorized.uploader.uploadData(unauthorized.queue);
  assert.equal(unauthorized.tokenCalls.length, 2);
});

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
