// Unit tests of the Node adapter (`../node.ts`) on real `node:http` servers:
// bodies streamed both ways, 413 on a chunked body with a keep-alive pool,
// lingering before a close, client aborts, fallbacks and what no client may
// break.

import assert from "node:assert/strict";
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
} from "node:http";
import { connect, type AddressInfo } from "node:net";
import { after, describe, test } from "node:test";

import {
  createNodeListener,
  serveNodeRequest,
  type NodeListener,
} from "../node.ts";
import { DRAIN_LIMIT } from "../serve.ts";
import type { PowerSyncWriteApiHandler } from "../server.ts";

const TOKEN = "node-token";
const LIMIT = 1024;

/** What the implementation saw. */
interface Seen {
  uploads: number;
  aborted: boolean[];
}

function implementation(seen: Seen): PowerSyncWriteApiHandler<string> {
  return {
    async authenticate(credentials) {
      return credentials.secret === TOKEN ? "user" : null;
    },
    async uploadData(request) {
      seen.uploads += 1;
      return {
        status: 200,
        body: {
          results: request.body.transactions.map(() => ({
            status: "success" as const,
          })),
        },
      };
    },
    async health() {
      return { status: 200, body: { status: "ok" } };
    },
    // Waits for the client to go away (or 2 s), and notes whether the request's
    // signal said so.
    async ready(context) {
      const signal = context.request.signal;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      seen.aborted.push(signal.aborted);
      return { status: 200, body: { status: "ok" } };
    },
  };
}

const servers: Server[] = [];
after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
});

async function serve(listener: NodeListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function start(
  options: Parameters<typeof createNodeListener>[1] = {},
): Promise<{ base: string; seen: Seen }> {
  const seen: Seen = { uploads: 0, aborted: [] };
  const base = await serve(
    createNodeListener(implementation(seen), { bodyLimit: LIMIT, ...options }),
  );
  return { base, seen };
}

const BATCH = JSON.stringify({
  transactions: [{ crud: [{ op: "PUT", table: "todos", id: "t1" }] }],
});

const UPLOAD_HEADERS = {
  "content-type": "application/json",
  authorization: `Bearer ${TOKEN}`,
};

interface Reply {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
  /** The client port of the connection that carried it. */
  port: number;
}

/**
 * A request through `agent`, its body `size` bytes sent in 8 KiB chunks
 * (chunked: no Content-Length), without waiting for the reply.
 */
function send(
  base: string,
  agent: Agent,
  path: string,
  options: { method?: string; size?: number; headers?: object } = {},
): Promise<Reply> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        agent,
        method: options.method ?? "GET",
        headers: { ...(options.headers ?? {}) },
      },
      (res) => {
        const port = res.socket.localPort ?? 0;
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            port,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    const size = options.size ?? 0;
    void (async () => {
      for (let sent = 0; sent < size && !req.destroyed; sent += 8192) {
        const chunk = Buffer.alloc(Math.min(8192, size - sent), 0x20);
        if (!req.write(chunk)) {
          await new Promise<void>((ok) => {
            const done = () => {
              req.off("drain", done);
              req.off("close", done);
              ok();
            };
            req.on("drain", done);
            req.on("close", done);
          });
        }
      }
      req.end();
    })();
  });
}

describe("the Node adapter", () => {
  test("serves the API: JSON replies with their Content-Length, HEAD, 404", async () => {
    const { base, seen } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const health = await send(base, agent, "/health");
    assert.equal(health.status, 200);
    assert.equal(health.body, '{"status":"ok"}');
    assert.equal(health.headers["content-type"], "application/json");
    assert.equal(health.headers["content-length"], "15");
    const missing = await send(base, agent, "/nowhere");
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body).code, "NOT_FOUND");
    // Kept alive: the same connection served both.
    assert.equal(missing.port, health.port);
    const head = await send(base, agent, "/health", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers["content-type"], "application/json");
    assert.equal(head.body, "");
    const upload = await fetch(`${base}/api/data`, {
      method: "POST",
      headers: UPLOAD_HEADERS,
      body: BATCH,
    });
    assert.equal(upload.status, 200);
    assert.deepEqual(await upload.json(), {
      results: [{ status: "success" }],
    });
    assert.equal(seen.uploads, 1);
    agent.destroy();
  });

  test("answers 413 while a chunked body is still arriving", async () => {
    const { base } = await start();
    const reply = await new Promise<{ status: number; sentBefore: number }>(
      (resolve, reject) => {
        let sent = 0;
        const req = httpRequest(`${base}/api/data`, {
          method: "POST",
          headers: UPLOAD_HEADERS,
        });
        req.on("error", reject);
        req.on("response", (res) => {
          resolve({ status: res.statusCode ?? 0, sentBefore: sent });
          res.resume();
          req.end();
        });
        // Sends 4 KiB, then waits: the reply must come before the body ends.
        req.write(Buffer.alloc(4 * LIMIT, 0x20), () => (sent = 4 * LIMIT));
      },
    );
    assert.equal(reply.status, 413);
    assert.equal(reply.sentBefore, 4 * LIMIT);
  });

  for (const [what, size] of [
    ["within the drain limit", 200 * 1024],
    ["past the drain limit (the connection lingers)", DRAIN_LIMIT + (4 << 20)],
  ] as const) {
    test(`a keep-alive pool survives a 413 on a chunked body ${what}`, async () => {
      const { base, seen } = await start();
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const first = await send(base, agent, "/health");
      const refused = await send(base, agent, "/api/data", {
        method: "POST",
        size,
        headers: UPLOAD_HEADERS,
      });
      assert.equal(refused.status, 413);
      assert.equal(JSON.parse(refused.body).code, "PAYLOAD_TOO_LARGE");
      assert.equal(refused.headers["connection"], "close");
      assert.equal(refused.port, first.port);
      const next = await send(base, agent, "/health");
      assert.equal(next.status, 200);
      assert.notEqual(next.port, refused.port);
      assert.equal(seen.uploads, 0);
      agent.destroy();
      // The same with fetch's own pool, the body a stream.
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= size) return controller.close();
          sent += 8192;
          controller.enqueue(new Uint8Array(8192).fill(0x20));
        },
      });
      const viaFetch = await fetch(`${base}/api/data`, {
        method: "POST",
        headers: UPLOAD_HEADERS,
        body,
        duplex: "half",
      } as RequestInit);
      assert.equal(viaFetch.status, 413);
      assert.equal(viaFetch.headers.get("connection"), "close");
      await viaFetch.arrayBuffer();
      assert.equal((await fetch(`${base}/health`)).status, 200);
    });
  }

  test("a 401 before an unread body keeps the connection", async () => {
    const { base } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const refused = await send(base, agent, "/api/data", {
      method: "POST",
      size: 600,
      headers: { ...UPLOAD_HEADERS, authorization: "Bearer wrong" },
    });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers["connection"], "keep-alive");
    const next = await send(base, agent, "/health");
    assert.equal(next.status, 200);
    assert.equal(next.port, refused.port);
    agent.destroy();
  });

  test("a client that goes away mid-body or mid-call breaks nothing", async () => {
    const errors: unknown[] = [];
    const { base, seen } = await start({ onError: (e) => errors.push(e) });
    const port = Number(new URL(base).port);
    // Half a body, then gone.
    await new Promise<void>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write(
          "POST /api/data HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
            `Authorization: Bearer ${TOKEN}\r\nContent-Length: 500\r\n\r\n{"transactions": [`,
          () => setTimeout(() => socket.destroy(), 50),
        );
      });
      socket.on("close", () => resolve());
    });
    // Gone while the implementation works: its request's signal says so.
    const gone = new AbortController();
    const call = fetch(`${base}/ready`, { signal: gone.signal });
    setTimeout(() => gone.abort(), 100);
    await assert.rejects(call);
    for (let i = 0; i < 50 && seen.aborted.length === 0; i += 1) {
      await new Promise((ok) => setTimeout(ok, 20));
    }
    assert.deepEqual(seen.aborted, [true]);
    assert.equal(seen.uploads, 0);
    assert.deepEqual(errors, []);
    assert.equal((await fetch(`${base}/health`)).status, 200);
  });

  test("requests the Fetch API cannot carry get an answer, not a crash", async () => {
    const { base } = await start();
    const port = Number(new URL(base).port);
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        let reply = "";
        const socket = connect(port, "127.0.0.1", () => socket.write(text));
        socket.setEncoding("latin1");
        socket.on("data", (chunk: string) => {
          reply += chunk;
          if (reply.includes("\r\n\r\n")) socket.end();
        });
        socket.on("close", () => resolve(reply));
      });
    assert.match(
      await raw("TRACE /health HTTP/1.1\r\nHost: x\r\n\r\n"),
      /^HTTP\/1\.1 501 /,
    );
    assert.match(
      await raw("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"),
      /^HTTP\/1\.1 400 /,
    );
    // A Host that would move the path is ignored.
    assert.match(
      await raw("GET /health HTTP/1.1\r\nHost: evil/nowhere?\r\n\r\n"),
      /^HTTP\/1\.1 200 /,
    );
    assert.equal((await fetch(`${base}/health`)).status, 200);
  });

  test("options: fallback for other paths, basePath, CORS", async () => {
    const { base } = await start({
      basePath: "/functions/v1/api",
      cors: { allowedOrigins: ["http://page.test"] },
      fallback: (_request, response) => {
        response.writeHead(418).end("elsewhere");
      },
    });
    const other = await fetch(`${base}/elsewhere`);
    assert.equal(other.status, 418);
    assert.equal(await other.text(), "elsewhere");
    const health = await fetch(`${base}/functions/v1/api/health`, {
      headers: { origin: "http://page.test" },
    });
    assert.equal(health.status, 200);
    assert.equal(
      health.headers.get("access-control-allow-origin"),
      "http://page.test",
    );
    assert.equal(health.headers.get("vary"), "Origin");
    const preflight = await fetch(`${base}/functions/v1/api/api/data`, {
      method: "OPTIONS",
      headers: {
        origin: "http://page.test",
        "access-control-request-method": "POST",
      },
    });
    assert.equal(preflight.status, 200);
    assert.equal(
      preflight.headers.get("access-control-allow-methods"),
      "GET, POST",
    );
  });

  test("a reply streamed in pieces arrives whole, with back-pressure", async () => {
    const piece = new Uint8Array(256 * 1024).fill(0x61);
    const base = await serve((request, response) => {
      void serveNodeRequest(
        async () =>
          new Response(
            new ReadableStream<Uint8Array>({
              start(controller) {
                for (let i = 0; i < 16; i += 1) controller.enqueue(piece);
                controller.close();
              },
            }),
            { headers: { "content-type": "text/plain", "set-cookie": "a=1" } },
          ),
        request,
        response,
      );
    });
    const reply = await fetch(base);
    assert.equal(reply.headers.get("transfer-encoding"), "chunked");
    assert.equal(reply.headers.get("set-cookie"), "a=1");
    assert.equal((await reply.arrayBuffer()).byteLength, 16 * piece.length);
  });

  test("an adapter failure is a 500 reported to onError", async () => {
    const errors: unknown[] = [];
    const base = await serve((request, response) => {
      void serveNodeRequest(
        async () => {
          throw new Error("a bug");
        },
        request,
        response,
        { onError: (error) => errors.push(error) },
      );
    });
    const reply = await fetch(`${base}/health`);
    assert.equal(reply.status, 500);
    assert.equal((await reply.json()).code, "INTERNAL_ERROR");
    assert.equal(errors.length, 1);
  });
});
