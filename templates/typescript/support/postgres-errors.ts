/**
 * What a failure of the PostgreSQL writer means (`./postgres.ts`): the errors it
 * throws inside itself, the server's and the connection's errors classified by the
 * reference backend's rules (SQLSTATE table in `./postgres-values.ts`), and the
 * messages clients get when the database's own are not exposed.
 */

import { classifySqlState } from "./postgres-values.ts";

/** Why the writer cannot take uploads now. */
export class NotReady extends Error {
  override name = "NotReady";
  constructor(
    /** What is wrong, for the `/ready` answer (no database message). */
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The answer to retryable failures unless database messages are exposed. */
export const RETRYABLE_MESSAGE =
  "the transaction was not applied: the database is unavailable or busy; retry later";

/** Why a statement on the module's own tables failed, for the operator. */
export const TABLES_CAUSE =
  "the server's own tables are missing or outdated (its operator must run the PostgreSQL module's migration, `writer.migration`)";

export const TABLES_MESSAGE = `the transaction was not applied: ${TABLES_CAUSE}; retry later`;

/** What a transaction that was not applied answers. */
export type Failure =
  | { kind: "retryable"; message: string; retryAfterMs: number }
  | { kind: "fatal"; fatal: Fatal };

/** A failure retrying cannot fix: kept as a dead letter, answered `fatal_error`. */
export interface Fatal {
  code: string;
  /** The full message (the dead letter's); clients may get a redacted one. */
  message: string;
  details: Record<string, unknown>;
  operationIndex: number;
}

/** Errors that carry what to answer. */
export class Refusal extends Error {
  constructor(readonly failure: Failure) {
    super(failure.kind === "fatal" ? failure.fatal.message : failure.message);
  }
}

/** A database error of one entry's statement. */
export class EntryError extends Error {
  constructor(
    readonly index: number,
    readonly table: string,
    readonly error: unknown,
  ) {
    super("entry failed");
  }
}

/** A failed statement on the module's own tables. */
export class OwnTableError extends Error {
  constructor(readonly error: unknown) {
    super("module table statement failed");
  }
}

/** Error codes of a connection that failed or could not be made. */
const CONNECTION_CODES = new Set([
  // The `postgres` package's own.
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "SASL_SIGNATURE_MISMATCH",
  "AUTH_TYPE_NOT_IMPLEMENTED",
  // The runtime's sockets and name resolution.
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENETRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EADDRNOTAVAIL",
]);

/**
 * SQLSTATEs the server answers a connection attempt with (bad credentials, no such
 * database): the operator's to fix, never the client's; nothing was tried.
 */
const CONNECT_STATES = new Set(["28000", "28P01", "3D000"]);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The SQLSTATE of an error the server reported. */
export function sqlState(error: unknown): string | undefined {
  const code = errorCode(error);
  if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  if (CONNECTION_CODES.has(code)) return undefined;
  const fields = error as { severity?: unknown; name?: unknown };
  // The server's errors; the package's cancel is a bare `57014`.
  return typeof fields.severity === "string" ||
    fields.name === "PostgresError" ||
    code === "57014"
    ? code
    : undefined;
}

function isConnectionError(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined && CONNECTION_CODES.has(code)) return true;
  if (typeof (error as { syscall?: unknown } | null)?.syscall === "string") {
    return true;
  }
  // Several addresses tried at once (Node's happy eyeballs): all failed.
  const errors = (error as { errors?: unknown } | null)?.errors;
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every(isConnectionError)
  );
}

/** A missing table or column, or conflict target, of the module's own tables. */
export function isTablesError(error: unknown): boolean {
  const state = sqlState(error);
  return state === "42P01" || state === "42703" || state === "42P10";
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What an error means for a transaction: connection and I/O errors are retryable;
 * the server's errors are classified by SQLSTATE ({@link classifySqlState});
 * anything else is fatal `UNCLASSIFIED_ERROR`.
 */
export function classifyError(
  error: unknown,
  operationIndex: number,
  retryAfterMs: number,
): Failure {
  const state = sqlState(error);
  if (
    state === undefined
      ? isConnectionError(error)
      : CONNECT_STATES.has(state) || state.startsWith("08")
  ) {
    return {
      kind: "retryable",
      message: `database unavailable: ${errorMessage(error)}`,
      retryAfterMs,
    };
  }
  if (state === undefined) {
    return {
      kind: "fatal",
      fatal: {
        code: "UNCLASSIFIED_ERROR",
        message: errorMessage(error),
        details: {},
        operationIndex,
      },
    };
  }
  const fields = error as {
    message?: unknown;
    detail?: unknown;
    table_name?: unknown;
    column_name?: unknown;
    constraint_name?: unknown;
  };
  let message = typeof fields.message === "string" ? fields.message : state;
  if (typeof fields.detail === "string" && fields.detail !== "") {
    message += `: ${fields.detail}`;
  }
  const found = classifySqlState(state);
  if (found === "retryable")
    return { kind: "retryable", message, retryAfterMs };
  const details: Record<string, unknown> = { database_code: state };
  for (const [key, value] of [
    ["table", fields.table_name],
    ["column", fields.column_name],
    ["constraint", fields.constraint_name],
  ] as const) {
    if (typeof value === "string" && value !== "") details[key] = value;
  }
  return {
    kind: "fatal",
    fatal: {
      code: found?.fatal ?? "UNCLASSIFIED_ERROR",
      message,
      details,
      operationIndex,
    },
  };
}

/** The client's message for a database failure of this code (messages redacted). */
export function describe(code: string): string {
  switch (code) {
    case "NOT_NULL_VIOLATION":
      return "a required column is missing or null";
    case "UNIQUE_VIOLATION":
      return "the row conflicts with an existing row on a unique key";
    case "FOREIGN_KEY_VIOLATION":
      return "the row references a row that does not exist, or is still referenced";
    case "CHECK_VIOLATION":
      return "a value fails a check constraint";
    case "CONSTRAINT_VIOLATION":
      return "the row violates a database constraint";
    case "INVALID_DATA":
      return "a value is not valid for its column";
    case "SCHEMA_MISMATCH":
      return "the table or column does not exist in the database";
    case "UNAUTHORIZED":
      return "the database refused this write for this user";
    default:
      return "the database refused the write";
  }
}
