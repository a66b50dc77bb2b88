/**
 * The reference backend (`powersync-write-server`, built from `runtime/`) as a child
 * process of the test, the way `runtime/tests/cli_support/mod.rs` runs it.
 *
 * The binary is `$POWERSYNC_WRITE_SERVER`, else `<repo>/target/debug/powersync-write-server`.
 * Its environment is the test's minus every `POWERSYNC_WRITE*` variable (the binary reads
 * its configuration from `POWERSYNC_WRITE__SECTION__KEY`, so a developer's shell must not
 * change what the test runs), plus what the caller passes. It serves in dev-auth mode
 * (no [auth] configured) with `--migrate`, so `token` mints tokens it accepts.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { freePort } from "./postgres.js";
import { ServerProcess } from "./server-process.js";

/** The repository root: the nearest folder above this module holding `runtime/` and `Cargo.toml`. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (
      existsSync(join(dir, "Cargo.toml")) &&
      existsSync(join(dir, "runtime"))
    ) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `cannot find the repository root (a folder with Cargo.toml and runtime/) above ${fileURLToPath(import.meta.url)}`,
      );
    }
    dir = parent;
  }
}

export function backendBinary(): string {
  const path =
    process.env["POWERSYNC_WRITE_SERVER"] ??
    join(repoRoot(), "target", "debug", "powersync-write-server");
  if (!existsSync(path)) {
    throw new Error(
      `the reference backend binary ${path} does not exist: build it with ` +
        "`cargo build -p powersync-write-server` at the repository root, or set POWERSYNC_WRITE_SERVER " +
        "to its path",
    );
  }
  return path;
}

/** The test's environment without the backend's own configuration variables. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("POWERSYNC_WRITE")) {
      env[name] = value;
    }
  }
  return { ...env, ...extra };
}

export interface BackendOptions {
  /** `postgres://...` or `sqlite://...`. */
  databaseUrl: string;
  /** Extra environment, e.g. `{ POWERSYNC_WRITE__ENGINE__BATCH_POLICY: "skip" }`. */
  env?: Record<string, string>;
  /** How long `start()` waits for `/ready`; default 60 s. */
  readyTimeoutMs?: number;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class Backend {
  /** Data folder: the dev-mode signing key and the server logs (`server-N-port-P.log`). */
  readonly dataDir: string;
  readonly binary: string;
  readonly #options: BackendOptions;
  #port: number | undefined;
  #server: ServerProcess | undefined;
  #lastServer: ServerProcess | undefined;

  private constructor(options: BackendOptions) {
    this.binary = backendBinary();
    this.#options = options;
    this.dataDir = mkdtempSync(join(tmpdir(), "powersync-write-e2e-"));
  }

  /** Creates a data folder and starts `serve`, resolved once `/ready` answers 200. */
  static async start(options: BackendOptions): Promise<Backend> {
    const backend = new Backend(options);
    try {
      await backend.start();
    } catch (error) {
      await backend.dispose();
      throw error;
    }
    return backend;
  }

  get port(): number {
    if (this.#port === undefined) {
      throw new Error(
        "the backend has not been started yet: call Backend.start()",
      );
    }
    return this.#port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#server !== undefined;
  }

  /** The current (or last) server run's log. */
  log(): string {
    return this.#lastServer?.log() ?? "";
  }

  /**
   * Starts `serve`; again on the same port and data folder after `stop()`. The first
   * start picks a free port (another process can take it before the server binds it,
   * so a few ports are tried).
   */
  async start(): Promise<void> {
    if (this.#server !== undefined) {
      throw new Error(
        `the backend is already running on ${this.baseUrl}: stop() it first`,
      );
    }
    const attempts = this.#port === undefined ? 3 : 1;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const port = this.#port ?? (await freePort());
      try {
        this.#server = await ServerProcess.start(
          {
            name: "powersync-write-server serve",
            program: this.binary,
            args: (port) => [
              "serve",
              "--data-dir",
              this.dataDir,
              "--database-url",
              this.#options.databaseUrl,
              "--listen",
              `127.0.0.1:${port}`,
              "--migrate",
            ],
            env: cleanEnv(this.#options.env ?? {}),
            dir: this.dataDir,
            readyPath: "/ready",
            readyTimeoutMs: this.#options.readyTimeoutMs ?? 60_000,
          },
          port,
        );
        this.#lastServer = this.#server;
        this.#port = port;
        return;
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
      }
    }
    throw lastError ?? new Error("the backend did not start");
  }

  /**
   * SIGTERM and wait for the server to exit (it finishes in-flight batches first). If it
   * has not exited within `timeoutMs` it is killed and this throws: a server that
   * ignores SIGTERM is a bug.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await server?.stop(timeoutMs);
  }

  /** Stops the server (killing it if need be) and removes the data folder. */
  async dispose(): Promise<void> {
    try {
      await this.stop();
    } finally {
      rmSync(this.dataDir, { recursive: true, force: true });
    }
  }

  /**
   * Runs another subcommand of the binary with this backend's data folder and database,
   * e.g. `["dead-letters", "list"]`.
   */
  async cli(args: string[]): Promise<CliResult> {
    const child = spawn(
      this.binary,
      [
        ...args,
        "--data-dir",
        this.dataDir,
        "--database-url",
        this.#options.databaseUrl,
      ],
      {
        env: cleanEnv(this.#options.env ?? {}),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout
      .setEncoding("utf8")
      .on("data", (chunk: string) => (stdout += chunk));
    child.stderr
      .setEncoding("utf8")
      .on("data", (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", (error) =>
        reject(
          new Error(
            `cannot run ${this.binary} ${args.join(" ")}: ${error.message}`,
          ),
        ),
      );
      child.once("close", (exitCode) => resolve(exitCode));
    });
    return { code, stdout, stderr };
  }

  /** Like `cli`, but throws unless the command succeeds; returns its stdout. */
  async cliOk(args: string[]): Promise<string> {
    const result = await this.cli(args);
    if (result.code !== 0) {
      throw new Error(
        `powersync-write-server ${args.join(" ")} failed (exit code ${result.code}):\n${result.stdout}${result.stderr}`,
      );
    }
    return result.stdout;
  }

  /** A dev-mode token for `sub`, signed with the key under the data folder. */
  async token(sub: string): Promise<string> {
    const token = (await this.cliOk(["token", "--sub", sub])).trim();
    if (token.split(".").length !== 3) {
      throw new Error(
        `powersync-write-server token --sub ${sub} printed ${JSON.stringify(token)}, not a JWT`,
      );
    }
    return token;
  }
}
