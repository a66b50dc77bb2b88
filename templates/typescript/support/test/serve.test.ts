// Unit tests of the fetch handler core (`../serve.ts`): routing, base paths,
// credentials over security alternatives, and what an implementation's error
// becomes. The operations are the main spec's, or variations of them written here.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as ops from "../operations.ts";
import {
  HttpRejection,
  route,
  serveFetch,
  servesRoute,
  type AuthenticateWith,
  type Credentials,
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
