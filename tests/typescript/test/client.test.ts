// The generated fetch client: typed responses per status, credentials, response
// headers, and errors for replies the spec does not describe.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  createFetchHandler,
  InvalidResponseError,
  PowerSyncWriteApiClient,
  UnexpectedResponseError,
  type WriteBatch,
} from "powersync-write-api";

import { GOOD_TOKEN, Memory } from "./support/memory.js";

const batch: WriteBatch = {
  client_id: "c1",
  transactions: [{ crud: [{ op: "PUT", table: "todos", id: "t1", op_id: 1 }] }],
};

/** A client whose requests are answered by the fetch handler, in process. */
function clientFor(
  memory: Memory,
  token: string | null = GOOD_TOKEN,
): PowerSyncWriteApiClient {
  const handler = createFetchHandler(memory);
  return new PowerSyncWriteApiClient({
    baseUrl: "http://api.test/",
    fetch: async (input, init) => handler(new Request(input, init)),
    credentials: { bearerAuth: async () => token },
  });
}

/** A client whose every request gets `reply`. */
function clientAnswering(reply: () => Response): PowerSyncWriteApiClient {
  return new PowerSyncWriteApiClient({
    baseUrl: "http://api.test",
    fetch: async () => reply(),
    credentials: { bearerAuth: GOOD_TOKEN },
  });
}

test("uploadData sends the batch with the bearer token and narrows on status", async () => {
  const memory = new Memory();
  const response = await clientFor(memory).uploadData({ body: batch });
  assert.equal(response.status, 200);
  if (response.status === 200) {
    assert.equal(response.body.results[0]?.status, "success");
  }
  assert.deepEqual(
    memory.received.map(({ user, batch }) => ({ user, batch })),
    [{ user: "user-1", batch }],
  );
});

test("a refused token comes back as the typed 401", async () => {
  const response = await clientFor(new Memory(), "bad").uploadData({
    body: batch,
  });
  assert.equal(response.status, 401);
  if (response.status === 401)
    assert.equal(response.body.code, "UNAUTHENTICATED");
});

test("Retry-After is read into the typed headers", async () => {
  const busy: WriteBatch = {
    transactions: [{ crud: [{ op: "DELETE", table: "busy", id: "1" }] }],
  };
  const response = await clientFor(new Memory()).uploadData({ body: busy });
  assert.equal(response.status, 429);
  if (response.status === 429) assert.equal(response.headers.retryAfter, 7);
});

test("operations without credentials or body work", async () => {
  const response = await clientFor(new Memory(), null).health();
  assert.deepEqual(response, { status: 200, body: { status: "ok" } });
});

test("a status the spec does not list throws UnexpectedResponseError", async () => {
  const client = clientAnswering(
    () => new Response("<html>bad gateway</html>", { status: 502 }),
  );
  const error = await client.uploadData({ body: batch }).then(
    () => assert.fail("no error"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof UnexpectedResponseError);
  assert.equal(error.status, 502);
  assert.match(error.message, /bad gateway/);
});

test("a reply that breaks the schema throws InvalidResponseError with paths", async () => {
  const client = clientAnswering(() =>
    Response.json({ results: [{ status: "maybe" }] }),
  );
  const error = await client.uploadData({ body: batch }).then(
    () => assert.fail("no error"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof InvalidResponseError);
  assert.deepEqual(
    error.violations.map((v) => `${v.path} ${v.keyword}`),
    ["$.results[0].status discriminator"],
  );
  const notJson = clientAnswering(() => new Response("oops", { status: 200 }));
  await assert.rejects(
    notJson.uploadData({ body: batch }),
    InvalidResponseError,
  );
});

test("an error body the client cannot use keeps the reply's status and headers", async () => {
  const client = clientAnswering(
    () =>
      new Response("<html>busy</html>", {
        status: 503,
        headers: { "retry-after": "12" },
      }),
  );
  const error = await client.uploadData({ body: batch }).then(
    () => assert.fail("no error"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof InvalidResponseError);
  assert.equal(error.status, 503);
  assert.equal(error.headers.get("retry-after"), "12");
  assert.match(error.message, /the body is not JSON: <html>busy/);
});

test("an error body of only a message is a typed reply without code", async () => {
  const client = clientAnswering(() =>
    Response.json({ message: "Invalid body provided" }, { status: 400 }),
  );
  const response = await client.uploadData({ body: batch });
  assert.deepEqual(response, {
    status: 400,
    body: { message: "Invalid body provided" },
  });
});
