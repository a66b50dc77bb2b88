// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

/**
 * A PostgreSQL write backend for JavaScript runtimes (Node, Deno, Bun, Supabase
 * edge functions), on the `postgres` package: what the project's reference
 * backend does, as a library.
 *
 * - Column types are learned from the catalog (enums with their labels, domains,
 *   arrays), and each value is converted by its column's type with the reference
 *   backend's rules (`./postgres-values.ts`); a value that cannot be converted is
 *   `INVALID_DATA` naming its column, before anything is sent.
 * - SQL is built only from introspected, quoted identifiers; values travel as
 *   parameters, each cast to its column's type (`$1::text::"pg_catalog"."int4"`).
 * - `PUT` upserts the columns sent, `PATCH` updates them (an empty `PATCH` does
 *   nothing), `DELETE` deletes; an unknown table or column is `SCHEMA_MISMATCH`.
 * - Authorization: every table is denied unless allowed; a table may belong to its
 *   rows' owners (an owner column holding the token's `sub`), checked on the values
 *   sent and, by the database, on the rows stored.
 * - Each transaction is one database transaction. With the batch's `client_id` and
 *   the entries' `op_id`s, a ledger keyed by (`sub`, `client_id`) answers a replay
 *   `success` with `duplicate: true` without applying it again, exactly once even
 *   when replays race.
 * - A transaction that can never succeed is kept as a dead letter (a `jsonb`
 *   object) and answered `fatal_error` with `requires_client_handling: false`, so
 *   the device's queue moves on; when it cannot be kept, the answer is
 *   `retryable_error`. Nothing is ever acknowledged that was neither applied nor
 *   kept.
 * - With `writeCheckpoints`, each applied transaction of a client raises its write
 *   checkpoint in the same database transaction (`write_checkpoint`).
 * - Database errors are classified by the reference backend's SQLSTATE table;
 *   connection errors (including during `COMMIT`) are retryable. The database's own
 *   messages reach the dead letters and the log, not the client, unless
 *   `exposeDatabaseMessages` is set.
 *
 * Nothing here imports `postgres`: its `sql` is described structurally
 * ({@link PostgresSql}), so this package pins no version of it.
 *
 * This module is the public face; the work is split by concern:
 * `./postgres-writer.ts` (transactions, policies, ledger, dead letters),
 * `./postgres-schema.ts` (introspection), `./postgres-statements.ts` (the SQL
 * text), `./postgres-errors.ts` (classifying failures), `./postgres-values.ts`
 * (converting values).
 */

import { NotReady } from "./postgres-errors.ts";
import { Writer } from "./postgres-writer.ts";
import type { CrudTransaction, Handler, WriteBatchResponse } from "./spec.ts";
import type { Checked } from "./validator.ts";

export { NotReady } from "./postgres-errors.ts";
export {
  classifySqlState,
  toText,
  type ColumnType,
  type Converted,
  type ErrorClass,
} from "./postgres-values.ts";

// ---------------------------------------------------------------------------
// The `postgres` package, structurally
// ---------------------------------------------------------------------------

/** The rows of a statement, and how many rows it wrote. */
export interface PostgresResult extends ReadonlyArray<Record<string, unknown>> {
  readonly count: number;
}

/** What this module uses of a `postgres` connection or transaction. */
export interface PostgresQueryable {
  unsafe(
    query: string,
    parameters?: (string | null)[],
  ): PromiseLike<PostgresResult>;
}

/** What this module uses of `postgres(url, options)`: a `Sql`. */
export interface PostgresSql extends PostgresQueryable {
  begin(
    callback: (sql: PostgresQueryable) => Promise<unknown>,
  ): Promise<unknown>;
}

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

/**
 * Who may write a table: `"allow"` (every signed-in user, every row), `"deny"`,
 * or `{ ownerColumn }`: rows whose owner column holds the user's `sub`. A `PUT`
 * must set the owner column to the user's `sub` and cannot take over another
 * user's row; a `PATCH` or `DELETE` touches only the user's rows, and a `PATCH`
 * cannot give a row to another user.
 */
export type TablePolicy = "allow" | "deny" | { ownerColumn: string };

export interface PostgresWriterOptions {
  /** The policy of each table, by name (tables of `schema`). */
  tables?: Readonly<Record<string, TablePolicy>>;
  /** The policy of tables not in `tables` (default `"deny"`). */
  default?: "allow" | "deny";
  /** The schema of the tables written, and of the module's own tables (default `public`). */
  schema?: string;
  /** How long clients wait after a retryable failure (default 1000 ms). */
  retryAfterMs?: number;
  /**
   * Pass the database's messages to clients (default false: they can reveal data
   * of other rows, a unique violation quotes the conflicting value). Dead letters
   * and the log always keep them.
   */
  exposeDatabaseMessages?: boolean;
  /**
   * Keep write checkpoints (default false, as in the reference backend): each
   * transaction applied for a batch with a `client_id` raises the counter of
   * (`sub`, `client_id`) in the same database transaction, and its `success`
   * carries the new value as `write_checkpoint`. Duplicates and failures raise
   * nothing. Needs the checkpoints table of {@link PostgresWriter.migration}.
   */
  writeCheckpoints?: boolean;
  /**
   * Least time between two schema reloads caused by an unknown table or column
   * (default 5000 ms); a mismatch inside it is answered retryable until a reload
   * may run.
   */
  schemaReloadIntervalMs?: number;
  /**
   * Dead letters kept per user (token `sub`) per window, in this process (default
   * 100 per 60 s); past it, refused transactions are answered retryable until the
   * window ends.
   */
  deadLettersPerUser?: number;
  deadLetterWindowSeconds?: number;
  /** Where the operator's messages go (default: the console). */
  log?: (entry: LogEntry) => void;
}

/** A message for the operator. */
export interface LogEntry {
  level: "warn" | "error";
  message: string;
  error?: unknown;
}

// ---------------------------------------------------------------------------
// The writer
// ---------------------------------------------------------------------------

/** One result per transaction, as the protocol answers it. */
export type TransactionResult = WriteBatchResponse["results"][number];

/** A transaction as the handler receives it: checked one by one, or plain. */
export type UploadItem = CrudTransaction | Checked<CrudTransaction>;

export interface PostgresWriter {
  /**
   * Applies the transactions of one batch for the user `subject` (the token's
   * `sub`), in order: exactly one result per transaction. `clientId` is the batch's
   * `client_id`, which with the entries' `op_id`s makes replays idempotent.
   */
  upload(
    subject: string,
    transactions: readonly UploadItem[],
    clientId?: string,
  ): Promise<TransactionResult[]>;
  /**
   * Resolves when uploads can be applied: the database answers, the module's
   * tables exist, and every table and owner column of the policies exists.
   * Rejects with a {@link NotReady} saying why otherwise.
   */
  ready(): Promise<void>;
  /**
   * The SQL that creates the module's own tables (ledger, dead letters, write
   * checkpoints) in
   * `schema`: idempotent, safe to run on every deploy.
   */
  readonly migration: string;
}

/**
 * A writer applying uploads to the database behind `sql` (connect with
 * `prepare: false` where a pooler sits in between), as `options` allow.
 */
export function createPostgresWriter(
  sql: PostgresSql,
  options: PostgresWriterOptions = {},
): PostgresWriter {
  return new Writer(sql, options);
}

// ---------------------------------------------------------------------------
// The handler
// ---------------------------------------------------------------------------

type UploadRequest = Parameters<Handler<string>["uploadData"]>[0];
type UploadContext = Parameters<Handler<string>["uploadData"]>[1];
type UploadResponse = Awaited<ReturnType<Handler<string>["uploadData"]>>;

export interface PostgresHandlerOptions {
  /**
   * Checks a bearer token: its `sub` (the user the writes are applied for), or
   * `null` to refuse it (401). Verify the signature, `iss`, `aud` and `exp`.
   */
  authenticate: (token: string, request: Request) => Promise<string | null>;
  /** `Retry-After` of a `503` from `/ready`, in seconds (default 5). */
  readyRetryAfterSeconds?: number;
}

/**
 * A complete handler for `createFetchHandler` (or any adapter): `authenticate`,
 * `uploadData` through the writer, `health`, and `ready` (503 while the writer is
 * not ready).
 */
export function postgresHandler(
  writer: PostgresWriter,
  options: PostgresHandlerOptions,
): Handler<string> {
  const retryAfter = options.readyRetryAfterSeconds ?? 5;
  const handler = {
    authenticate: async (
      credentials: { secret: string },
      request: Request,
    ): Promise<string | null> => {
      const subject = await options.authenticate(credentials.secret, request);
      return typeof subject === "string" && subject !== "" ? subject : null;
    },
    uploadData: async (
      request: UploadRequest,
      context: UploadContext,
    ): Promise<UploadResponse> => {
      const { client_id: clientId, transactions } = request.body;
      const results = await writer.upload(
        context.principal,
        transactions,
        clientId,
      );
      return { status: 200, body: { results } };
    },
    health: async (): Promise<{ status: 200; body: { status: string } }> => ({
      status: 200,
      body: { status: "ok" },
    }),
    ready: async (): Promise<
      | { status: 200; body: { status: string } }
      | {
          status: 503;
          body: { code: string; message: string };
          headers: { retryAfter: number };
        }
    > => {
      try {
        await writer.ready();
        return { status: 200, body: { status: "ready" } };
      } catch (error) {
        return {
          status: 503,
          body: {
            code: "NOT_READY",
            message:
              error instanceof NotReady
                ? error.message
                : "the database is not reachable (the server log has the error)",
          },
          headers: { retryAfter },
        };
      }
    },
  };
  return handler;
}
