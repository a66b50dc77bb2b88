/**
 * A server under test as a child process: started on a port, waited for until a
 * readiness path answers 200, its output kept in a log file for failure messages,
 * stopped with SIGTERM. The reference backend (`backend.ts`) and the example backends
 * (`examples.ts`) run this way.
 *
 * A test process that dies without its after-hooks must not leave the server
 * running: it is killed on a normal exit, and a detached watchdog SIGTERMs it once
 * this process is gone (checking the server's environment names its folder, so a
 * recycled pid is never hit) and removes the folder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The variable naming the server's folder in its environment (for the watchdog). */
const MARKER = "POWERSYNC_TEST_SERVER_DIR";

export interface ServerProcessOptions {
  /** What the server is, for messages: `powersync-write-server serve`. */
  name: string;
  program: string;
  /** The command's arguments for a port. */
  args: (port: number) => string[];
  /** The whole environment of the server. */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** The server's folder: logs go there, and the watchdog removes it. */
  dir: string;
  /** The path that answers 200 once the server can take requests. */
  readyPath: string;
  readyTimeoutMs: number;
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

function startWatchdog(pid: number, dir: string): void {
  const quoted = `'${dir.replaceAll("'", "'\\''")}'`;
  const script =
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
    `if tr '\\0' '\\n' < /proc/${pid}/environ 2>/dev/null | grep -qxF -- ${MARKER}=${quoted}; then kill -TERM ${pid}; fi; ` +
    `sleep 1; rm -rf ${quoted}`;
  const watchdog = spawn("setsid", ["sh", "-c", script], {
    detached: true,
    stdio: "ignore",
  });
  // Without a watchdog only the crash-time cleanup is lost; stop() still works.
  watchdog.once("error", () => undefined);
  watchdog.unref();
}

let starts = 0;

export class ServerProcess {
  readonly port: number;
  readonly logPath: string;
  readonly #name: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #exitStatus: string | undefined;
  #stopped = false;
  readonly #killOnExit = (): void => {
    this.#child.kill("SIGKILL");
  };

  private constructor(options: ServerProcessOptions, port: number) {
    starts += 1;
    this.port = port;
    this.#name = options.name;
    this.logPath = join(options.dir, `server-${starts}-port-${port}.log`);
    const fd = openSync(this.logPath, "w");
    const child = spawn(options.program, options.args(port), {
      env: { ...options.env, [MARKER]: options.dir },
      stdio: ["ignore", fd, fd],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    closeSync(fd);
    this.#child = child;
    this.#exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        this.#exitStatus =
          signal === null ? `exit code ${code}` : `signal ${signal}`;
        resolve();
      });
      child.once("error", (error) => {
        this.#exitStatus = `spawn error: ${error.message}`;
        resolve();
      });
    });
    process.once("exit", this.#killOnExit);
    if (child.pid !== undefined) {
      startWatchdog(child.pid, options.dir);
    }
  }

  /**
   * Starts the server on `port` and resolves once `readyPath` answers 200; throws
   * with the server's log if it exits first or is not ready in time (the server is
   * stopped then).
   */
  static async start(
    options: ServerProcessOptions,
    port: number,
  ): Promise<ServerProcess> {
    const server = new ServerProcess(options, port);
    const url = `http://127.0.0.1:${port}${options.readyPath}`;
    const deadline = Date.now() + options.readyTimeoutMs;
    let lastProblem = "no answer yet";
    while (Date.now() < deadline) {
      if (server.#exitStatus !== undefined) {
        server.#forget();
        throw new Error(
          `${options.name} on 127.0.0.1:${port} exited with ${server.#exitStatus} before it was ` +
            `ready; its log (${server.logPath}):\n${server.log()}`,
        );
      }
      try {
        const response = await fetch(url, {
          signal: AbortSignal.timeout(5_000),
        });
        const body = await response.text();
        if (response.status === 200) {
          return server;
        }
        lastProblem = `${options.readyPath} answered ${response.status}: ${body}`;
      } catch (error) {
        lastProblem = `${options.readyPath}: ${error instanceof Error ? error.message : String(error)}`;
      }
      await sleep(100);
    }
    await server.stop().catch(() => undefined);
    throw new Error(
      `${options.name} on 127.0.0.1:${port} was not ready within ${options.readyTimeoutMs} ms ` +
        `(${lastProblem}); its log (${server.logPath}):\n${server.log()}`,
    );
  }

  /** The server's output so far. */
  log(): string {
    try {
      return readFileSync(this.logPath, "utf8");
    } catch {
      return "";
    }
  }

  #forget(): void {
    this.#stopped = true;
    process.removeListener("exit", this.#killOnExit);
  }

  /**
   * SIGTERM and wait for the server to exit. If it has not exited within
   * `timeoutMs` it is killed and this throws: a server that ignores SIGTERM is a bug.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.#stopped) {
      return;
    }
    this.#child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.#exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.#child.kill("SIGKILL");
      await this.#exited;
    }
    this.#forget();
    if (timedOut) {
      throw new Error(
        `${this.#name} on 127.0.0.1:${this.port} did not exit within ${timeoutMs} ms of SIGTERM and ` +
          `was killed; its log:\n${this.log()}`,
      );
    }
  }
}
