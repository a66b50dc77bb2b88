// The fetch handler and the Node and Express adapters, each serving the
// in-memory implementation, answer the shared vectors and the HTTP edge cases
// alike.

import assert from "node:assert/strict";
import { Agent, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";

import express from "express";
import {
  createFetchHandler,
  DEFAULT_BODY_LIMIT,
  MAX_VIOLATIONS,
  type HandlerOptions,
} from "powersync-write-api";
import { createExpressHandler } from "powersync-write-api/express";
import { createNodeListener } from "powersync-write-api/node";

import { GOOD_TOKEN, Memory } from "./support/memory.js";
import { loadVectors, multiset, perTransaction } from "./support/vectors.js";

/** Sends a request to one adapter and returns status, headers and JSON body. */
type Send = (
  request: Request,
) => Promise<{ status: number; headers: Headers; body: any }>;

interface Adapter {
  name: string;
  start(memory: Memory, options?: HandlerOptions): Promise<Send>;
  stop(): Promise<void>;
}

async function read(response: Response) {
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? null : JSON.parse(text),
  };
}

function fetchAdapter(): Adapter {
  return {
    name: "fetch handler",
    async start(memory, options) {
      const handler = createFetchHandler(memory, options);
      return async (request) => read(await handler(request));
    },
    async stop() {},
  };
}

/** An adapter on a `node:http` server, the listener `listener` makes. */
function httpAdapter(
  name: string,
  listener: (
    memory: Memory,
    options: HandlerOptions | undefined,
  ) => import("node:http").RequestListener,
): Adapter {
  const servers: import("node:http").Server[] = [];
  return {
    name,
    async start(memory, options) {
      const server = createServer(listener(memory, options));
      await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
      servers.push(server);
      const port = (server.address() as AddressInfo).port;
      return async (request) => {
        const url = new URL(request.url);
        const init: RequestInit = {
          method: request.method,
          headers: request.headers,
        };
        if (request.body !== null) init.body = await request.arrayBuffer();
        return read(
          await fetch(
            `http://127.0.0.1:${port}${url.pathname}${url.search}`,
            init,
          ),
        );
      };
    },
    async stop() {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise((ok) => s.close(ok));
      }
    },
  };
}

function expressAdapter(): Adapter {
  return httpAdapter("Express adapter", (memory, options) => {
    const app = express();
    app.use(createExpressHandler(memory, options));
    app.use((_req, res) => {
      res.status(404).json({ code: "FELL_THROUGH" });
    });
    return app;
  });
}

function nodeAdapter(): Adapter {
  return httpAdapter("Node adapter", (memory, options) =>
    createNodeListener(memory, options),
  );
}

function upload(
  body: string,
  contentType: string | null = "application/json",
  token: string | null = GOOD_TOKEN,
): Request {
  const headers = new Headers();
  if (contentType !== null) headers.set("content-type", contentType);
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  return new Request("http://api.test/api/data", {
    method: "POST",
    headers,
    body,
  });
}

const batch = {
  client_id: "c1",
  transactions: [
    {
      transaction_id: 1,
      crud: [
        {
          op: "PUT",
          table: "todos",
          id: "t1",
          op_id: 1,
          op_data: { title: "milk" },
        },
      ],
    },
  ],
};

for (const adapter of [fetchAdapter(), nodeAdapter(), expressAdapter()]) {
  describe(adapter.name, () => {
    let memory: Memory;
    let send: Send;
    before(async () => {
      memory = new Memory();
      send = await adapter.start(memory, { bodyLimit: 64 * 1024 });
    });
    after(() => adapter.stop());

    test("a valid batch reaches the implementation with its principal", async () => {
      const before = memory.received.length;
      const { status, body } = await send(upload(JSON.stringify(batch)));
      assert.equal(status, 200);
      assert.deepEqual(body.results.length, 1);
      assert.equal(body.results[0].status, "success");
      const got = memory.received[before];
      assert.equal(got?.user, "user-1");
      assert.deepEqual(got?.batch, batch);
    });

    test("every WriteBatch vector gets its verdict: 200 with its invalid transactions, or 400 with the vector's violations", async () => {
      const vectors = loadVectors().filter((v) => v.schema === "WriteBatch");
      assert.ok(vectors.length >= 10, "too few WriteBatch vectors");
      let invalidTransactions = 0;
      for (const vector of vectors) {
        const before = memory.received.length;
        const { status, body } = await send(
          upload(JSON.stringify(vector.value)),
        );
        const invalid = perTransaction(vector.errors);
        if (invalid !== undefined) {
          assert.equal(status, 200, vector.file);
          assert.equal(memory.received.length, before + 1, vector.file);
          const got = memory.received[before]?.checked ?? [];
          const sent = (vector.value as { transactions: unknown[] })
            .transactions;
          assert.equal(got.length, sent.length, vector.file);
          got.forEach((checked, index) => {
            const expected = invalid.get(index);
            const where = `${vector.file} [${index}]`;
            if (expected === undefined) {
              assert.ok(checked.valid, where);
              return;
            }
            invalidTransactions += 1;
            assert.ok(!checked.valid, where);
            assert.deepEqual(
              multiset(checked.violations),
              multiset(expected),
              where,
            );
            assert.equal(checked.violationsOmitted, vector.omitted ?? 0, where);
            assert.deepEqual(checked.value, sent[index], where);
            // The implementation's answer reaches the client.
            assert.equal(body.results[index].status, "fatal_error", where);
          });
        } else {
          assert.equal(status, 400, vector.file);
          assert.equal(body.code, "INVALID_REQUEST", vector.file);
          assert.deepEqual(
            multiset(body.violations),
            multiset(vector.errors),
            vector.file,
          );
          // Absent when nothing was left out, as the spec allows.
          assert.equal(
            body.violations_omitted,
            vector.omitted ?? undefined,
            vector.file,
          );
          assert.equal(memory.received.length, before, vector.file);
        }
      }
      assert.ok(invalidTransactions >= 5, "too few invalid transactions");
    });

    test("malformed JSON is 400 without violations", async () => {
      const { status, body } = await send(upload("{not json"));
      assert.equal(status, 400);
      assert.equal(body.code, "INVALID_REQUEST");
      assert.equal(body.message, "the body is not valid JSON");
    });

    test("a body over the limit is 413", async () => {
      const big = JSON.stringify({
        transactions: [
          {
            crud: [
              {
                op: "PUT",
                table: "t",
                id: "1",
                op_data: { x: "a".repeat(70 * 1024) },
              },
            ],
          },
        ],
      });
      const { status, body } = await send(upload(big));
      assert.equal(status, 413);
      assert.equal(body.code, "PAYLOAD_TOO_LARGE");
    });

    test("a non-JSON content type is 415", async () => {
      const { status, body } = await send(
        upload(JSON.stringify(batch), "text/plain"),
      );
      assert.equal(status, 415);
      assert.equal(body.code, "UNSUPPORTED_MEDIA_TYPE");
      const vendor = await send(
        upload(
          JSON.stringify(batch),
          "application/vnd.app+json; charset=utf-8",
        ),
      );
      assert.equal(vendor.status, 200);
    });

    test("missing, malformed or refused credentials are 401, before the body is read", async () => {
      const before = memory.received.length;
      for (const token of [null, "", "wrong-token"]) {
        const { status, body } = await send(
          upload(JSON.stringify(batch), "application/json", token),
        );
        assert.equal(status, 401, `token ${token}`);
        assert.equal(body.code, "UNAUTHENTICATED");
      }
      const basic = upload("{not json");
      basic.headers.set("authorization", "Basic dXNlcjpwYXNz");
      assert.equal((await send(basic)).status, 401);
      assert.equal(memory.received.length, before);
    });

    test("response headers are written (429 with Retry-After)", async () => {
      const busy = {
        transactions: [{ crud: [{ op: "DELETE", table: "busy", id: "1" }] }],
      };
      const { status, headers, body } = await send(
        upload(JSON.stringify(busy)),
      );
      assert.equal(status, 429);
      assert.equal(body.code, "BUSY");
      assert.equal(headers.get("retry-after"), "7");
    });

    test("a known path with another method is 405 with Allow", async () => {
      const { status, headers, body } = await send(
        new Request("http://api.test/api/data", { method: "GET" }),
      );
      assert.equal(status, 405);
      assert.equal(headers.get("allow"), "POST");
      assert.equal(body.code, "METHOD_NOT_ALLOWED");
    });

    test("unsecured operations need no credentials", async () => {
      const { status, body } = await send(
        new Request("http://api.test/health"),
      );
      assert.equal(status, 200);
      assert.deepEqual(body, { status: "ok" });
    });
  });
}

test("the fetch handler answers 404 for unknown paths and strips basePath", async () => {
  const handler = createFetchHandler(new Memory(), {
    basePath: "/functions/v1/upload",
  });
  const missing = await handler(new Request("http://x/nowhere"));
  assert.equal(missing.status, 404);
  const health = await handler(
    new Request("http://x/functions/v1/upload/health"),
  );
  assert.equal(health.status, 200);
});

// The risk the cap removes: a body at the size limit made of {} entries has
// millions of violations. Listing them all answered 433 MB after 12 s; the reply
// must list the first MAX_VIOLATIONS and count the others.
test("a near-limit transaction of empty entries keeps a bounded report", async () => {
  const memory = new Memory();
  const handler = createFetchHandler(memory);
  // 29 bytes of envelope plus 3 per entry ({} and a comma, one comma less).
  const count = Math.floor((DEFAULT_BODY_LIMIT - 29) / 3);
  const text = `{"transactions":[{"crud":[${"{},".repeat(count - 1)}{}]}]}`;
  const response = await handler(upload(text));
  assert.equal(response.status, 200);
  const checked = memory.received[0]?.checked[0];
  assert.ok(checked !== undefined && !checked.valid);
  assert.equal(checked.violations.length, MAX_VIOLATIONS);
  assert.equal(checked.violations[0]?.path, "$.transactions[0].crud");
  assert.equal(checked.violations[0]?.keyword, "maxItems");
  assert.equal(checked.violations[99]?.path, "$.transactions[0].crud[32].id");
  assert.equal(checked.violationsOmitted, 1 + 3 * count - MAX_VIOLATIONS);
});

test("a near-limit body with a bad envelope gets a small 400", async () => {
  const handler = createFetchHandler(new Memory());
  // As above, with `"client_id":1,` (14 bytes) making the envelope invalid.
  const count = Math.floor((DEFAULT_BODY_LIMIT - 29 - 14) / 3);
  const text = `{"client_id":1,"transactions":[{"crud":[${"{},".repeat(count - 1)}{}]}]}`;
  assert.ok(text.length <= DEFAULT_BODY_LIMIT);
  assert.ok(text.length + 3 > DEFAULT_BODY_LIMIT);
  const started = performance.now();
  const response = await handler(upload(text));
  const reply = await response.text();
  const elapsed = performance.now() - started;
  console.log(
    `# ${count} empty entries: a ${reply.length}-byte 400 reply in ${elapsed.toFixed(0)} ms`,
  );
  assert.equal(response.status, 400);
  assert.ok(reply.length < 16 * 1024, `the reply has ${reply.length} bytes`);
  const body = JSON.parse(reply);
  assert.equal(body.code, "INVALID_REQUEST");
  assert.equal(body.violations.length, MAX_VIOLATIONS);
  assert.equal(body.violations[0].path, "$.client_id");
  assert.deepEqual(body.violations[1], {
    path: "$.transactions[0].crud",
    keyword: "maxItems",
    message: "must have at most 10000 items",
  });
  assert.equal(body.violations[99].path, "$.transactions[0].crud[32].table");
  // client_id, one maxItems violation, and op, table and id of every entry.
  assert.equal(body.violations_omitted, 2 + 3 * count - MAX_VIOLATIONS);
});

test("a few violations are all listed without an omitted count", async () => {
  const handler = createFetchHandler(new Memory());
  const response = await handler(
    upload(JSON.stringify({ client_id: 1, transactions: [{ crud: [{}] }] })),
  );
  assert.equal(response.status, 400);
  const body = await response.json();
  assert.equal(body.violations.length, 4);
  assert.ok(!("violations_omitted" in body), JSON.stringify(body));
});

test("Express passes unknown paths on to the next middleware", async () => {
  const app = express();
  app.use(createExpressHandler(new Memory()));
  app.get("/other", (_req, res) => {
    res.json({ other: true });
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((ok) => server.once("listening", ok));
  try {
    const port = (server.address() as AddressInfo).port;
    const reply = await fetch(`http://127.0.0.1:${port}/other`);
    assert.equal(reply.status, 200);
    assert.deepEqual(await reply.json(), { other: true });
  } finally {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
});

test("Express after express.json() reuses the parsed body", async () => {
  const memory = new Memory();
  const app = express();
  app.use(express.json());
  app.use(createExpressHandler(memory));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((ok) => server.once("listening", ok));
  try {
    const port = (server.address() as AddressInfo).port;
    const reply = await fetch(`http://127.0.0.1:${port}/api/data`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${GOOD_TOKEN}`,
      },
      body: JSON.stringify(batch),
    });
    assert.equal(reply.status, 200);
    assert.deepEqual(memory.received[0]?.batch, batch);
  } finally {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
});

// Express reads the body through the Node adapter: a 413 on a chunked body
// closes the connection, deliberately, and a pooled client goes on.
test("Express: a keep-alive pool survives a 413 on a chunked body", async () => {
  const app = express();
  app.use(createExpressHandler(new Memory(), { bodyLimit: 64 * 1024 }));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((ok) => server.once("listening", ok));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const port = (server.address() as AddressInfo).port;
  const send = (method: string, path: string, size: number) =>
    new Promise<{ status: number; connection?: string; port?: number }>(
      (resolve, reject) => {
        const req = httpRequest(
          {
            host: "127.0.0.1",
            port,
            path,
            method,
            agent,
            headers: {
              "content-type": "application/json",
              authorization: `Bearer ${GOOD_TOKEN}`,
            },
          },
          (res) => {
            const local = res.socket.localPort;
            res.resume();
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                ...(res.headers.connection === undefined
                  ? {}
                  : { connection: res.headers.connection }),
                ...(local === undefined ? {} : { port: local }),
              }),
            );
          },
        );
        req.on("error", reject);
        // Chunked: no Content-Length, 8 KiB at a time.
        for (let sent = 0; sent < size; sent += 8192) {
          req.write(Buffer.alloc(Math.min(8192, size - sent), 0x20));
        }
        req.end();
      },
    );
  try {
    const refused = await send("POST", "/api/data", 200 * 1024);
    assert.equal(refused.status, 413);
    assert.equal(refused.connection, "close");
    const next = await send("GET", "/health", 0);
    assert.equal(next.status, 200);
    assert.notEqual(next.port, refused.port);
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
});
