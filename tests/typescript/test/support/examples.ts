/**
 * The example backends of the generated Python and Go packages, started as child
 * processes from the copies under `generated/` (what the packages' READMEs show):
 *
 * - `python`: `generated/python/examples/fastapi_psycopg.py` (FastAPI, psycopg 3),
 *   with the generated package (`generated/python/src`) on `PYTHONPATH`, served by
 *   uvicorn from the project's virtualenv (`.venv/` at the repository root,
 *   made by `cargo xtask test`'s Python install step; `$POWERSYNC_PYTHON` names
 *   another interpreter);
 * - `go`: `generated/go/examples/pgx` (net/http, pgx), built here with `go build`.
 *
 * Both read `DATABASE_URL`, `JWT_SECRET` and `WRITE_TABLES`; `token` signs an HS256
 * JWT with the secret, as the app's auth service would. A missing interpreter,
 * package or Go toolchain fails with what to run, never a skip.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { SignJWT } from "jose";

import { cleanEnv, repoRoot } from "./backend.js";
import { freePort } from "./postgres.js";
import { ServerProcess } from "./server-process.js";

export type ExampleKind = "python" | "go";

export const EXAMPLES: readonly ExampleKind[] = ["python", "go"];

/** The examples' own tables (created by them at start). */
export const EXAMPLE_DEAD_LETTERS = "write_dead_letters";
export const EXAMPLE_LEDGER = "write_ledger";

/** Where the examples are, relative to the repository root. */
export const PYTHON_EXAMPLE_DIR = join("generated", "python", "examples");
export const PYTHON_EXAMPLE_MODULE = "fastapi_psycopg";
/** Where the generated package's import root is (the example imports it). */
export const PYTHON_PACKAGE_DIR = join("generated", "python", "src");
export const GO_EXAMPLE_DIR = join("generated", "go", "examples", "pgx");

export interface ExampleOptions {
  databaseUrl: string;
  /** `WRITE_TABLES`: the tables clients may write. */
  tables: readonly string[];
  /** How long `start()` waits for `/ready`; default 60 s. */
  readyTimeoutMs?: number;
}

/** The project virtualenv's Python, or `$POWERSYNC_PYTHON`. */
export function pythonInterpreter(): string {
  const path =
    process.env["POWERSYNC_PYTHON"] ??
    join(repoRoot(), ".venv", "bin", "python");
  if (!existsSync(path)) {
    throw new Error(
      `the Python interpreter ${path} does not exist: create the project's virtualenv with ` +
        '`cargo xtask test --only "python: install"` at the repository root, or set ' +
        "POWERSYNC_PYTHON to a Python 3.11+ that has the example's pinned packages",
    );
  }
  return path;
}

/** Builds the Go example into `dir` with the machine's Go; returns the binary. */
export function buildGoExample(dir: string): string {
  const source = join(repoRoot(), GO_EXAMPLE_DIR);
  const binary = join(dir, "pgx-backend");
  const built = spawnSync("go", ["build", "-o", binary, "."], {
    cwd: source,
    encoding: "utf8",
  });
  if (built.error !== undefined) {
    throw new Error(
      `cannot run \`go build\` in ${source} (${built.error.message}): the Go example needs ` +
        "Go 1.25 or newer on PATH",
    );
  }
  if (built.status !== 0) {
    throw new Error(
      `\`go build\` of the Go example in ${source} failed (exit code ${built.status}):\n${built.stdout}${built.stderr}`,
    );
  }
  return binary;
}

export class ExampleBackend {
  readonly kind: ExampleKind;
  /** Holds the logs (and the Go binary); removed by `dispose`. */
  readonly dir: string;
  /** The HS256 secret the backend verifies tokens with. */
  readonly secret: string;
  #server: ServerProcess | undefined;

  private constructor(kind: ExampleKind) {
    this.kind = kind;
    this.dir = mkdtempSync(join(tmpdir(), `powersync-example-${kind}-`));
    this.secret = `test-secret-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  }

  /** Starts the example, resolved once `/ready` answers 200. */
  static async start(
    kind: ExampleKind,
    options: ExampleOptions,
  ): Promise<ExampleBackend> {
    const example = new ExampleBackend(kind);
    try {
      await example.#start(options);
    } catch (error) {
      await example.dispose();
      throw error;
    }
    return example;
  }

  async #start(options: ExampleOptions): Promise<void> {
    const root = repoRoot();
    const env = cleanEnv({
      DATABASE_URL: options.databaseUrl,
      JWT_SECRET: this.secret,
      WRITE_TABLES: options.tables.join(","),
    });
    const common = {
      env,
      dir: this.dir,
      readyPath: "/ready",
      readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    };
    const spec =
      this.kind === "python"
        ? {
            ...common,
            name: `the Python example (${PYTHON_EXAMPLE_DIR}/${PYTHON_EXAMPLE_MODULE}.py)`,
            program: pythonInterpreter(),
            env: { ...env, PYTHONPATH: join(root, PYTHON_PACKAGE_DIR) },
            args: (port: number) => [
              "-m",
              "uvicorn",
              `${PYTHON_EXAMPLE_MODULE}:app`,
              "--app-dir",
              join(root, PYTHON_EXAMPLE_DIR),
              "--host",
              "127.0.0.1",
              "--port",
              String(port),
              "--log-level",
              "warning",
            ],
          }
        : {
            ...common,
            name: `the Go example (${GO_EXAMPLE_DIR})`,
            program: buildGoExample(this.dir),
            args: () => [],
          };
    let lastError: Error | undefined;
    // Another process can take a free port before the server binds it: try a few.
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      try {
        this.#server = await ServerProcess.start(
          {
            ...spec,
            env: { ...spec.env, LISTEN_ADDR: `127.0.0.1:${port}` },
          },
          port,
        );
        return;
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
      }
    }
    throw lastError ?? new Error(`the ${this.kind} example did not start`);
  }

  get baseUrl(): string {
    if (this.#server === undefined) {
      throw new Error(`the ${this.kind} example is not running`);
    }
    return `http://127.0.0.1:${this.#server.port}`;
  }

  log(): string {
    return this.#server?.log() ?? "";
  }

  /** A token for `sub`, valid for an hour, signed with the backend's secret. */
  async token(sub: string, secret = this.secret): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(secret));
  }

  /** Stops the server and removes the folder. */
  async dispose(): Promise<void> {
    try {
      await this.#server?.stop();
    } finally {
      this.#server = undefined;
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
