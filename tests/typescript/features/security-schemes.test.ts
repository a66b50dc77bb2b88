// OAuth 2.0 and OpenID Connect schemes end to end, on the generated package of the
// `oauth_and_openid` feature fixture: both are bearer tokens, `authenticate` gets
// the scopes the operation requires of each scheme, and an operation accepting two
// bearer schemes tries the second when the first refuses the token.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  createFetchHandler,
  OAuthAndOpenIdClient,
  type Credentials,
  type OAuthAndOpenIdHandler,
} from "../../../generator/tests/fixtures/features/oauth_and_openid/typescript/src/index.js";

/** Accepts the token `good` for the schemes in `accepts`; records every call. */
function gate(accepts: string[]): {
  handler: OAuthAndOpenIdHandler<string>;
  seen: [string, readonly string[]][];
} {
  const seen: [string, readonly string[]][] = [];
  return {
    seen,
    handler: {
      async authenticate(credentials: Credentials) {
        seen.push([credentials.scheme, credentials.scopes]);
        return credentials.secret === "good" &&
          accepts.includes(credentials.scheme)
          ? credentials.scheme
          : null;
      },
      async listItems() {
        return { status: 204 };
      },
      async createItem() {
        return { status: 204 };
      },
      async health() {
        return { status: 204 };
      },
    },
  };
}

async function send(
  handler: OAuthAndOpenIdHandler<string>,
  method: string,
  path: string,
  token?: string,
): Promise<{ status: number; body: any }> {
  const headers = new Headers();
  if (token !== undefined) headers.set("authorization", `Bearer ${token}`);
  const response = await createFetchHandler(handler)(
    new Request(`http://api.test${path}`, { method, headers }),
  );
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? null : JSON.parse(text),
  };
}

describe("oauth2 and openIdConnect schemes", () => {
  test("authenticate gets the scopes the operation requires", async () => {
    const { handler, seen } = gate(["oauth"]);
    assert.equal((await send(handler, "POST", "/items", "good")).status, 204);
    assert.equal((await send(handler, "GET", "/items", "good")).status, 204);
    assert.deepEqual(seen, [
      ["oauth", ["items:write"]],
      ["oauth", ["items:read"]],
    ]);
  });

  test("a token refused by the first scheme is tried with the next", async () => {
    const { handler, seen } = gate(["openId"]);
    assert.equal((await send(handler, "GET", "/items", "good")).status, 204);
    assert.deepEqual(seen, [
      ["oauth", ["items:read"]],
      ["openId", []],
    ]);
  });

  test("a token every scheme refuses is a 401", async () => {
    const { handler, seen } = gate(["oauth", "openId"]);
    const { status, body } = await send(handler, "GET", "/items", "bad");
    assert.equal(status, 401);
    assert.equal(body.message, "the credentials were refused");
    assert.equal(seen.length, 2);
  });

  test("no token is refused without calling authenticate", async () => {
    const { handler, seen } = gate(["oauth"]);
    const { status, body } = await send(handler, "GET", "/items");
    assert.equal(status, 401);
    assert.equal(body.message, "missing or malformed credentials");
    assert.equal((await send(handler, "GET", "/health")).status, 204);
    assert.deepEqual(seen, []);
  });

  test("the client sends one token in one Authorization header", async () => {
    const sent: (string | null)[] = [];
    const client = new OAuthAndOpenIdClient({
      baseUrl: "http://api.test",
      credentials: { oauth: "first", openId: "second" },
      fetch: async (input, init) => {
        const request = new Request(input, init);
        sent.push(request.headers.get("authorization"));
        return new Response(null, { status: 204 });
      },
    });
    assert.deepEqual(await client.listItems(), { status: 204 });
    const onlyOpenId = new OAuthAndOpenIdClient({
      baseUrl: "http://api.test",
      credentials: { openId: "second" },
      fetch: async (input, init) => {
        sent.push(new Request(input, init).headers.get("authorization"));
        return new Response(null, { status: 204 });
      },
    });
    assert.deepEqual(await onlyOpenId.listItems(), { status: 204 });
    assert.deepEqual(sent, ["Bearer first", "Bearer second"]);
  });
});
