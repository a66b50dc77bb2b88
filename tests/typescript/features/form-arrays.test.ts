// Array parameters written as one value, end to end, on the generated package of
// the `form_arrays` feature fixture (built into build/features by
// tsconfig.features.json): in the query `form` with `explode: false`
// (`?ids=1,2,3`) beside the default repeated keys (`?tags=a&tags=b`),
// `spaceDelimited` (`?sizes=1.5%202`) and `pipeDelimited` (`?colors=red|blue`);
// in the path and a header `simple` (`/boards/7,8/cards`, `X-Flags: true,false`).
// The client writes the separators as OpenAPI does; the server splits the
// decoded value, so it also reads `?ids=1%2C2`; an empty value is an empty array.

import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";

import express from "express";

import {
  createFetchHandler,
  FormArraysClient,
  InvalidRequestError,
  type FormArraysHandler,
  type ListCardsRequest,
} from "../../../generator/tests/fixtures/features/form_arrays/typescript/src/index.js";
import { createExpressHandler } from "../../../generator/tests/fixtures/features/form_arrays/typescript/src/express.js";

/** Records every request that reaches the implementation. */
class Recorder implements FormArraysHandler {
  received: ListCardsRequest[] = [];
  async listCards(request: ListCardsRequest) {
    this.received.push(request);
    return { status: 204 as const };
  }
}

const BASE = "http://api.test";

/** A client whose requests go straight to the fetch handler serving `api`. */
function clientOf(api: Recorder): FormArraysClient {
  const handler = createFetchHandler(api);
  return new FormArraysClient({
    baseUrl: BASE,
    fetch: async (input, init) => handler(new Request(input, init)),
  });
}

function request(): ListCardsRequest {
  return {
    path: { board_ids: [7, -8] },
    query: {
      ids: [1, 2, 3],
      // Characters that need escaping in a query string, and an empty item.
      names: ["a b&c=d", "", "é|%2C+"],
      tags: ["x,y", "z"],
      sizes: [1.5, -2, 3e10],
      colors: ["red", "blue"],
      limit: 10,
    },
    headers: { xFlags: [true, false] },
  };
}

describe("the client", () => {
  test("delimited arrays arrive intact", async () => {
    const api = new Recorder();
    const client = clientOf(api);
    const sent = request();
    assert.deepEqual(await client.listCards(sent), { status: 204 });
    const minimal: ListCardsRequest = {
      path: { board_ids: [1] },
      query: { ids: [0] },
    };
    await client.listCards(minimal);
    assert.deepEqual(api.received, [sent, minimal]);
  });

  test("an empty array is sent as an empty value and arrives empty", async () => {
    const api = new Recorder();
    const sent = request();
    sent.query = { ...sent.query, ids: [], names: [], sizes: [], colors: [] };
    sent.headers = { xFlags: [] };
    await clientOf(api).listCards(sent);
    assert.deepEqual(api.received, [sent]);
  });

  test("writes the separators as OpenAPI does", async () => {
    const seen: string[] = [];
    const client = new FormArraysClient({
      baseUrl: BASE,
      fetch: async (input) => {
        seen.push(String(input));
        return new Response(null, { status: 204 });
      },
    });
    await client.listCards(request());
    assert.deepEqual(seen, [
      `${BASE}/boards/7,-8/cards?ids=1,2,3&names=a+b%26c%3Dd,,%C3%A9%7C%252C%2B` +
        "&tags=x%2Cy&tags=z&sizes=1.5%20-2%2030000000000&colors=red|blue&limit=10",
    ]);
  });

  test("refuses an item holding the separator, one empty item, an empty path array", async () => {
    const api = new Recorder();
    const client = clientOf(api);
    const refused = async (change: (r: ListCardsRequest) => void) => {
      const r = request();
      change(r);
      const error: unknown = await client.listCards(r).then(
        () => assert.fail("the request was sent"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof InvalidRequestError, String(error));
      return error.message;
    };
    assert.match(
      await refused((r) => (r.query.names = ["a", "b,c"])),
      /^listCards: .*an item of `names` contains ","/,
    );
    assert.match(
      await refused((r) => (r.query.names = [""])),
      /`names` holds one empty item/,
    );
    assert.match(
      await refused((r) => (r.path.board_ids = [])),
      /path parameter `board_ids` has no items/,
    );
    assert.equal(api.received.length, 0);
  });
});

/** Sends a raw request to one adapter: the status and the JSON body (`null` if none). */
type Send = (
  path: string,
  flags?: string,
) => Promise<{ status: number; body: any }>;

interface Adapter {
  name: string;
  start(api: Recorder): Promise<Send>;
  stop(): Promise<void>;
}

async function read(response: Response) {
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? null : JSON.parse(text),
  };
}

function headersOf(flags: string | undefined): Headers {
  const headers = new Headers();
  if (flags !== undefined) headers.set("x-flags", flags);
  return headers;
}

function fetchAdapter(): Adapter {
  return {
    name: "fetch handler",
    async start(api) {
      const handler = createFetchHandler(api);
      return async (path, flags) =>
        read(
          await handler(
            new Request(`${BASE}${path}`, { headers: headersOf(flags) }),
          ),
        );
    },
    async stop() {},
  };
}

/** A real HTTP server: the request line travels as the client wrote it. */
function expressAdapter(): Adapter {
  const servers: Server[] = [];
  return {
    name: "Express adapter",
    async start(api) {
      const app = express();
      app.use(createExpressHandler(api));
      const server = await new Promise<Server>((ok) => {
        const s = app.listen(0, "127.0.0.1", () => ok(s));
      });
      servers.push(server);
      const port = (server.address() as AddressInfo).port;
      return async (path, flags) =>
        read(
          await fetch(`http://127.0.0.1:${port}${path}`, {
            headers: headersOf(flags),
          }),
        );
    },
    async stop() {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise((ok) => s.close(ok));
      }
    },
  };
}

function paths(body: any): [string, string][] {
  return (body.violations as { path: string; keyword: string }[]).map((v) => [
    v.path,
    v.keyword,
  ]);
}

for (const adapter of [fetchAdapter(), expressAdapter()]) {
  describe(`the server (${adapter.name})`, () => {
    let api: Recorder;
    let send: Send;
    before(async () => {
      api = new Recorder();
      send = await adapter.start(api);
    });
    after(() => adapter.stop());

    /** The one request the implementation received for `path`. */
    async function received(path: string, flags?: string) {
      api.received = [];
      const { status, body } = await send(path, flags);
      assert.equal(status, 204, `${path}: ${JSON.stringify(body)}`);
      assert.equal(api.received.length, 1);
      return api.received[0]!;
    }

    test("reads every spelling of the separators", async () => {
      let got = await received(
        "/boards/1,2/cards?ids=1,2,3&names=a,,b%20c&sizes=1+2.5&colors=red|green&tags=t",
        "true, false",
      );
      assert.deepEqual(got.path, { board_ids: [1, 2] });
      assert.deepEqual(got.query, {
        ids: [1, 2, 3],
        names: ["a", "", "b c"],
        sizes: [1, 2.5],
        colors: ["red", "green"],
        tags: ["t"],
      });
      assert.deepEqual(got.headers, { xFlags: [true, false] });

      // Encoded separators split too (the value is decoded first), and the path's.
      got = await received(
        "/boards/3%2C4/cards?ids=1%2C2&sizes=1%202&colors=blue%7Cred",
      );
      assert.deepEqual(got.path, { board_ids: [3, 4] });
      assert.deepEqual(got.query, {
        ids: [1, 2],
        sizes: [1, 2],
        colors: ["blue", "red"],
      });

      // A repeated key adds its items; without `=` a key has an empty value.
      got = await received("/boards/1/cards?ids=1,2&ids=&ids=3&names");
      assert.deepEqual(got.query, { ids: [1, 2, 3], names: [] });
    });

    test("an empty value is an empty array, a missing one absent", async () => {
      const got = await received("/boards/1/cards?ids=&sizes=&colors=", "");
      assert.deepEqual(got.query, { ids: [], sizes: [], colors: [] });
      assert.deepEqual(got.headers, { xFlags: [] });

      api.received = [];
      const { status, body } = await send("/boards/1/cards?names=a");
      assert.equal(status, 400, JSON.stringify(body));
      assert.deepEqual(paths(body), [["query.ids", "required"]]);
      assert.equal(api.received.length, 0);
    });

    test("an item that does not decode is a 400 naming it", async () => {
      api.received = [];
      let { status, body } = await send("/boards/1/cards?ids=1,x,3,");
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(body.code, "INVALID_REQUEST");
      // The trailing comma leaves an empty last item, which is no integer.
      assert.deepEqual(paths(body), [
        ["query.ids[1]", "type"],
        ["query.ids[3]", "type"],
      ]);
      assert.equal(api.received.length, 0);

      ({ status, body } = await send("/boards/1/cards?ids=1&colors=red|nope"));
      assert.equal(status, 400, JSON.stringify(body));
      assert.deepEqual(paths(body), [["query.colors[1]", "enum"]]);

      // A comma does not separate the items of a `spaceDelimited` array.
      ({ status, body } = await send("/boards/1/cards?ids=1&sizes=1,2"));
      assert.equal(status, 400, JSON.stringify(body));
      assert.deepEqual(paths(body), [["query.sizes[0]", "type"]]);

      ({ status, body } = await send("/boards/1,two/cards?ids=1"));
      assert.equal(status, 400, JSON.stringify(body));
      assert.deepEqual(paths(body), [["path.board_ids[1]", "type"]]);

      ({ status, body } = await send("/boards/1/cards?ids=1", "true,maybe"));
      assert.equal(status, 400, JSON.stringify(body));
      assert.deepEqual(paths(body), [["header.X-Flags[1]", "type"]]);
    });

    test("the client's requests arrive intact", async () => {
      // Over real HTTP for the Express adapter: `|` and `,` travel unencoded.
      const client = new FormArraysClient({
        baseUrl: BASE,
        fetch: async (input, init) => {
          const url = new URL(String(input));
          const response = await send(
            `${url.pathname}${url.search}`,
            new Headers(init?.headers).get("x-flags") ?? undefined,
          );
          return new Response(
            response.body === null ? null : JSON.stringify(response.body),
            { status: response.status },
          );
        },
      });
      api.received = [];
      const sent = request();
      await client.listCards(sent);
      assert.deepEqual(api.received, [sent]);
    });
  });
}
