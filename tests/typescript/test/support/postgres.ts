/**
 * A throwaway PostgreSQL cluster for tests, like `runtime/tests/support/postgres.rs`.
 *
 * `initdb` into a temporary folder and `pg_ctl start` on a free port, listening on
 * 127.0.0.1 and on a socket in that folder. PostgreSQL refuses to run as root, so as
 * root every PostgreSQL binary runs as the `postgres` user (`runuser`) and the folder
 * is handed to that user. Binaries come from `$PG_BIN`, else
 * `/usr/lib/postgresql/15/bin`; missing ones fail with how to install them (never a
 * skip). `stop()` stops the server and removes the folder; a detached watchdog does the
 * same if this process dies without calling it.
 */
import { spawn } from "node:child_process";
import {
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import postgres from "postgres";

export interface PostgresCluster {
  readonly port: number;
  /** The temporary folder: `data/` (the cluster), `log`, the socket. */
  readonly dir: string;
  /** Connection URL of `database` as the superuser `postgres`. */
  url(database?: string): string;
  /** Creates a new, empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** The server's log so far (for failure messages). */
  log(): string;
  /** Stops the server (fast shutdown) and removes the folder. Safe to call twice. */
  stop(): Promise<void>;
}

export function pgBinDir(): string {
  return process.env["PG_BIN"] ?? "/usr/lib/postgresql/15/bin";
}

const isRoot = (): boolean => process.getuid?.() === 0;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * Runs a command to its end, its stdout and stderr going to a file rather than a pipe:
 * `pg_ctl start` leaves the server running with the descriptors it was given, so a
 * pipe would never reach end-of-file.
 */
function run(
  program: string,
  args: string[],
  outputFile: string,
): Promise<Outcome> {
  const fd = openSync(outputFile, "w");
  return new Promise<Outcome>((resolve, reject) => {
    const child = spawn(program, args, { stdio: ["ignore", fd, fd] });
    child.once("error", (error) => {
      closeSync(fd);
      reject(new Error(`cannot run ${program}: ${error.message}`));
    });
    child.once("exit", (code, signal) => {
      closeSync(fd);
      resolve({ code, signal, output: readFileSync(outputFile, "utf8") });
    });
  });
}

/** A PostgreSQL binary's command line, as `postgres` when we are root. */
function pgCommand(program: string, args: string[]): [string, string[]] {
  const path = join(pgBinDir(), program);
  return isRoot()
    ? ["runuser", ["-u", "postgres", "--", path, ...args]]
    : [path, args];
}

async function runPg(
  program: string,
  args: string[],
  outputFile: string,
): Promise<Outcome> {
  const [command, commandArgs] = pgCommand(program, args);
  return run(command, commandArgs, outputFile);
}

function describe(outcome: Outcome): string {
  return outcome.signal === null
    ? `exit code ${outcome.code}`
    : `signal ${outcome.signal}`;
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

/** The uid and gid of the `postgres` user, read with `id`. */
async function postgresIds(dir: string): Promise<[number, number]> {
  const ids: number[] = [];
  for (const flag of ["-u", "-g"]) {
    const outcome = await run("id", [flag, "postgres"], join(dir, "id.out"));
    const id = Number.parseInt(outcome.output.trim(), 10);
    if (outcome.code !== 0 || Number.isNaN(id)) {
      throw new Error(
        "tests run as root but there is no `postgres` user to run PostgreSQL as: install PostgreSQL 15 " +
          "(Debian/Ubuntu: `apt-get install postgresql-15`), or run the tests as a non-root user",
      );
    }
    ids.push(id);
  }
  return [ids[0]!, ids[1]!];
}

/**
 * Stops the cluster and removes its folder once this process is gone, however it ends
 * (a crash or a kill skips `after` hooks).
 */
function startWatchdog(dir: string, data: string): void {
  const quote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;
  const asPostgres = isRoot() ? "runuser -u postgres -- " : "";
  const script =
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
    `${asPostgres}${quote(join(pgBinDir(), "pg_ctl"))} -D ${quote(data)} -m immediate stop >/dev/null 2>&1; ` +
    `rm -rf ${quote(dir)}`;
  const watchdog = spawn("setsid", ["sh", "-c", script], {
    detached: true,
    stdio: "ignore",
  });
  // Failing to start a watchdog only loses the crash-time cleanup; stop() still works.
  watchdog.once("error", () => undefined);
  watchdog.unref();
}

/** Starts a fresh cluster. Throws (after removing what it created) if it cannot. */
export async function startPostgres(): Promise<PostgresCluster> {
  for (const program of ["initdb", "pg_ctl", "postgres"]) {
    const path = join(pgBinDir(), program);
    if (!existsSync(path)) {
      throw new Error(
        `${path} not found: these tests need a PostgreSQL 15 server's binaries. Install them ` +
          "(Debian/Ubuntu: `apt-get install postgresql-15`) or set PG_BIN to the folder holding " +
          "initdb, pg_ctl and postgres.",
      );
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "pgtest-"));
  try {
    if (isRoot()) {
      const [uid, gid] = await postgresIds(dir);
      chownSync(dir, uid, gid);
    }
    const data = join(dir, "data");
    const initdb = await runPg(
      "initdb",
      [
        "-D",
        data,
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--no-locale",
        "--no-sync",
      ],
      join(dir, "initdb.out"),
    );
    if (initdb.code !== 0) {
      throw new Error(
        `initdb failed (${describe(initdb)}) in ${data}:\n${initdb.output}`,
      );
    }
    startWatchdog(dir, data);
    const log = join(dir, "log");
    let lastError = "";
    // A free port can be taken by someone else before the server binds it: try again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const options =
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off ` +
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
      const start = await runPg(
        "pg_ctl",
        ["-D", data, "-l", log, "-w", "-t", "60", "-o", options, "start"],
        join(dir, "pg_ctl.out"),
      );
      if (start.code === 0) {
        return cluster(dir, data, port);
      }
      lastError = `pg_ctl start failed (${describe(start)}): ${start.output}\n${readLog(log)}`;
    }
    throw new Error(
      `cannot start the test PostgreSQL cluster in ${dir}: ${lastError}`,
    );
  } catch (error) {
    // Stop a server a failed attempt may have left behind before removing its folder.
    await runPg(
      "pg_ctl",
      ["-D", join(dir, "data"), "-m", "immediate", "stop"],
      "/dev/null",
    ).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function cluster(dir: string, data: string, port: number): PostgresCluster {
  let stopped = false;
  const url = (database = "postgres"): string =>
    `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    dir,
    url,
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
    log: () => readLog(join(dir, "log")),
    async stop(): Promise<void> {
      if (stopped) {
        return;
      }
      stopped = true;
      try {
        const outcome = await runPg(
          "pg_ctl",
          ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"],
          join(dir, "pg_ctl-stop.out"),
        );
        if (outcome.code !== 0) {
          throw new Error(
            `pg_ctl stop failed (${describe(outcome)}) for the test cluster in ${dir}: ${outcome.output}`,
          );
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
