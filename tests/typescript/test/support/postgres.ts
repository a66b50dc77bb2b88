/**
 * A throwaway PostgreSQL cluster for tests: the same one the Rust tests use, started by
 * the `throwaway-server` binary (`tests/servers`), which prints one JSON line describing
 * the running server and stops it (removing its folder) when its stdin closes. So the
 * server also stops when this process dies without calling `stop()`.
 *
 * The binary is `$THROWAWAY_SERVER` (set by `cargo xtask test`), else
 * `$CARGO_TARGET_DIR/debug/throwaway-server`, else `<repo>/target/debug/throwaway-server`.
 * It finds PostgreSQL 15's binaries in `$PG_BIN`, else `/usr/lib/postgresql/15/bin`;
 * missing ones fail with how to install them (never a skip).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";

import postgres from "postgres";

import { repoRoot } from "./backend.js";

export interface PostgresCluster {
  readonly port: number;
  /**
   * PgBouncer's port in front of the cluster (`pool_mode = transaction`), when started
   * with `{ pooler: true }`.
   */
  readonly poolerPort: number | undefined;
  /** The temporary folder: `data/` (the cluster), `log`, the socket. */
  readonly dir: string;
  /** Connection URL of `database` as the superuser `postgres`. */
  url(database?: string): string;
  /** Creates a new, empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** The URL of `database` through PgBouncer; throws without `{ pooler: true }`. */
  poolerUrl(database: string): string;
  /** The server's log so far (for failure messages). */
  log(): string;
  /** Stops the server (fast shutdown) and removes the folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** What `throwaway-server` prints once the server answers. */
interface Description {
  server: string;
  host: string;
  port: number;
  user: string;
  url: string;
  dir: string;
  log: string;
  pooler_port?: number;
}

export function throwawayServerBinary(): string {
  const path =
    process.env["THROWAWAY_SERVER"] ??
    join(
      process.env["CARGO_TARGET_DIR"] ?? join(repoRoot(), "target"),
      "debug",
      "throwaway-server",
    );
  if (!existsSync(path)) {
    throw new Error(
      `the throwaway-server binary ${path} does not exist: build it with ` +
        "`cargo build -p throwaway-servers --bin throwaway-server` at the repository root, or set " +
        "THROWAWAY_SERVER to its path",
    );
  }
  return path;
}

export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") {
          resolve(address.port);
        } else {
          reject(
            new Error(
              `no free port: the listener has address ${String(address)}`,
            ),
          );
        }
      });
    });
  });
}

/** How a child ended, for error messages. */
function ended(code: number | null, signal: NodeJS.Signals | null): string {
  return signal === null ? `exit code ${code}` : `signal ${signal}`;
}

/**
 * Starts a fresh cluster, with `pooler`, PgBouncer in transaction mode in front of it.
 * Throws, with the binary's error output, if it cannot.
 */
export async function startPostgres(
  options: { pooler?: boolean } = {},
): Promise<PostgresCluster> {
  const binary = throwawayServerBinary();
  const kind = options.pooler === true ? "postgres+pgbouncer" : "postgres";
  const child = spawn(binary, [kind], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<string>((resolve) => {
    child.once("close", (code, signal) => resolve(ended(code, signal)));
  });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (text) => {
      lines.close();
      resolve(text);
    });
    child.once("error", (error) =>
      reject(new Error(`cannot run ${binary}: ${error.message}`)),
    );
    void exited.then((how) =>
      reject(
        new Error(
          `${binary} ${kind} ended (${how}) before the cluster was ready: ${stderr}`,
        ),
      ),
    );
  });
  let description: Description;
  try {
    description = JSON.parse(line) as Description;
  } catch (error) {
    child.stdin!.end();
    throw new Error(
      `${binary} ${kind} printed ${JSON.stringify(line)}, not a JSON line: ${String(error)}`,
    );
  }
  return cluster(child, description, exited, () => stderr);
}

function cluster(
  child: ChildProcess,
  description: Description,
  exited: Promise<string>,
  stderr: () => string,
): PostgresCluster {
  // Neither the child nor its pipes keep this process alive: a test process that
  // ends without stop() closes the child's stdin, which stops the server.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  let stopping: Promise<void> | undefined;
  const { host, port, user, dir } = description;
  const url = (database = "postgres"): string =>
    `postgres://${user}@${host}:${port}/${database}`;
  const poolerPort = description.pooler_port;
  return {
    port,
    poolerPort,
    dir,
    url,
    poolerUrl(database: string): string {
      if (poolerPort === undefined) {
        throw new Error(
          "this cluster has no pooler: start it with startPostgres({ pooler: true })",
        );
      }
      return `postgres://${user}@${host}:${poolerPort}/${database}`;
    },
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
        throw new Error(
          `database name ${JSON.stringify(name)}: use lower-case letters, digits and _`,
        );
      }
      const admin = postgres(url(), { max: 1, onnotice: () => undefined });
      try {
        await admin.unsafe(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    log: () => {
      try {
        return readFileSync(description.log, "utf8");
      } catch {
        return "";
      }
    },
    stop(): Promise<void> {
      stopping ??= (async () => {
        // Waiting for the stop keeps this process alive until it is done.
        child.ref();
        child.stdin!.end();
        const how = await exited;
        if (child.exitCode !== 0) {
          throw new Error(
            `throwaway-server did not stop the test cluster in ${dir} cleanly (${how}): ${stderr()}`,
          );
        }
      })();
      return stopping;
    },
  };
}
