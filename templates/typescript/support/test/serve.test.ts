// Unit tests of the fetch handler core (`../serve.ts`): routing, base paths,
// credentials over security alternatives, and what an implementation's error
// becomes. The operations are the main spec's, or variations of them written here.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as ops from "../operations.ts";
import {
  DRAIN_LIMIT,
  HttpRejection,
  route,
  serveFetch,
  servesRoute,
  type AuthenticateWith,
  type Credentials,
  type CorsOptions,
  type HandlerOptions,
  type Invoke,
  type Route,
} from "../serve.ts";

/** Every call the table's operations and `authenticate` saw. */
interface Log {
  invoked: { id: string; path?: Record<string, unknown>; principal: unknown }[];
  credentials: Credentials[];
}

type Table = Route<Log, string>[];

function answer(status: number, body?: unknown): Invoke<Log, string> {
  return async (log, request, context) => {
    log.invoked.push({
      id: "op",
      ...(request.path === undefined ? {} : { path: request.path }),
      principal: context.principal,
    });
    return body === undefined ? { status } : { status, body };
  };
}

/** Accepts the tokens `alice` and `bob` (for `bearerAuth` only), naming them. */
const accept: AuthenticateWith<Log, string> = async (log, credentials) => {
  log.credentials.push(credentials);
  return credentials.scheme === "bearerAuth" &&
    ["alice", "bob"].includes(credentials.secret)
    ? credentials.secret
    : null;
};

async function call(
  table: Table,
  request: Request,
  options: HandlerOptions = {},
): Promise<{ status: number; headers: Headers; body: any; log: Log }> {
  const log: Log = { invoked: [], credentials: [] };
  const response = await serveFetch(log, table, accept, options)(request);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? null : JSON.parse(text),
    log,
  };
}

const health = route<Log, string>(ops.operations.health, answer(204));
const item = route<Log, string>(
  { ...ops.operations.health, path: "/lists/{list}/items.{format}" },
  answer(204),
);

describe("serve", () => {
  test("path templates match whole segments and capture parameters", async () => {
    const table = [health, item];
    const found = await call(
      table,
      new Request("http://x/lists/a%20b/items.json"),
    );
    assert.equal(found.status, 204);
    assert.equal(found.log.invoked.length, 1);
    // `.` is literal, not any character.
    assert.equal(
      (await call(table, new Request("http://x/lists/a/itemsXjson"))).status,
      404,
    );
    assert.equal(
      (await call(table, new Request("http://x/lists/a/b/items.json"))).status,
      404,
    );
  });

  test("an unknown path is 404 and another method 405 with Allow", async () => {
    const missing = await call([health], new Request("http://x/nope"));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, "NOT_FOUND");
    const wrong = await call(
      [health],
      new Request("http://x/health", { method: "DELETE" }),
    );
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "GET, HEAD");
    assert.deepEqual(wrong.log.invoked, []);
  });

  test("HEAD on a GET operation is its GET reply without the body", async () => {
    const ok = route<Log, string>(
      ops.operations.health,
      answer(200, { status: "ok" }),
    );
    const get = await call([ok], new Request("http://x/health"));
    assert.deepEqual(get.body, { status: "ok" });
    const head = await call(
      [ok],
      new Request("http://x/health", { method: "HEAD" }),
    );
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-type"), "application/json");
    assert.equal(head.body, null);
    assert.equal(head.log.invoked.length, 1);
  });

  test("a base path is stripped before routing", async () => {
    const options = { basePath: "/functions/v1/upload/" };
    const found = await call(
      [health],
      new Request("http://x/functions/v1/upload/health"),
      options,
    );
    assert.equal(found.status, 204);
    assert.equal(
      servesRoute([health], "/functions/v1/upload/health", options),
      true,
    );
    assert.equal(
      servesRoute([health], "/functions/v1/upload/other", options),
      false,
    );
    // Outside the base (and a longer segment that merely starts like it): 404.
    for (const path of ["/health", "/functions/v1/uploadhealth"]) {
      const outside = await call(
        [health],
        new Request(`http://x${path}`),
        options,
      );
      assert.equal(outside.status, 404, path);
      assert.equal(servesRoute([health], path, options), false, path);
    }
    const root = await call(
      [health],
      new Request("http://x/functions/v1/upload"),
      options,
    );
    assert.equal(root.status, 404);
  });

  test("credentials: each alternative is tried in order, with its scopes", async () => {
    const spec = {
      ...ops.operations.health,
      security: [
        [{ scheme: "bearerAuth", scopes: ["write"] }],
        [{ scheme: "bearerAuth", scopes: [] }],
      ],
    };
    const table = [route<Log, string>(spec, answer(204))];
    const bearer = (token: string) =>
      new Request("http://x/health", {
        headers: { authorization: `Bearer ${token}` },
      });
    const accepted = await call(table, bearer("alice"));
    assert.equal(accepted.status, 204);
    assert.equal(accepted.log.invoked[0]?.principal, "alice");
    assert.deepEqual(
      accepted.log.credentials.map((c) => [c.scheme, c.secret, c.scopes]),
      [["bearerAuth", "alice", ["write"]]],
    );
    const refused = await call(table, bearer("mallory"));
    assert.equal(refused.status, 401);
    assert.equal(refused.body.message, "the credentials were refused");
    assert.equal(refused.log.credentials.length, 2);
    const missing = await call(table, new Request("http://x/health"));
    assert.equal(missing.status, 401);
    assert.equal(missing.body.message, "missing or malformed credentials");
    assert.deepEqual(missing.log.credentials, []);
    // `Basic`, or a bearer without a token, is no bearer credential.
    const basic = await call(
      table,
      new Request("http://x/health", {
        headers: { authorization: "Basic YTpi" },
      }),
    );
    assert.equal(basic.status, 401);
    assert.deepEqual(basic.log.credentials, []);
  });

  test("an empty alternative makes credentials optional", async () => {
    const spec = {
      ...ops.operations.health,
      security: [[{ scheme: "bearerAuth", scopes: [] }], []],
    };
    const open = await call(
      [route<Log, string>(spec, answer(204))],
      new Request("http://x/health"),
    );
    assert.equal(open.status, 204);
    assert.equal(open.log.invoked[0]?.principal, undefined);
  });

  test("a parameter named __proto__ is a property, not the prototype", async () => {
    const seen: unknown[] = [];
    const spec = {
      ...ops.operations.health,
      path: "/things/{id}",
      parameters: [
        {
          name: "__proto__",
          location: "query" as const,
          key: "__proto__",
          required: true,
          schema: { type: "string" as const },
        },
        {
          name: "id",
          location: "path" as const,
          key: "id",
          required: true,
          schema: { type: "string" as const },
        },
      ],
    };
    const keep: Invoke<Log, string> = async (_, request) => {
      seen.push(request.query);
      return { status: 204 };
    };
    const table = [route<Log, string>(spec, keep)];
    const found = await call(
      table,
      new Request("http://x/things/a?__proto__=x"),
    );
    assert.equal(found.status, 204);
    const query = seen[0] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(query), Object.prototype);
    assert.deepEqual(Object.entries(query), [["__proto__", "x"]]);
    // A path that is not valid percent-encoded UTF-8 is the client's error.
    const malformed = await call(
      table,
      new Request("http://x/things/%FF?__proto__=x"),
    );
    assert.equal(malformed.status, 400);
    assert.deepEqual(
      malformed.body.violations.map((v: { path: string }) => v.path),
      ["path.id"],
    );
  });

  test("an HttpRejection thrown by the implementation is its answer", async () => {
    const refuse: Invoke<Log, string> = async () => {
      throw new HttpRejection(403, "FORBIDDEN", "not yours");
    };
    const found = await call(
      [route<Log, string>(ops.operations.health, refuse)],
      new Request("http://x/health"),
    );
    assert.equal(found.status, 403);
    assert.deepEqual(
      [found.body.code, found.body.message],
      ["FORBIDDEN", "not yours"],
    );
  });

  test("any other error is a 500 without details, reported to onError", async () => {
    const crash: Invoke<Log, string> = async () => {
      throw new Error("database password is hunter2");
    };
    const seen: unknown[] = [];
    const found = await call(
      [route<Log, string>(ops.operations.health, crash)],
      new Request("http://x/health"),
      { onError: (error) => seen.push(error) },
    );
    assert.equal(found.status, 500);
    assert.equal(found.body.code, "INTERNAL_ERROR");
    assert.doesNotMatch(JSON.stringify(found.body), /hunter2/);
    assert.equal(seen.length, 1);
  });
});

/** A chunked request body: `chunks` chunks of `size` bytes (endless without a count), counting what was pulled. */
function counted(
  size: number,
  chunks = Infinity,
): {
  stream: ReadableStream<Uint8Array>;
  pulled: () => number;
  cancelled: () => boolean;
} {
  let pulled = 0;
  let sent = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === chunks) {
        controller.close();
        return;
      }
      sent += 1;
      pulled += size;
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

/** A valid upload's body. */
const BATCH = JSON.stringify({
  transactions: [{ crud: [{ op: "PUT", table: "todos", id: "t1" }] }],
});

function post(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request("http://x/api/data", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: "Bearer alice",
      ...headers,
    },
    body,
    duplex: "half",
  } as RequestInit);
}

const upload = route<Log, string>(ops.operations.uploadData, answer(200, {}));

describe("request bodies", () => {
  test("malformed JSON gets one message, whatever the engine says", async () => {
    for (const text of ["{not json", '{"transactions": [', "[1,]", "\u00ff"]) {
      const found = await call([upload], post(text));
      assert.equal(found.status, 400, text);
      assert.deepEqual(found.body, {
        code: "INVALID_REQUEST",
        message: "the body is not valid JSON",
      });
      assert.equal(found.headers.get("connection"), null, text);
    }
  });

  test("a chunked body over the limit is 413 with Connection: close, its rest read and discarded", async () => {
    const body = counted(1000, 50);
    const found = await call([upload], post(body.stream), { bodyLimit: 4000 });
    assert.equal(found.status, 413);
    assert.equal(found.body.code, "PAYLOAD_TOO_LARGE");
    assert.equal(found.headers.get("connection"), "close");
    // Read to its end, so the runtime can close the connection cleanly.
    assert.equal(body.pulled(), 50_000);
    assert.equal(body.cancelled(), false);
    assert.deepEqual(found.log.invoked, []);
  });

  test("an endless body is read no further than the drain limit, then cancelled", async () => {
    const body = counted(64 * 1024);
    const found = await call([upload], post(body.stream), { bodyLimit: 1000 });
    assert.equal(found.status, 413);
    assert.equal(found.headers.get("connection"), "close");
    assert.ok(body.cancelled());
    assert.ok(
      // The chunk over the limit, the drain limit and the chunk past it, and
      // one chunk the stream queued ahead.
      body.pulled() <= DRAIN_LIMIT + 3 * 64 * 1024,
      `${body.pulled()} bytes read`,
    );
  });

  test("a declared length past the drain limit is refused unread", async () => {
    const body = counted(1024);
    const request = post(body.stream, {
      "content-length": String(DRAIN_LIMIT * 2),
    });
    assert.equal(
      request.headers.get("content-length"),
      String(DRAIN_LIMIT * 2),
    );
    const found = await call([upload], request, { bodyLimit: 1000 });
    assert.equal(found.status, 413);
    assert.equal(found.headers.get("connection"), "close");
    assert.ok(body.pulled() <= 2 * 1024, `${body.pulled()} bytes read`);
    assert.ok(body.cancelled());
  });

  test("a reply that did not need the body (401) reads it first and keeps the connection", async () => {
    const body = counted(1000, 10);
    const found = await call(
      [upload],
      post(body.stream, { authorization: "Bearer mallory" }),
    );
    assert.equal(found.status, 401);
    assert.equal(body.pulled(), 10_000);
    assert.equal(found.headers.get("connection"), null);
  });

  test("a body that fails midway is 400 and closes the connection", async () => {
    let sent = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1;
        if (sent > 2) controller.error(new Error("connection reset by peer"));
        else controller.enqueue(new TextEncoder().encode('{"a": '));
      },
    });
    const found = await call([upload], post(failing));
    assert.equal(found.status, 400);
    assert.equal(found.body.code, "INVALID_REQUEST");
    assert.match(found.body.message, /could not be read to its end/);
    assert.doesNotMatch(found.body.message, /reset by peer/);
    assert.equal(found.headers.get("connection"), "close");
  });
});

describe("CORS", () => {
  const table = [health, upload];
  const page = "http://127.0.0.1:5173";
  const preflight = (origin: string, path = "/api/data") =>
    new Request(`http://x${path}`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
  const cors = (options: CorsOptions): HandlerOptions => ({ cors: options });

  test("without the option, there are no CORS headers and no preflights", async () => {
    const found = await call(table, preflight(page));
    assert.equal(found.status, 405);
    assert.equal(found.headers.get("access-control-allow-origin"), null);
    const get = await call(
      table,
      new Request("http://x/health", { headers: { origin: page } }),
    );
    assert.equal(get.headers.get("access-control-allow-origin"), null);
  });

  test('"*": preflights answered, every reply readable by every page', async () => {
    const options = cors({ allowedOrigins: "*" });
    const answered = await call(table, preflight(page), options);
    assert.equal(answered.status, 200);
    assert.equal(answered.body, null);
    const h = answered.headers;
    assert.equal(h.get("access-control-allow-origin"), "*");
    assert.equal(h.get("access-control-allow-methods"), "GET, POST");
    assert.equal(
      h.get("access-control-allow-headers"),
      "authorization, content-type",
    );
    assert.equal(h.get("access-control-max-age"), "3600");
    assert.equal(h.get("access-control-allow-credentials"), null);
    assert.equal(h.get("vary"), null);
    assert.deepEqual(answered.log.invoked, []);
    // Any path, as the reference backend: a preflight is harmless.
    const anywhere = await call(table, preflight(page, "/nowhere"), options);
    assert.equal(anywhere.status, 200);
    // Replies, errors included, carry the origin and expose Retry-After.
    for (const request of [
      post(BATCH),
      post(BATCH, { authorization: "Bearer mallory" }),
      new Request("http://x/nowhere"),
      post(counted(1000, 100).stream),
    ]) {
      request.headers.set("origin", page);
      const found = await call(table, request, { ...options, bodyLimit: 5000 });
      assert.equal(found.headers.get("access-control-allow-origin"), "*");
      assert.equal(
        found.headers.get("access-control-expose-headers"),
        "Retry-After",
      );
      assert.equal(found.headers.get("access-control-allow-credentials"), null);
    }
    // An OPTIONS that is no preflight is an ordinary request.
    const plain = await call(
      table,
      new Request("http://x/api/data", { method: "OPTIONS" }),
      options,
    );
    assert.equal(plain.status, 405);
  });

  test("a list allows those origins and no other, and says Vary: Origin", async () => {
    const options = cors({
      allowedOrigins: ["https://app.example.com", page],
      allowedHeaders: ["Authorization", "content-type", "x-app-version"],
      maxAgeSeconds: 60,
    });
    const allowed = await call(table, preflight(page), options);
    assert.equal(allowed.headers.get("access-control-allow-origin"), page);
    assert.equal(allowed.headers.get("vary"), "Origin");
    assert.equal(
      allowed.headers.get("access-control-allow-headers"),
      "authorization, content-type, x-app-version",
    );
    assert.equal(allowed.headers.get("access-control-max-age"), "60");
    for (const refused of [
      "http://127.0.0.1:5174",
      "https://evil.example",
      "null",
    ]) {
      const found = await call(table, preflight(refused), options);
      assert.equal(found.status, 200, refused);
      assert.equal(found.headers.get("access-control-allow-origin"), null);
      assert.equal(found.headers.get("access-control-allow-methods"), null);
      assert.equal(found.headers.get("vary"), "Origin");
    }
    const request = post(BATCH);
    request.headers.set("origin", page);
    const reply = await call(table, request, options);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get("access-control-allow-origin"), page);
    assert.equal(reply.headers.get("vary"), "Origin");
    const other = post(BATCH);
    other.headers.set("origin", "https://evil.example");
    const refused = await call(table, other, options);
    assert.equal(refused.status, 200);
    assert.equal(refused.headers.get("access-control-allow-origin"), null);
    assert.equal(refused.headers.get("access-control-expose-headers"), null);
    // No origin at all (not a browser): nothing to allow.
    const server = await call(table, post(BATCH), options);
    assert.equal(server.headers.get("access-control-allow-origin"), null);
  });

  test("unusable settings are refused when the handler is made, naming the option", () => {
    const made = (options: CorsOptions) => () =>
      serveFetch({ invoked: [], credentials: [] }, [health], accept, {
        cors: options,
      });
    const cases: [CorsOptions, RegExp][] = [
      [
        { allowedOrigins: ["*", page] },
        /allowedOrigins: "\*" allows every origin/,
      ],
      [{ allowedOrigins: ["null"] }, /allowedOrigins: `null`/],
      [
        { allowedOrigins: ["https://*.example.com"] },
        /patterns are not supported/,
      ],
      [{ allowedOrigins: ["app.example.com"] }, /is not an origin|has no host/],
      [
        { allowedOrigins: ["https://app.example.com/"] },
        /write `https:\/\/app.example.com`/,
      ],
      [
        { allowedOrigins: ["https://app.example.com/x"] },
        /has a path, query or fragment/,
      ],
      [
        { allowedOrigins: ["HTTPS://App.Example.com:443"] },
        /write `https:\/\/app.example.com`/,
      ],
      [
        { allowedOrigins: "*", allowedHeaders: ["*"] },
        /allowedHeaders: "\*" is not supported/,
      ],
      [
        { allowedOrigins: "*", allowedHeaders: ["content-type"] },
        /must list authorization/,
      ],
      [
        {
          allowedOrigins: "*",
          allowedHeaders: ["authorization", "content-type", "a b"],
        },
        /`a b` is not a valid HTTP header name/,
      ],
      [{ allowedOrigins: "*", maxAgeSeconds: 86_401 }, /maxAgeSeconds: 86401/],
      [{ allowedOrigins: "*", maxAgeSeconds: -1 }, /maxAgeSeconds/],
    ];
    for (const [options, message] of cases) {
      assert.throws(made(options), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /^HandlerOptions\.cors\./);
        assert.match(error.message, message);
        return true;
      });
    }
    made({ allowedOrigins: [] })();
    made({ allowedOrigins: ["http://localhost:3000", "https://[::1]:8443"] })();
  });
});
