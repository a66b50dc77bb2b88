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
import { spawn, type ChildProcess } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { freePort } from "./postgres.js";

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
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("POWERSYNC_WRITE")) {
      env[name] = value;
    }
  }
  return { ...env, ...extra };
}

/**
 * Once this process is gone, SIGTERMs the server `pid` if it is still running and
 * removes the data folder: a test killed with SIGKILL runs no hooks. The server's
 * command line must still name `dataDir`, so a recycled pid is never hit.
 */
function startWatchdog(pid: number, dataDir: string): void {
  const quoted = `'${dataDir.replaceAll("'", "'\\''")}'`;
  const script =
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
    `if tr '\\0' ' ' < /proc/${pid}/cmdline 2>/dev/null | grep -qF -- ${quoted}; then kill -TERM ${pid}; fi; ` +
    `sleep 1; rm -rf ${quoted}`;
  const watchdog = spawn("setsid", ["sh", "-c", script], {
    detached: true,
    stdio: "ignore",
  });
  // Without a watchdog only the crash-time cleanup is lost; stop() still works.
  watchdog.once("error", () => undefined);
  watchdog.unref();
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

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export class Backend {
  /** Data folder: the dev-mode signing key and the server logs (`serve-N.log`). */
  readonly dataDir: string;
  readonly binary: string;
  readonly #options: BackendOptions;
  #port: number | undefined;
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;
  #logPath: string | undefined;
  #starts = 0;
  readonly #killOnExit = (): void => {
    this.#child?.kill("SIGKILL");
  };

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
    return this.#child !== undefined;
  }

  /** The current (or last) server run's log. */
  log(): string {
    if (this.#logPath === undefined) {
      return "";
    }
    try {
      return readFileSync(this.#logPath, "utf8");
    } catch {
      return "";
    }
  }

  /**
   * Starts `serve`; again on the same port and data folder after `stop()`. The first
   * start picks a free port (another process can take it before the server binds it,
   * so a few ports are tried).
   */
  async start(): Promise<void> {
    if (this.#child !== undefined) {
      throw new Error(
        `the backend is already running on ${this.baseUrl}: stop() it first`,
      );
    }
    const attempts = this.#port === undefined ? 3 : 1;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const port = this.#port ?? (await freePort());
      try {
        await this.#spawnServe(port);
        this.#port = port;
        return;
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
      }
    }
    throw lastError ?? new Error("the backend did not start");
  }

  async #spawnServe(port: number): Promise<void> {
    this.#starts += 1;
    const logPath = join(
      this.dataDir,
      `serve-${this.#starts}-port-${port}.log`,
    );
    this.#logPath = logPath;
    const fd = openSync(logPath, "w");
    const child = spawn(
      this.binary,
      [
        "serve",
        "--data-dir",
        this.dataDir,
        "--database-url",
        this.#options.databaseUrl,
        "--listen",
        `127.0.0.1:${port}`,
        "--migrate",
      ],
      { env: cleanEnv(this.#options.env ?? {}), stdio: ["ignore", fd, fd] },
    );
    closeSync(fd);
    let exitStatus: string | undefined;
    const exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        exitStatus = signal === null ? `exit code ${code}` : `signal ${signal}`;
        resolve();
      });
      child.once("error", (error) => {
        exitStatus = `spawn error: ${error.message}`;
        resolve();
      });
    });
    this.#child = child;
    this.#exited = exited;
    // A test process that dies without its after-hooks must not leave the server
    // running: kill it on a normal exit, and from a watchdog if this process is killed.
    process.once("exit", this.#killOnExit);
    if (child.pid !== undefined) {
      startWatchdog(child.pid, this.dataDir);
    }

    const deadline = Date.now() + (this.#options.readyTimeoutMs ?? 60_000);
    let lastProblem = "no answer yet";
    while (Date.now() < deadline) {
      if (exitStatus !== undefined) {
        this.#forget();
        throw new Error(
          `powersync-write-server serve on 127.0.0.1:${port} exited with ${exitStatus} before ` +
            `it was ready; its log (${logPath}):\n${this.log()}`,
        );
      }
      try {
        const response = await fetch(`http://127.0.0.1:${port}/ready`, {
          signal: AbortSignal.timeout(5_000),
        });
        const body = await response.text();
        if (response.status === 200) {
          return;
        }
        lastProblem = `/ready answered ${response.status}: ${body}`;
      } catch (error) {
        lastProblem = `/ready: ${error instanceof Error ? error.message : String(error)}`;
      }
      await sleep(100);
    }
    await this.stop().catch(() => undefined);
    throw new Error(
      `powersync-write-server serve on 127.0.0.1:${port} was not ready within ` +
        `${this.#options.readyTimeoutMs ?? 60_000} ms (${lastProblem}); its log (${logPath}):\n${this.log()}`,
    );
  }

  #forget(): void {
    process.removeListener("exit", this.#killOnExit);
    this.#child = undefined;
    this.#exited = undefined;
  }

  /**
   * SIGTERM and wait for the server to exit (it finishes in-flight batches first). If it
   * has not exited within `timeoutMs` it is killed and this throws: a server that
   * ignores SIGTERM is a bug.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    const child = this.#child;
    const exited = this.#exited;
    if (child === undefined || exited === undefined) {
      return;
    }
    child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      child.kill("SIGKILL");
      await exited;
    }
    this.#forget();
    if (timedOut) {
      throw new Error(
        `powersync-write-server on ${this.baseUrl} did not exit within ${timeoutMs} ms of SIGTERM and was ` +
          `killed; its log:\n${this.log()}`,
      );
    }
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
