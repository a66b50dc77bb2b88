// Unit tests of the client transport (`../transport.ts`): the URL and headers a
// request is sent with, the credentials chosen, and how replies are read.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as ops from "../operations.ts";
import {
  InvalidResponseError,
  send,
  UnexpectedResponseError,
  type ClientSettings,
} from "../transport.ts";

/** A fetch that records each request and answers with `reply`. */
function recording(reply: () => Response): {
  fetch: typeof fetch;
  sent: Request[];
} {
  const sent: Request[] = [];
  return {
    sent,
    fetch: async (input, init) => {
      sent.push(new Request(input, init));
      return reply();
    },
  };
}

const ok = () =>
  new Response(JSON.stringify({ status: "ok" }), {
    status: 200,
    headers: { "content-type": "application/json" },
  });

describe("transport", () => {
  test("the base URL's trailing slashes are dropped before the path", async () => {
    const { fetch, sent } = recording(ok);
    await send(
      { baseUrl: "http://api.test/prefix//", fetch },
      ops.operations.health,
      {},
      {},
    );
    assert.equal(sent[0]?.url, "http://api.test/prefix/health");
    assert.equal(sent[0]?.method, "GET");
  });

  test("settings' headers, then the call's, then the credentials", async () => {
    const { fetch, sent } = recording(
      () => new Response(JSON.stringify({ results: [] }), { status: 200 }),
    );
    const settings: ClientSettings = {
      baseUrl: "http://api.test",
      fetch,
      headers: { "x-app": "1", "x-call": "settings" },
      credentials: { bearerAuth: async () => "t0k3n" },
    };
    await send(
      settings,
      ops.operations.uploadData,
      { body: { transactions: [] } },
      { headers: { "x-call": "call" } },
    );
    const request = sent[0];
    assert.equal(request?.headers.get("x-app"), "1");
    assert.equal(request?.headers.get("x-call"), "call");
    assert.equal(request?.headers.get("authorization"), "Bearer t0k3n");
    assert.equal(request?.headers.get("content-type"), "application/json");
    assert.deepEqual(await request?.json(), { transactions: [] });
  });

  test("a missing credential sends no Authorization header", async () => {
    for (const source of [undefined, "", async () => null]) {
      const { fetch, sent } = recording(
        () => new Response(JSON.stringify({ results: [] }), { status: 200 }),
      );
      await send(
        {
          baseUrl: "http://api.test",
          fetch,
          credentials: { bearerAuth: source },
        },
        ops.operations.uploadData,
        { body: { transactions: [] } },
        {},
      );
      assert.equal(sent[0]?.headers.has("authorization"), false);
    }
  });

  test("a declared reply is decoded; an undeclared status is an error", async () => {
    const decoded = await send(
      { baseUrl: "http://api.test", fetch: recording(ok).fetch },
      ops.operations.health,
      {},
      {},
    );
    assert.equal(decoded.status, 200);
    assert.deepEqual(decoded.body, { status: "ok" });
    await assert.rejects(
      send(
        {
          baseUrl: "http://api.test",
          fetch: recording(() => new Response("teapot", { status: 418 })).fetch,
        },
        ops.operations.health,
        {},
        {},
      ),
      (error: unknown) =>
        error instanceof UnexpectedResponseError && error.status === 418,
    );
  });

  test("a declared status whose body is not its schema is an InvalidResponseError", async () => {
    await assert.rejects(
      send(
        {
          baseUrl: "http://api.test",
          fetch: recording(() => new Response("not json", { status: 200 }))
            .fetch,
        },
        ops.operations.health,
        {},
        {},
      ),
      InvalidResponseError,
    );
  });
});
