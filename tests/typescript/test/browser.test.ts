/**
 * CORS in a real browser: headless Chromium (Debian's `chromium`, driven with
 * playwright-core) loads a page served from one loopback port, and the page `fetch`es
 * `POST /api/data` on the reference backend, on another port (so another origin), with
 * a bearer token and a JSON body, as a `@powersync/web` app's connector does. The
 * browser, not the test, decides from the backend's CORS headers whether the page may
 * send the upload and read the reply.
 *
 * - A page whose origin `[http.cors] allowed_origins` lists uploads, reads `results`
 *   and a 401's error body; the row is in PostgreSQL.
 * - A page on an origin the list leaves out gets a `TypeError` from `fetch` (the
 *   preflight is refused) and nothing is written, although the backend accepts the
 *   same upload from outside a browser.
 * - With the default (`"*"`), that page uploads too.
 *
 * Needs Chromium (`$CHROMIUM_PATH`, else /usr/bin/chromium; `.ci/run` installs it), PostgreSQL
 * 15's binaries and the built backend; fails, never skips, without them.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";

import { chromium, type Browser } from "playwright-core";
import postgres from "postgres";

import { Backend } from "./support/backend.js";
import { startPostgres, type PostgresCluster } from "./support/postgres.js";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

const USER = "user-browser";

// The backend learns the schema at start, so the table exists before it starts.
const SERVER_SCHEMA = `
CREATE TABLE lists (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  owner_id text NOT NULL
);
`;

/**
 * The app's page: `upload()` is what a browser connector does, with the page's own
 * origin. It returns the reply, or the error `fetch` threw.
 */
const PAGE = `<!doctype html>
<html>
  <head>
    <meta charset="utf-8" />
    <title>upload</title>
    <script>
      window.upload = async (url, token, batch) => {
        try {
          const response = await fetch(url, {
            method: "POST",
            headers: {
              authorization: "Bearer " + token,
              "content-type": "application/json",
            },
            body: JSON.stringify(batch),
          });
          return { status: response.status, body: await response.json() };
        } catch (error) {
          return { error: error.name + ": " + error.message };
        }
      };
    </script>
  </head>
  <body>
    <p>upload page</p>
  </body>
</html>
`;

type UploadOutcome =
  { status: number; body: Record<string, unknown> } | { error: string };

interface PageServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves `PAGE` on a free loopback port: one origin. */
async function servePage(): Promise<PageServer> {
  const server: Server = createServer((request, response) => {
    if (request.method === "GET" && request.url === "/") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(PAGE);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let browser: Browser | undefined;
let cluster: PostgresCluster | undefined;
let sql: postgres.Sql | undefined;
let allowedPage: PageServer | undefined;
let otherPage: PageServer | undefined;
/** Allows only `allowedPage`'s origin. */
let restricted: Backend | undefined;
/** The default `[http.cors]`: every origin. */
let open: Backend | undefined;
/** Dev-mode tokens for USER: each backend has its own signing key. */
let restrictedToken = "";
let openToken = "";

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: the browser test needs Chromium. Install Debian's package ` +
        "(`apt-get install chromium`; `.ci/run` does) or set CHROMIUM_PATH to its path.",
    );
  }
  // As root Chromium runs only without its sandbox; the page is our own.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox"],
  });
  allowedPage = await servePage();
  otherPage = await servePage();
  cluster = await startPostgres();
  const url = await cluster.createDatabase("browser");
  sql = postgres(url, { max: 2, onnotice: () => undefined });
  await sql.unsafe(SERVER_SCHEMA);
  // A list may be written only by the user in its owner_id.
  const policy = {
    POWERSYNC_WRITE__AUTHORIZATION__TABLES__LISTS__OWNER_COLUMN: "owner_id",
  };
  restricted = await Backend.start({
    databaseUrl: url,
    env: {
      ...policy,
      POWERSYNC_WRITE__HTTP__CORS__ALLOWED_ORIGINS: JSON.stringify([
        allowedPage.origin,
      ]),
    },
  });
  open = await Backend.start({ databaseUrl: url, env: policy });
  restrictedToken = await restricted.token(USER);
  openToken = await open.token(USER);
});

after(async () => {
  // Every step runs even if an earlier one fails; the first failure is reported.
  const failures: unknown[] = [];
  for (const step of [
    () => browser?.close(),
    () => allowedPage?.close(),
    () => otherPage?.close(),
    () => sql?.end(),
    () => restricted?.dispose(),
    () => open?.dispose(),
    () => cluster?.stop(),
  ]) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    throw failures[0];
  }
});

function need<T>(value: T | undefined, what: string): T {
  assert.ok(value, `${what} was not set up (see the before hook's error)`);
  return value;
}

function batch(id: string, name: string): Record<string, unknown> {
  return {
    client_id: `browser-${id}`,
    transactions: [
      {
        crud: [
          {
            op: "PUT",
            table: "lists",
            id,
            op_id: 1,
            op_data: { name, owner_id: USER },
          },
        ],
      },
    ],
  };
}

interface Visit {
  outcome: UploadOutcome;
  /** What the page's console said (Chromium reports CORS refusals there). */
  console: string[];
}

/** Opens the page at `page.origin` and uploads from it to `backend` with `bearer`. */
async function uploadFromPage(
  page: PageServer,
  backend: Backend,
  bearer: string,
  body: Record<string, unknown>,
): Promise<Visit> {
  const context = await need(browser, "Chromium").newContext();
  try {
    const tab = await context.newPage();
    const messages: string[] = [];
    tab.on("console", (message) => messages.push(message.text()));
    await tab.goto(`${page.origin}/`);
    const outcome = await tab.evaluate(
      ([url, secret, sent]) =>
        (
          window as unknown as {
            upload: (
              url: string,
              token: string,
              batch: unknown,
            ) => Promise<UploadOutcome>;
          }
        ).upload(url, secret, sent),
      [`${backend.baseUrl}/api/data`, bearer, body] as const,
    );
    return { outcome, console: messages };
  } finally {
    await context.close();
  }
}

async function storedName(id: string): Promise<string | undefined> {
  const rows = await need(sql, "PostgreSQL")<{ name: string }[]>`
    SELECT name FROM lists WHERE id = ${id}::uuid`;
  return rows[0]?.name;
}

function reply(
  outcome: UploadOutcome,
  log: string,
): {
  status: number;
  body: Record<string, unknown>;
} {
  assert.ok(
    "status" in outcome,
    `the page's fetch failed: ${JSON.stringify(outcome)}; backend log:\n${log}`,
  );
  return outcome;
}

test("a page on an allowed origin uploads from the browser and reads the results", async () => {
  const backend = need(restricted, "the restricted backend");
  const page = need(allowedPage, "the allowed page");
  const id = randomUUID();

  const first = reply(
    (
      await uploadFromPage(
        page,
        backend,
        restrictedToken,
        batch(id, "From a browser"),
      )
    ).outcome,
    backend.log(),
  );
  assert.equal(first.status, 200);
  assert.deepEqual(first.body["results"], [{ status: "success" }]);
  assert.equal(await storedName(id), "From a browser");

  // The same upload again, as after a lost reply: the page reads that it is stored.
  const again = reply(
    (
      await uploadFromPage(
        page,
        backend,
        restrictedToken,
        batch(id, "From a browser"),
      )
    ).outcome,
    backend.log(),
  );
  assert.equal(again.status, 200);
  assert.deepEqual(again.body["results"], [
    { status: "success", duplicate: true },
  ]);

  // An error reply is readable too: the page learns why, not just "network error".
  const refused = reply(
    (
      await uploadFromPage(
        page,
        backend,
        `${restrictedToken}x`,
        batch(randomUUID(), "x"),
      )
    ).outcome,
    backend.log(),
  );
  assert.equal(refused.status, 401);
  assert.equal(refused.body["code"], "UNAUTHENTICATED");
});

test("a page on an origin the configuration leaves out is blocked by the browser", async () => {
  const backend = need(restricted, "the restricted backend");
  const page = need(otherPage, "the other page");
  const id = randomUUID();

  const visit = await uploadFromPage(
    page,
    backend,
    restrictedToken,
    batch(id, "Blocked"),
  );
  assert.ok(
    "error" in visit.outcome,
    `the browser let ${page.origin} read the reply: ${JSON.stringify(visit.outcome)}`,
  );
  assert.match(visit.outcome.error, /^TypeError: Failed to fetch/);
  assert.ok(
    visit.console.some(
      (line) =>
        line.includes(`from origin '${page.origin}'`) &&
        line.includes("blocked by CORS policy"),
    ),
    `Chromium did not report a CORS refusal; its console:\n${visit.console.join("\n")}`,
  );
  assert.equal(await storedName(id), undefined, "the upload was applied");

  // The backend itself would have taken it: outside a browser CORS does not apply,
  // so what stopped the page was the browser reading the missing Allow-Origin.
  const direct = await fetch(`${backend.baseUrl}/api/data`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${restrictedToken}`,
      "content-type": "application/json",
      origin: page.origin,
    },
    body: JSON.stringify(batch(id, "Blocked")),
  });
  assert.equal(direct.status, 200);
  assert.equal(direct.headers.get("access-control-allow-origin"), null);
  assert.deepEqual((await direct.json()) as unknown, {
    results: [{ status: "success" }],
  });
  assert.equal(await storedName(id), "Blocked");
});

test("by default a page on any origin uploads from the browser", async () => {
  const backend = need(open, "the default backend");
  const page = need(otherPage, "the other page");
  const id = randomUUID();

  const outcome = reply(
    (await uploadFromPage(page, backend, openToken, batch(id, "Any origin")))
      .outcome,
    backend.log(),
  );
  assert.equal(outcome.status, 200);
  assert.deepEqual(outcome.body["results"], [{ status: "success" }]);
  assert.equal(await storedName(id), "Any origin");
});
