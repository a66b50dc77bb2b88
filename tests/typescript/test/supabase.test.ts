/**
 * The Supabase edge function example (`generated/typescript/examples/supabase`), run
 * the way Supabase runs it: laid out as a Supabase project by the README's deploy
 * steps (the package's `src/` vendored in `functions/_shared/`), its migration
 * applied to a throwaway PostgreSQL, then `deno check` and `deno run` of the function
 * with the pinned Deno, `SUPABASE_URL` naming a local server that publishes the
 * signing keys (`/auth/v1/.well-known/jwks.json`) and `SUPABASE_DB_URL` the database.
 *
 * Only the listening address differs from Supabase: Deno's own `DENO_SERVE_ADDRESS`
 * moves `Deno.serve` to a free local port; the function's code runs unchanged.
 * Deno resolves `postgres` and `jose` from the workspace's node_modules
 * (`--node-modules-dir=manual`, `--cached-only`, no lock file, its cache under
 * target/) and downloads nothing. Needs `npm ci` (the pinned Deno) and PostgreSQL 15's
 * binaries; fails, never skips, without them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from "jose";
import postgres from "postgres";
import {
  PowerSyncWriteApiClient,
  type CrudEntry,
  type TransactionResult,
} from "powersync-write-api";
import { createPostgresWriter } from "powersync-write-api/postgres";

import { cleanEnv, repoRoot } from "./support/backend.js";
import {
  freePort,
  startPostgres,
  type PostgresCluster,
} from "./support/postgres.js";
import { ServerProcess } from "./support/server-process.js";

const PACKAGE = "powersync-write-api";
const FUNCTION = "powersync-write";
const ROOT = repoRoot();
const README = join(ROOT, "generated", "typescript", "README.md");

/** The pinned Deno, installed by `npm ci` at the root. */
function denoBinary(): string {
  const path = join(ROOT, "node_modules", "@deno", "linux-x64-glibc", "deno");
  if (!existsSync(path)) {
    throw new Error(
      `${path} does not exist: run \`npm ci\` at the repository root, which installs the ` +
        "pinned Deno (@deno/linux-x64-glibc, an optional dependency for Linux x64 with glibc)",
    );
  }
  return path;
}

/** The fenced blocks of `markdown` with the info string `lang`, in order. */
function blocks(markdown: string, lang: string): string[] {
  const fence = new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g");
  return [...markdown.matchAll(fence)].map((m) => m[1] ?? "");
}

/** The README's Supabase section (up to the next `###` heading). */
function supabaseSection(): string {
  const readme = readFileSync(README, "utf8");
  const start = readme.indexOf("### A Supabase edge function");
  assert.ok(start >= 0, `${README} has no Supabase section`);
  const end = readme.indexOf("\n### ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Runs a command to its end; throws with its output unless it exits 0. */
function run(
  program: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): void {
  const outcome = spawnSync(program, args, {
    ...options,
    encoding: "utf8",
    timeout: 180_000,
  });
  if (outcome.status !== 0) {
    throw new Error(
      `\`${program} ${args.join(" ")}\` in ${options.cwd} failed (${outcome.error?.message ?? `exit code ${outcome.status}, signal ${outcome.signal}`}):\n` +
        `${outcome.stdout}${outcome.stderr}`,
    );
  }
}

/** The Supabase project's key pair and the local server that publishes its JWKS. */
interface Auth {
  server: Server;
  url: string;
  privateKey: CryptoKey;
  otherKey: CryptoKey;
  kid: string;
}

async function startAuth(): Promise<Auth> {
  const kid = randomUUID();
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const other = await generateKeyPair("ES256");
  const jwk: JWK = {
    ...(await exportJWK(publicKey)),
    kid,
    alg: "ES256",
    use: "sig",
  };
  const server = createServer((request, response) => {
    if (request.url === "/auth/v1/.well-known/jwks.json") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ keys: [jwk] }));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return {
    server,
    url: `http://127.0.0.1:${address.port}`,
    privateKey,
    otherKey: other.privateKey,
    kid,
  };
}

interface TokenOptions {
  issuer?: string;
  audience?: string;
  /** Seconds since the epoch. */
  expires?: number;
  key?: CryptoKey;
}

let auth: Auth;
let cluster: PostgresCluster | undefined;
let sql: postgres.Sql;
let fn: ServerProcess | undefined;
let work: string;
let base: string;

/** A token as Supabase Auth issues it to a signed-in user, unless told otherwise. */
function token(sub: string, options: TokenOptions = {}): Promise<string> {
  return new SignJWT({ role: "authenticated" })
    .setProtectedHeader({ alg: "ES256", kid: auth.kid, typ: "JWT" })
    .setSubject(sub)
    .setIssuer(options.issuer ?? `${auth.url}/auth/v1`)
    .setAudience(options.audience ?? "authenticated")
    .setIssuedAt()
    .setExpirationTime(options.expires ?? Math.floor(Date.now() / 1000) + 600)
    .sign(options.key ?? auth.privateKey);
}

let opId = 0;

function entry(
  op: CrudEntry["op"],
  table: string,
  id: string,
  data?: Record<string, unknown>,
): CrudEntry {
  opId += 1;
  return {
    op,
    table,
    id,
    op_id: opId,
    ...(data === undefined ? {} : { op_data: data }),
  };
}

/** Uploads `transactions` as `sub` through the generated client; the 200's results. */
async function upload(
  sub: string,
  transactions: CrudEntry[][],
  clientId = `client-${sub}`,
): Promise<TransactionResult[]> {
  const client = new PowerSyncWriteApiClient({
    baseUrl: `${base}/${FUNCTION}`,
    credentials: { bearerAuth: await token(sub) },
  });
  const response = await client.uploadData({
    body: {
      client_id: clientId,
      transactions: transactions.map((crud) => ({ crud })),
    },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.results;
}

const post = (path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

before(async () => {
  const deno = denoBinary();
  mkdirSync(join(ROOT, "target"), { recursive: true });
  work = mkdtempSync(join(ROOT, "target", "supabase-example-"));
  // The app's repository: `supabase init` made supabase/, and the generated package
  // is beside it, as the README's deploy steps assume.
  const app = join(work, "app");
  mkdirSync(join(app, "supabase"), { recursive: true });
  symlinkSync(join(ROOT, "generated", "typescript"), join(app, PACKAGE), "dir");
  const [steps] = blocks(supabaseSection(), "sh");
  assert.ok(steps, "the README's Supabase section has no deploy steps");
  const local = steps
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("supabase "));
  run("sh", ["-e", "-c", local.join("\n")], { cwd: app, env: process.env });

  cluster = await startPostgres();
  const databaseUrl = await cluster.createDatabase("supabase_example");
  sql = postgres(databaseUrl, { max: 2, onnotice: () => undefined });
  // `supabase db push`: the migrations in order.
  const migrations = join(app, "supabase", "migrations");
  for (const file of readdirSync(migrations).sort()) {
    await sql.unsafe(readFileSync(join(migrations, file), "utf8"));
  }
  // A table of the app that the function's policies do not name.
  await sql`CREATE TABLE public.profiles (id uuid PRIMARY KEY, owner_id uuid)`;

  auth = await startAuth();
  const functionDir = join(app, "supabase", "functions", FUNCTION);
  const denoFlags = ["--node-modules-dir=manual", "--no-lock", "--cached-only"];
  const port = await freePort();
  const env = cleanEnv({
    DENO_DIR: join(ROOT, "target", "deno"),
    // Anything Deno would fetch from a package registry fails at once.
    NPM_CONFIG_REGISTRY: "http://127.0.0.1:9/",
    NO_COLOR: "1",
    // The key set and the database are local: never through a proxy.
    NO_PROXY: "127.0.0.1",
    SUPABASE_URL: auth.url,
    SUPABASE_DB_URL: databaseUrl,
    DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}`,
  });
  run(deno, ["check", ...denoFlags, "index.ts"], { cwd: functionDir, env });
  fn = await ServerProcess.start(
    {
      name: `deno run supabase/functions/${FUNCTION}/index.ts`,
      program: deno,
      args: () => [
        "run",
        ...denoFlags,
        "--allow-net=127.0.0.1",
        "--allow-env",
        "index.ts",
      ],
      env,
      cwd: functionDir,
      dir: work,
      readyPath: `/${FUNCTION}/ready`,
      readyTimeoutMs: 60_000,
    },
    port,
  );
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  await fn?.stop();
  await sql?.end();
  await cluster?.stop();
  await new Promise((resolve) => auth?.server.close(resolve));
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
});

describe("the Supabase edge function example, under Deno", () => {
  test("the README shows the files that run, and the migration has the module's tables", () => {
    const section = supabaseSection();
    const app = join(work, "app", "supabase");
    const files = {
      ts: join(app, "functions", FUNCTION, "index.ts"),
      json: join(app, "functions", FUNCTION, "deno.json"),
      sql: join(app, "migrations", readdirSync(join(app, "migrations"))[0]!),
    };
    for (const [lang, path] of Object.entries(files)) {
      const shown = blocks(section, lang);
      const text = readFileSync(path, "utf8");
      assert.ok(
        shown.some((block) => block.trim() !== "" && text.endsWith(block)),
        `the README's ${lang} block is not ${path}`,
      );
    }
    const writer = createPostgresWriter(sql, { tables: {} });
    assert.ok(
      readFileSync(files.sql, "utf8").includes(writer.migration),
      "the migration does not hold writer.migration's text",
    );
    // The vendored copy is the package's src/, as the deploy steps say.
    const shared = join(app, "functions", "_shared", PACKAGE);
    for (const name of readdirSync(
      join(ROOT, "generated", "typescript", "src"),
    )) {
      assert.equal(
        readFileSync(join(shared, name), "utf8"),
        readFileSync(
          join(ROOT, "generated", "typescript", "src", name),
          "utf8",
        ),
        name,
      );
    }
  });

  test("the deploy steps deploy the function the base path names, after the migrations", () => {
    const [steps] = blocks(supabaseSection(), "sh");
    const commands = steps!
      .split("\n")
      .filter((l) => l.startsWith("supabase "));
    assert.deepEqual(commands, [
      "supabase db push",
      `supabase functions deploy ${FUNCTION} --no-verify-jwt`,
    ]);
    const source = readFileSync(
      join(work, "app", "supabase", "functions", FUNCTION, "index.ts"),
      "utf8",
    );
    assert.ok(source.includes(`basePath: "/${FUNCTION}"`), source);
  });

  test("Supabase's paths are routed: /powersync-write/... only", async () => {
    const health = await fetch(`${base}/${FUNCTION}/health`);
    assert.equal(health.status, 200, await health.text());
    for (const path of [
      `/functions/v1/${FUNCTION}/health`,
      `/${FUNCTION}-other/health`,
      `/${FUNCTION}health`,
      `/${FUNCTION}/api/other`,
      "/health",
      "/api/data",
    ]) {
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 404, `${path}: ${await response.text()}`);
    }
    const unauthenticated = await post(`/${FUNCTION}/api/data`, {}, {});
    assert.equal(unauthenticated.status, 401);
  });

  test("a CORS preflight is answered, and replies let a browser read them", async () => {
    const origin = "https://app.example.com";
    const preflight = await fetch(`${base}/${FUNCTION}/api/data`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    await preflight.arrayBuffer();
    assert.equal(preflight.status, 200);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
    assert.equal(preflight.headers.get("access-control-max-age"), "3600");
    assert.match(
      preflight.headers.get("access-control-allow-methods") ?? "",
      /POST/,
    );
    const allowHeaders = (
      preflight.headers.get("access-control-allow-headers") ?? ""
    ).toLowerCase();
    assert.match(allowHeaders, /authorization/);
    assert.match(allowHeaders, /content-type/);
    assert.equal(
      preflight.headers.get("access-control-allow-credentials"),
      null,
    );

    const reply = await post(
      `/${FUNCTION}/api/data`,
      { transactions: [{ crud: [entry("PUT", "lists", randomUUID(), {})] }] },
      { origin },
    );
    assert.equal(reply.status, 401);
    assert.equal(reply.headers.get("access-control-allow-origin"), "*");
    assert.match(
      (reply.headers.get("access-control-expose-headers") ?? "").toLowerCase(),
      /retry-after/,
    );
  });

  test("tokens of another issuer or audience, expired or signed with another key get 401", async () => {
    const user = randomUUID();
    const list = randomUUID();
    const batch = {
      client_id: "client-bad-tokens",
      transactions: [
        { crud: [entry("PUT", "lists", list, { owner_id: user, name: "x" })] },
      ],
    };
    const bad = {
      issuer: await token(user, {
        issuer: "https://other.supabase.co/auth/v1",
      }),
      audience: await token(user, { audience: "anon" }),
      expired: await token(user, {
        expires: Math.floor(Date.now() / 1000) - 120,
      }),
      key: await token(user, { key: auth.otherKey }),
      garbage: "not-a-jwt",
    };
    for (const [why, bearer] of Object.entries(bad)) {
      const response = await post(`/${FUNCTION}/api/data`, batch, {
        authorization: `Bearer ${bearer}`,
      });
      const body = (await response.json()) as { code?: string };
      assert.equal(response.status, 401, `${why}: ${JSON.stringify(body)}`);
    }
    const rows = await sql`select 1 from lists where id = ${list}`;
    assert.equal(rows.length, 0, "nothing was applied");
    // The same batch with a good token is applied.
    const good = await post(`/${FUNCTION}/api/data`, batch, {
      authorization: `Bearer ${await token(user)}`,
    });
    assert.equal(good.status, 200, await good.text());
    assert.equal((await sql`select 1 from lists where id = ${list}`).length, 1);
  });

  test("values are stored by their column types, by PUT and PATCH", async () => {
    const user = randomUUID();
    const list = randomUUID();
    const [put, patched] = [randomUUID(), randomUUID()];
    const results = await upload(user, [
      [
        entry("PUT", "lists", list, { owner_id: user, name: "Groceries" }),
        entry("PUT", "todos", put, {
          list_id: list,
          owner_id: user,
          description: "milk",
          completed: 1,
          completed_at: "2026-05-01T10:00:00.000Z",
          priority: 3,
          // JSON arrives as text from the device's SQLite.
          details: '{"tags":["dairy"]}',
        }),
        entry("PUT", "todos", patched, {
          list_id: list,
          owner_id: user,
          description: "bread",
          completed: 0,
          priority: "2",
        }),
      ],
      [entry("PATCH", "todos", patched, { completed: 1 })],
      // An empty PATCH is valid in the protocol and changes nothing.
      [entry("PATCH", "todos", patched, {})],
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["success", "success", "success"],
      JSON.stringify(results),
    );
    const rows = await sql<
      {
        id: string;
        completed: boolean;
        completed_at: Date | null;
        priority: number;
        details: unknown;
      }[]
    >`select id, completed, completed_at, priority, details from todos where list_id = ${list}`;
    const byId = new Map(rows.map((row) => [row.id, row]));
    assert.equal(byId.get(put)?.completed, true);
    assert.equal(
      byId.get(put)?.completed_at?.toISOString(),
      "2026-05-01T10:00:00.000Z",
    );
    assert.equal(byId.get(put)?.priority, 3);
    assert.deepEqual(byId.get(put)?.details, { tags: ["dairy"] });
    assert.equal(byId.get(patched)?.completed, true, "PATCH completed: 1");
    assert.equal(byId.get(patched)?.priority, 2);
  });

  test("a user cannot write another user's rows or take them over", async () => {
    const [alice, mallory] = [randomUUID(), randomUUID()];
    const list = randomUUID();
    const created = await upload(alice, [
      [entry("PUT", "lists", list, { owner_id: alice, name: "Alice's" })],
    ]);
    assert.equal(created[0]?.status, "success", JSON.stringify(created));
    const attempts: CrudEntry[][] = [
      // A row for someone else.
      [
        entry("PUT", "lists", randomUUID(), {
          owner_id: alice,
          name: "forged",
        }),
      ],
      // Alice's row, as Mallory's: an upsert by id must not take it over.
      [entry("PUT", "lists", list, { owner_id: mallory, name: "mine now" })],
      // Alice's row changed, or moved to Mallory.
      [entry("PATCH", "lists", list, { name: "renamed" })],
      [entry("PATCH", "lists", list, { owner_id: mallory })],
      [entry("DELETE", "lists", list)],
      // A table of the app that no policy names (made by this test).
      [entry("PUT", "profiles", mallory, { owner_id: mallory })],
    ];
    for (const attempt of attempts) {
      const [result] = await upload(mallory, [attempt]);
      assert.equal(result?.status, "fatal_error", JSON.stringify(attempt));
      assert.equal(
        result.status === "fatal_error"
          ? result.failed_operation.error_code
          : "",
        "UNAUTHORIZED",
        JSON.stringify({ attempt, result }),
      );
    }
    // The module's own tables are not tables a client writes to.
    const [ledger] = await upload(mallory, [
      [
        entry("PUT", "powersync_write_ledger", randomUUID(), {
          subject: alice,
          client_id: "forged",
          last_op_id: 0,
        }),
      ],
    ]);
    assert.notEqual(ledger?.status, "success", JSON.stringify(ledger));
    assert.equal(
      (
        await sql`select 1 from powersync_write_ledger where client_id = 'forged'`
      ).length,
      0,
    );
    assert.equal(
      (await sql`select 1 from profiles`).length,
      0,
      "profiles: nothing written",
    );
    const rows = await sql`select owner_id, name from lists where id = ${list}`;
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [{ owner_id: alice, name: "Alice's" }],
    );
    assert.equal(
      (
        await sql`select 1 from lists where owner_id = ${mallory} or name = 'forged'`
      ).length,
      0,
    );
  });

  test("a transaction that can never succeed is kept as a jsonb dead letter", async () => {
    const user = randomUUID();
    const todo = randomUUID();
    // op_ids grow in queue order: the orphan is written first.
    const orphan = [
      entry("PUT", "todos", todo, {
        list_id: randomUUID(), // no such list
        owner_id: user,
        description: "orphan",
      }),
    ];
    const after = randomUUID();
    const next = [
      entry("PUT", "lists", after, { owner_id: user, name: "after" }),
    ];
    const results = await upload(user, [orphan, next]);
    const [dead, stopped] = results;
    assert.equal(dead?.status, "fatal_error", JSON.stringify(results));
    assert.equal(dead.requires_client_handling, false);
    assert.equal(dead.failed_operation.error_code, "FOREIGN_KEY_VIOLATION");
    assert.ok(dead.dead_letter_id, JSON.stringify(dead));
    assert.equal(stopped?.status, "not_attempted", JSON.stringify(results));
    // The device completes the dead-lettered transaction and sends the next one.
    const [applied] = await upload(user, [next]);
    assert.equal(applied?.status, "success", "the queue moves on");
    assert.equal(
      (await sql`select 1 from lists where id = ${after}`).length,
      1,
    );
    assert.equal((await sql`select 1 from todos where id = ${todo}`).length, 0);
    const letters = await sql.unsafe(DEAD_LETTER_QUERY, [dead.dead_letter_id]);
    assert.equal(letters.length, 1, "the dead letter is stored");
    assert.equal(letters[0]?.["kind"], "object", "stored as a jsonb object");
  });

  test("a replayed transaction is answered duplicate and not applied twice", async () => {
    const user = randomUUID();
    const list = randomUUID();
    const clientId = `client-${randomUUID()}`;
    const first = [
      entry("PUT", "lists", list, { owner_id: user, name: "first" }),
    ];
    const second = [entry("PATCH", "lists", list, { name: "second" })];
    const applied = await upload(user, [first, second], clientId);
    assert.deepEqual(
      applied.map((r) => r.status),
      ["success", "success"],
    );
    // The reply was lost: the device sends the same transactions again.
    const replayed = await upload(user, [first, second], clientId);
    for (const result of replayed) {
      assert.equal(result.status, "success", JSON.stringify(replayed));
      assert.equal(result.status === "success" && result.duplicate, true);
    }
    const rows = await sql`select name from lists where id = ${list}`;
    assert.deepEqual(
      rows.map((r) => r["name"]),
      ["second"],
    );
  });

  // Last: it stops the database.
  test("while the database is down, /ready is 503 and uploads are retryable", async () => {
    await sql.end();
    await cluster!.stop();
    const client = new PowerSyncWriteApiClient({
      baseUrl: `${base}/${FUNCTION}`,
    });
    const ready = await client.ready();
    assert.equal(ready.status, 503, JSON.stringify(ready.body));
    const user = randomUUID();
    const results = await upload(user, [
      [entry("PUT", "lists", randomUUID(), { owner_id: user, name: "a" })],
      [entry("PUT", "lists", randomUUID(), { owner_id: user, name: "b" })],
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["retryable_error", "not_attempted"],
      JSON.stringify(results),
    );
    const health = await client.health();
    assert.equal(health.status, 200, "the function itself is alive");
  });
});
/** A dead letter's `transaction`'s JSON type, by its id. */
const DEAD_LETTER_QUERY =
  'SELECT jsonb_typeof("transaction") AS kind FROM powersync_write_dead_letters WHERE id = $1::uuid';
