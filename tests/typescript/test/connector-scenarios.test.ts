/**
 * Replays every file of tests/connector-scenarios (the format is that folder's
 * README) against the real `PowerSyncWriteUploader`: a real HTTP server on
 * 127.0.0.1 answers the scripted replies and an in-memory queue with the SDKs'
 * semantics holds the transactions. One test per file, named by it. Every
 * `expect` key is checked, and a key the format does not define fails the
 * scenario, so a typo cannot make a check vanish. The Kotlin connector's tests
 * replay the same files.
 */

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

import {
  ClientHandlingRequiredError,
  PowerSyncWriteUploader,
  UploadAuthenticationError,
  UploadError,
  UploadProtocolError,
  UploadRejectedError,
  UploadRetryableError,
} from "powersync-write-api";
import type {
  ClientHandlingDecision,
  ClientHandlingFailure,
  DeadLetteredTransaction,
  UploadLimits,
  UploadQueue,
  UploaderOptions,
} from "powersync-write-api";

import { FakeQueue } from "./support/fake-queue.js";
import { FakeServer } from "./support/fake-server.js";
import type {
  RecordedRequest,
  Reply,
  ScriptedReply,
} from "./support/fake-server.js";

/** tests/connector-scenarios, found from this file's place in tests/typescript/build/test. */
const SCENARIOS_DIR = fileURLToPath(
  new URL("../../../connector-scenarios/", import.meta.url),
);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

function fail(message: string): never {
  throw new assert.AssertionError({ message });
}

function obj(value: Json | undefined, where: string): Obj {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`${where} must be an object`);
  }
  return value;
}

function arr(value: Json | undefined, where: string): Json[] {
  if (!Array.isArray(value)) fail(`${where} must be an array`);
  return value;
}

function keys(value: Obj, where: string, allowed: string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      fail(`${where} has the key "${key}", which the format does not define`);
    }
  }
}

function str(value: Json | undefined, where: string): string {
  if (typeof value !== "string") fail(`${where} must be a string`);
  return value;
}

function num(value: Json | undefined, where: string): number {
  if (typeof value !== "number") fail(`${where} must be a number`);
  return value;
}

function fillQueue(queue: FakeQueue, transactions: Json[]): void {
  let opId = 0;
  transactions.forEach((value, index) => {
    const where = `queue[${index}]`;
    const transaction = obj(value, where);
    keys(transaction, where, ["transaction_id", "crud"]);
    const transactionId =
      transaction.transaction_id === undefined
        ? undefined
        : num(transaction.transaction_id, `${where}.transaction_id`);
    const crud = arr(transaction.crud, `${where}.crud`);
    if (crud.length === 0) fail(`${where}.crud is empty`);
    if (transactionId === undefined && crud.length !== 1) {
      fail(`${where} has no transaction_id, so it must hold a single entry`);
    }
    crud.forEach((entryValue, i) => {
      const at = `${where}.crud[${i}]`;
      const entry = obj(entryValue, at);
      keys(entry, at, [
        "op",
        "table",
        "id",
        "op_data",
        "previous_values",
        "metadata",
      ]);
      const op = str(entry.op, `${at}.op`);
      if (op !== "PUT" && op !== "PATCH" && op !== "DELETE") {
        fail(`${at}.op: ${op} is not an op of this protocol`);
      }
      opId += 1;
      queue.entries.push({
        clientId: opId,
        op,
        table: str(entry.table, `${at}.table`),
        id: str(entry.id, `${at}.id`),
        transactionId,
        ...(entry.op_data !== undefined
          ? { opData: obj(entry.op_data, `${at}.op_data`) }
          : {}),
        ...(entry.previous_values !== undefined
          ? {
              previousValues: obj(
                entry.previous_values,
                `${at}.previous_values`,
              ),
            }
          : {}),
        ...(entry.metadata !== undefined
          ? { metadata: str(entry.metadata, `${at}.metadata`) }
          : {}),
      });
    });
  });
}

function reply(value: Json, where: string): Reply {
  const given = obj(value, where);
  keys(given, where, [
    "status",
    "body",
    "body_text",
    "content_type",
    "headers",
    "all_success",
    "hang",
    "close",
  ]);
  if (given.hang === true) return { hang: true };
  if (given.close === true) return { close: true };
  const status =
    given.status === undefined ? 200 : num(given.status, `${where}.status`);
  const headers: Record<string, string> = {};
  if (given.headers !== undefined) {
    for (const [name, text] of Object.entries(
      obj(given.headers, `${where}.headers`),
    )) {
      headers[name] = str(text, `${where}.headers.${name}`);
    }
  }
  if (given.all_success !== undefined) {
    const options = obj(given.all_success, `${where}.all_success`);
    keys(options, `${where}.all_success`, ["first_checkpoint"]);
    const first =
      options.first_checkpoint === undefined
        ? undefined
        : num(options.first_checkpoint, `${where}.first_checkpoint`);
    return (request: RecordedRequest): ScriptedReply => {
      const transactions = (request.json as { transactions: unknown[] })
        .transactions;
      return {
        status,
        headers,
        body: {
          results: transactions.map((_, index) => ({
            status: "success",
            ...(first !== undefined
              ? { write_checkpoint: String(first + index) }
              : {}),
          })),
        },
      };
    };
  }
  if (given.body_text !== undefined) {
    return {
      status,
      headers,
      body: str(given.body_text, `${where}.body_text`),
      contentType:
        given.content_type === undefined
          ? "text/html"
          : str(given.content_type, `${where}.content_type`),
    };
  }
  // A JSON body that is itself a string must still go out as JSON.
  const body = given.body === undefined ? {} : given.body;
  return typeof body === "string"
    ? {
        status,
        headers,
        body: JSON.stringify(body),
        contentType: "application/json",
      }
    : { status, headers, body };
}

/** What a hook call is compared as. */
function hookRecord(
  info: ClientHandlingFailure,
  deadLetterId: string | undefined | false,
): Obj {
  const record: Obj = {
    op_ids: info.transaction.crud.map((entry) => entry.clientId),
    error_code: info.failedOperation.error_code,
    operation_index: info.failedOperation.operation_index ?? null,
    entry_op_id: info.entry?.clientId ?? null,
  };
  if (deadLetterId !== false) record.dead_letter_id = deadLetterId ?? null;
  if ("details" in info.failedOperation) {
    record.details = info.failedOperation.details as Json;
  }
  return record;
}

function checkHookCalls(
  expected: Json[],
  actual: Obj[],
  where: string,
  allowed: string[],
): void {
  assert.equal(
    actual.length,
    expected.length,
    `${where}: the hook was called ${actual.length} times, expected ${expected.length}: ${JSON.stringify(actual)}`,
  );
  expected.forEach((value, index) => {
    const want = obj(value, `${where}[${index}]`);
    keys(want, `${where}[${index}]`, allowed);
    const got = actual[index]!;
    for (const [key, wanted] of Object.entries(want)) {
      if (key === "details" && !("details" in got)) {
        fail(`${where}[${index}]: the failure carried no details`);
      }
      assert.deepEqual(
        got[key] ?? null,
        wanted,
        `${where}[${index}].${key}: got ${JSON.stringify(got[key])}`,
      );
    }
  });
}

const ERROR_KINDS: Record<string, abstract new (...args: never[]) => Error> = {
  retryable: UploadRetryableError,
  rejected: UploadRejectedError,
  authentication: UploadAuthenticationError,
  client_handling_required: ClientHandlingRequiredError,
  protocol: UploadProtocolError,
};

function checkError(expected: Json, outcome: unknown, where: string): void {
  if (expected === null) {
    if (outcome !== undefined) {
      fail(`${where}: the call threw ${String(outcome)}, expected no error`);
    }
    return;
  }
  const want = obj(expected, `${where}.error`);
  keys(want, `${where}.error`, [
    "kind",
    "retry_after_ms",
    "status",
    "code",
    "violations",
    "table",
    "operation_index",
    "error_code",
    "message_contains",
  ]);
  const kind = str(want.kind, `${where}.error.kind`);
  const type =
    ERROR_KINDS[kind] ?? fail(`${where}.error.kind: unknown ${kind}`);
  if (!(outcome instanceof type)) {
    fail(`${where}: expected a ${kind} error, got ${String(outcome)}`);
  }
  const error = outcome as UploadError & Record<string, unknown>;
  const field = (key: string, actual: unknown): void => {
    if (want[key] === undefined) return;
    assert.deepEqual(
      actual ?? null,
      want[key],
      `${where}.error.${key}: got ${JSON.stringify(actual)} (${error.message})`,
    );
  };
  if (want.retry_after_ms === "set") {
    assert.equal(
      typeof error.retryAfterMs,
      "number",
      `${where}.error.retry_after_ms: none set (${error.message})`,
    );
  } else {
    field("retry_after_ms", error.retryAfterMs);
  }
  field("status", error.status);
  field("code", error.code);
  if (want.violations !== undefined) {
    field(
      "violations",
      (error.violations as { path: string; keyword: string }[]).map((v) => ({
        path: v.path,
        keyword: v.keyword,
      })),
    );
  }
  field("table", error.table);
  field("operation_index", error.operationIndex);
  field("error_code", error.errorCode);
  for (const text of arr(
    want.message_contains ?? [],
    `${where}.error.message_contains`,
  )) {
    assert.ok(
      error.message.includes(str(text, `${where}.error.message_contains[]`)),
      `${where}: the message does not contain ${JSON.stringify(text)}: ${error.message}`,
    );
  }
  // No message shows a field the backend left out.
  assert.doesNotMatch(error.message, /undefined/, `${where}: ${error.message}`);
}

function opIdsOf(request: RecordedRequest): number[][] {
  const body = request.json as {
    transactions?: { crud: { op_id: number }[] }[];
  };
  return (body.transactions ?? []).map((tx) => tx.crud.map((e) => e.op_id));
}

function checkRequests(
  expected: Json[],
  requests: RecordedRequest[],
  previous: RecordedRequest | undefined,
  previousCallLastReply: number | undefined,
  where: string,
): void {
  assert.equal(
    requests.length,
    expected.length,
    `${where}: ${requests.length} requests, expected ${expected.length}: ${JSON.stringify(requests.map(opIdsOf))}`,
  );
  expected.forEach((value, index) => {
    const at = `${where}.expect.requests[${index}]`;
    const want = obj(value, at);
    keys(want, at, [
      "authorization",
      "op_ids",
      "body",
      "same_body_as_previous",
      "delay_ms_at_least",
    ]);
    const request = requests[index]!;
    if (want.authorization !== undefined) {
      assert.equal(
        request.headers.authorization ?? null,
        want.authorization,
        `${at}.authorization`,
      );
    }
    if (want.op_ids !== undefined) {
      assert.deepEqual(opIdsOf(request), want.op_ids, `${at}.op_ids`);
    }
    if (want.body !== undefined) {
      assert.deepEqual(request.json, want.body, `${at}.body`);
    }
    if (want.same_body_as_previous === true) {
      const before = index > 0 ? requests[index - 1] : previous;
      assert.ok(before !== undefined, `${at}: there is no previous request`);
      assert.equal(request.text, before.text, `${at}.same_body_as_previous`);
    }
    if (want.delay_ms_at_least !== undefined) {
      const least = num(want.delay_ms_at_least, `${at}.delay_ms_at_least`);
      assert.ok(
        previousCallLastReply !== undefined,
        `${at}: no reply of an earlier call to measure from`,
      );
      const waited = request.receivedAt - previousCallLastReply;
      // performance.now() against the uploader's Date.now(): 5 ms of slack.
      assert.ok(
        waited >= least - 5,
        `${at}: sent ${waited.toFixed(1)} ms after the previous call's last reply, expected at least ${least}`,
      );
    }
  });
}

async function runScenario(file: string): Promise<void> {
  const root = obj(
    JSON.parse(readFileSync(join(SCENARIOS_DIR, file), "utf8")) as Json,
    "the scenario",
  );
  keys(root, "the scenario", [
    "description",
    "options",
    "tokens",
    "client_id",
    "queue",
    "hooks",
    "calls",
  ]);
  str(root.description, "description");
  const tokens: (string | null)[] =
    root.tokens === undefined
      ? ["token-1", "token-2", "token-3"]
      : arr(root.tokens, "tokens").map((t) =>
          t === null ? null : str(t, "tokens[]"),
        );
  const clientId =
    root.client_id === undefined
      ? "client-1"
      : root.client_id === null
        ? null
        : str(root.client_id, "client_id");
  // The SDKs' queue semantics; the runner numbers the entries itself.
  const queue = new FakeQueue(clientId ?? "");
  fillQueue(queue, arr(root.queue, "queue"));
  const hooks = root.hooks === undefined ? {} : obj(root.hooks, "hooks");
  keys(hooks, "hooks", ["client_handling", "dead_lettered"]);

  const tokenCalls: boolean[] = [];
  const deadLettered: Obj[] = [];
  const clientHandling: Obj[] = [];
  const answers =
    hooks.client_handling === undefined
      ? undefined
      : arr(hooks.client_handling, "hooks.client_handling").map((a) =>
          str(a, "hooks.client_handling[]"),
        );
  if (hooks.dead_lettered !== undefined && hooks.dead_lettered !== "throw") {
    fail('hooks.dead_lettered must be "throw"');
  }

  const server = await FakeServer.start();
  try {
    const given =
      root.options === undefined ? {} : obj(root.options, "options");
    keys(given, "options", [
      "maxTransactions",
      "maxOperations",
      "maxBytes",
      "maxRetryWaitMs",
      "defaultRetryAfterMs",
      "timeoutMs",
    ]);
    const option = (key: string): number | undefined =>
      given[key] === undefined ? undefined : num(given[key], `options.${key}`);
    const limits: UploadLimits = {
      maxTransactions: option("maxTransactions"),
      maxOperations: option("maxOperations"),
      maxBytes: option("maxBytes"),
    };
    const options: UploaderOptions = {
      baseUrl: server.url,
      fetchToken: ({ forceRefresh }) => {
        tokenCalls.push(forceRefresh);
        if (tokenCalls.length > tokens.length) {
          fail(
            `the token function was called ${tokenCalls.length} times; tokens has ${tokens.length}`,
          );
        }
        return tokens[tokenCalls.length - 1];
      },
      limits,
      timeoutMs: option("timeoutMs"),
      maxRetryWaitMs: option("maxRetryWaitMs"),
      defaultRetryAfterMs: option("defaultRetryAfterMs"),
      onDeadLettered: (info: DeadLetteredTransaction) => {
        deadLettered.push(hookRecord(info, info.deadLetterId));
        if (hooks.dead_lettered === "throw") {
          throw new Error("dead-letter hook broke");
        }
      },
      ...(answers !== undefined
        ? {
            onClientHandlingRequired: async (
              failure: ClientHandlingFailure,
            ): Promise<ClientHandlingDecision> => {
              clientHandling.push(hookRecord(failure, false));
              const answer = answers.shift();
              if (answer === "throw") throw new Error("hook broke");
              if (answer === "retain" || answer === "discard") return answer;
              fail(
                answer === undefined
                  ? "onClientHandlingRequired was called more often than hooks.client_handling has answers"
                  : `unknown client_handling answer ${answer}`,
              );
            },
          }
        : {}),
    };
    const uploader = new PowerSyncWriteUploader(options);
    // A queue without a client id is one whose SDK does not report one.
    const target: UploadQueue =
      clientId === null
        ? {
            getCrudTransactions: () => queue.getCrudTransactions(),
            getNextCrudTransaction: () => queue.getNextCrudTransaction(),
          }
        : queue;

    const calls = arr(root.calls, "calls");
    if (calls.length === 0) fail("calls is empty");
    let requestsBefore = 0;
    let previousCallLastReply: number | undefined;
    for (const [index, callValue] of calls.entries()) {
      const where = `calls[${index}]`;
      const call = obj(callValue, where);
      keys(call, where, ["replies", "expect"]);
      server.push(
        ...arr(call.replies ?? [], `${where}.replies`).map((r, i) =>
          reply(r, `${where}.replies[${i}]`),
        ),
      );
      const expect = obj(call.expect, `${where}.expect`);
      keys(expect, `${where}.expect`, [
        "requests",
        "token_requests",
        "completions",
        "dead_lettered",
        "client_handling",
        "error",
        "remaining_op_ids",
      ]);
      const tokensBefore = tokenCalls.length;
      const completionsBefore = queue.completions.length;
      const deadBefore = deadLettered.length;
      const handlingBefore = clientHandling.length;

      let outcome: unknown;
      try {
        await uploader.uploadData(target);
      } catch (error) {
        if (!(error instanceof UploadError)) throw error;
        outcome = error;
      }

      const requests = server.requests.slice(requestsBefore);
      const previous = server.requests[requestsBefore - 1];
      requestsBefore = server.requests.length;
      assert.equal(
        server.unused,
        0,
        `${where}: scripted replies were not requested`,
      );
      for (const request of requests) {
        assert.equal(request.method, "POST", `${where}: method`);
        assert.equal(request.url, "/api/data", `${where}: path`);
        assert.match(
          String(request.headers["content-type"]),
          /^application\/json/,
          `${where}: content-type`,
        );
      }
      if (expect.requests !== undefined) {
        checkRequests(
          arr(expect.requests, `${where}.expect.requests`),
          requests,
          previous,
          previousCallLastReply,
          where,
        );
      }
      if (expect.token_requests !== undefined) {
        assert.deepEqual(
          tokenCalls.slice(tokensBefore),
          expect.token_requests,
          `${where}: token requests (forceRefresh)`,
        );
      }
      if (expect.completions !== undefined) {
        const wanted = arr(
          expect.completions,
          `${where}.expect.completions`,
        ).map((c, i) => {
          const completion = obj(c, `${where}.expect.completions[${i}]`);
          keys(completion, `${where}.expect.completions[${i}]`, [
            "up_to_op_id",
            "checkpoint",
          ]);
          return {
            up_to_op_id: completion.up_to_op_id,
            checkpoint: completion.checkpoint ?? null,
          };
        });
        assert.deepEqual(
          queue.completions.slice(completionsBefore).map((c) => ({
            up_to_op_id: c.upToOpId,
            checkpoint: c.checkpoint ?? null,
          })),
          wanted,
          `${where}: completions`,
        );
      }
      if (expect.dead_lettered !== undefined) {
        checkHookCalls(
          arr(expect.dead_lettered, `${where}.expect.dead_lettered`),
          deadLettered.slice(deadBefore),
          `${where}.expect.dead_lettered`,
          [
            "op_ids",
            "dead_letter_id",
            "error_code",
            "operation_index",
            "entry_op_id",
            "details",
          ],
        );
      }
      if (expect.client_handling !== undefined) {
        checkHookCalls(
          arr(expect.client_handling, `${where}.expect.client_handling`),
          clientHandling.slice(handlingBefore),
          `${where}.expect.client_handling`,
          ["op_ids", "error_code", "operation_index", "entry_op_id", "details"],
        );
      }
      if ("error" in expect) {
        checkError(expect.error as Json, outcome, where);
      } else if (outcome !== undefined) {
        // An error no scenario asked about is still reported, not swallowed.
        fail(`${where}: the call threw ${String(outcome)}`);
      }
      if (expect.remaining_op_ids !== undefined) {
        assert.deepEqual(
          queue.entries.map((e) => e.clientId),
          expect.remaining_op_ids,
          `${where}: op_ids still queued`,
        );
      }
      previousCallLastReply = server.lastReplyAt;
    }
  } finally {
    await server.close();
  }
}

const files = readdirSync(SCENARIOS_DIR)
  .filter((name) => name.endsWith(".json"))
  .sort();

test("tests/connector-scenarios holds the scenarios", () => {
  assert.ok(files.length >= 30, `only ${files.length} scenario files`);
});

for (const file of files) {
  test(file.replace(/\.json$/, ""), () => runScenario(file));
}
