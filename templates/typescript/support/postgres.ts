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
 * - Database errors are classified by the reference backend's SQLSTATE table;
 *   connection errors (including during `COMMIT`) are retryable. The database's own
 *   messages reach the dead letters and the log, not the client, unless
 *   `exposeDatabaseMessages` is set.
 *
 * Nothing here imports `postgres`: its `sql` is described structurally
 * ({@link PostgresSql}), so this package pins no version of it.
 */

import {
  classifySqlState,
  toText,
  type ColumnType,
} from "./postgres-values.ts";
import type { CrudTransaction, Handler, WriteBatchResponse } from "./spec.ts";
import type { Checked } from "./validator.ts";

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
   * The SQL that creates the module's own tables (ledger and dead letters) in
   * `schema`: idempotent, safe to run on every deploy.
   */
  readonly migration: string;
}

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

/** The module's tables. */
const PREFIX = "powersync_write_";
const LEDGER = `${PREFIX}ledger`;
const DEAD_LETTERS = `${PREFIX}dead_letters`;

export function createPostgresWriter(
  sql: PostgresSql,
  options: PostgresWriterOptions = {},
): PostgresWriter {
  return new Writer(sql, options);
}

/** The answer to retryable failures unless database messages are exposed. */
const RETRYABLE_MESSAGE =
  "the transaction was not applied: the database is unavailable or busy; retry later";

const TABLES_CAUSE =
  "the server's own tables are missing or outdated (its operator must run the PostgreSQL module's migration, `writer.migration`)";

const TABLES_MESSAGE = `the transaction was not applied: ${TABLES_CAUSE}; retry later`;

type Failure =
  | { kind: "retryable"; message: string; retryAfterMs: number }
  | { kind: "fatal"; fatal: Fatal };

interface Fatal {
  code: string;
  /** The full message (the dead letter's); clients may get a redacted one. */
  message: string;
  details: Record<string, unknown>;
  operationIndex: number;
}

/** An entry resolved against the schema, its values converted. */
interface Prepared {
  index: number;
  table: Table;
  op: "PUT" | "PATCH" | "DELETE";
  /** The statement, or none (a PATCH without columns). */
  statement?: string;
  /** `$1` the key, then the columns in order, then the owner (guarded). */
  parameters: (string | null)[];
  guard?: Column;
}

interface Table {
  name: string;
  qualified: string;
  columns: Map<string, Column>;
}

interface Column {
  name: string;
  type: ColumnType;
  /** The quoted catalog name, for casts. */
  cast: string;
}

interface Snapshot {
  tables: Map<string, Table>;
  loadedAt: number;
}

/** Errors that carry what to answer. */
class Refusal extends Error {
  constructor(readonly failure: Failure) {
    super(failure.kind === "fatal" ? failure.fatal.message : failure.message);
  }
}

/** A database error of one entry's statement. */
class EntryError extends Error {
  constructor(
    readonly index: number,
    readonly table: string,
    readonly error: unknown,
  ) {
    super("entry failed");
  }
}

/** A failed statement on the module's own tables. */
class OwnTableError extends Error {
  constructor(readonly error: unknown) {
    super("module table statement failed");
  }
}

/** The ledger says the transaction was applied before. */
const DUPLICATE = Symbol("duplicate");

class Writer implements PostgresWriter {
  readonly migration: string;
  private readonly schema: string;
  private readonly policies: ReadonlyMap<string, TablePolicy>;
  private readonly defaultPolicy: "allow" | "deny";
  private readonly retryAfterMs: number;
  private readonly expose: boolean;
  private readonly reloadIntervalMs: number;
  private readonly budget: Budget;
  private readonly log: (entry: LogEntry) => void;
  private readonly ledger: string;
  private readonly deadLetters: string;
  private snapshot: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;

  constructor(
    private readonly sql: PostgresSql,
    options: PostgresWriterOptions,
  ) {
    this.schema = options.schema ?? "public";
    this.policies = new Map(Object.entries(options.tables ?? {}));
    this.defaultPolicy = options.default ?? "deny";
    this.retryAfterMs = options.retryAfterMs ?? 1000;
    this.expose = options.exposeDatabaseMessages ?? false;
    this.reloadIntervalMs = options.schemaReloadIntervalMs ?? 5000;
    this.budget = new Budget(
      options.deadLettersPerUser ?? 100,
      (options.deadLetterWindowSeconds ?? 60) * 1000,
    );
    this.log = options.log ?? consoleLog;
    this.ledger = `${quote(this.schema)}.${quote(LEDGER)}`;
    this.deadLetters = `${quote(this.schema)}.${quote(DEAD_LETTERS)}`;
    this.migration = migration(this.schema);
    for (const [table, policy] of this.policies) {
      if (
        policy !== "allow" &&
        policy !== "deny" &&
        !(
          typeof policy === "object" &&
          policy !== null &&
          typeof policy.ownerColumn === "string" &&
          policy.ownerColumn !== ""
        )
      ) {
        throw new TypeError(
          `tables.${table}: a policy is "allow", "deny" or { ownerColumn: "COLUMN" }`,
        );
      }
    }
  }

  // -------------------------------------------------------------------------
  // The batch
  // -------------------------------------------------------------------------

  async upload(
    subject: string,
    transactions: readonly UploadItem[],
    clientId?: string,
  ): Promise<TransactionResult[]> {
    const results: TransactionResult[] = [];
    let stopped = false;
    for (const item of transactions) {
      if (stopped) {
        results.push({
          status: "not_attempted",
          message: "an earlier transaction of this batch was not applied",
        });
        continue;
      }
      const [result, stop] =
        "valid" in item
          ? item.valid
            ? await this.transaction(subject, clientId, item.value)
            : await this.invalid(subject, clientId, item)
          : await this.transaction(subject, clientId, item);
      results.push(result);
      stopped = stop;
    }
    return results;
  }

  /** One transaction: its result and whether the batch stops after it. */
  private async transaction(
    subject: string,
    clientId: string | undefined,
    transaction: CrudTransaction,
  ): Promise<[TransactionResult, boolean]> {
    const outcome = await this.attempt(subject, clientId, transaction);
    if (outcome === "written") return [{ status: "success" }, false];
    if (outcome === "duplicate") {
      const earlier = await this.keptBefore(
        subject,
        clientId,
        lastOpId(transaction),
      );
      return earlier ?? [{ status: "success", duplicate: true }, false];
    }
    if (outcome.kind === "retryable") {
      return [retryable(outcome.message, outcome.retryAfterMs), true];
    }
    const fatal = outcome.fatal;
    // Every fatal failure names its table.
    const entry = transaction.crud[fatal.operationIndex];
    if (fatal.details["table"] === undefined && entry !== undefined) {
      fatal.details["table"] = entry.table;
    }
    return this.keep(
      subject,
      clientId,
      transaction,
      lastOpId(transaction),
      fatal,
    );
  }

  /**
   * A transaction that does not match its schema: `INVALID_REQUEST`, kept as a dead
   * letter as received, so it never blocks the device's queue.
   */
  private async invalid(
    subject: string,
    clientId: string | undefined,
    item: Extract<UploadItem, { valid: false }>,
  ): Promise<[TransactionResult, boolean]> {
    const first = item.violations[0];
    const total = item.violations.length + item.violationsOmitted;
    const operationIndex = first ? entryIndex(first.path) : 0;
    let message = "the transaction does not match the schema";
    if (first) message += `: ${first.path} ${first.message}`;
    if (total > 1) {
      message += ` (and ${total - 1} more problems, see details.violations)`;
    }
    const details: Record<string, unknown> = { violations: item.violations };
    if (item.violationsOmitted > 0) {
      details["violations_omitted"] = item.violationsOmitted;
    }
    const table = (item.value as { crud?: { table?: unknown }[] } | null)
      ?.crud?.[operationIndex]?.table;
    if (typeof table === "string" && table !== "") details["table"] = table;
    return this.keep(subject, clientId, item.value, rawLastOpId(item.value), {
      code: "INVALID_REQUEST",
      message,
      details,
      operationIndex,
    });
  }

  // -------------------------------------------------------------------------
  // Applying
  // -------------------------------------------------------------------------

  /** Maps, authorizes and applies; looks at the schema again once on a mismatch. */
  private async attempt(
    subject: string,
    clientId: string | undefined,
    transaction: CrudTransaction,
  ): Promise<"written" | "duplicate" | Failure> {
    const started = Date.now();
    let snapshot: Snapshot;
    try {
      snapshot = await this.currentSchema();
    } catch (error) {
      return this.classify(error, 0);
    }
    for (let refreshed = false; ; refreshed = true) {
      const outcome = await this.applyWith(
        snapshot,
        subject,
        clientId,
        transaction,
      );
      const mismatch =
        typeof outcome === "object" &&
        outcome.kind === "fatal" &&
        outcome.fatal.code === "SCHEMA_MISMATCH";
      if (!mismatch || refreshed) return outcome;
      // The database may have changed since we looked: look once more.
      const fresh = await this.schemaSince(started);
      if (typeof fresh === "number") {
        return {
          kind: "retryable",
          message:
            "a table or column is not in the database schema, which was loaded moments ago; retry once it may be loaded again",
          retryAfterMs: Math.max(1, fresh),
        };
      }
      if (!("tables" in fresh)) return fresh;
      snapshot = fresh;
    }
  }

  private async applyWith(
    snapshot: Snapshot,
    subject: string,
    clientId: string | undefined,
    transaction: CrudTransaction,
  ): Promise<"written" | "duplicate" | Failure> {
    let prepared: Prepared[];
    try {
      prepared = this.prepare(snapshot, subject, transaction);
    } catch (error) {
      if (error instanceof Refusal) return error.failure;
      throw error;
    }
    const last = lastOpId(transaction);
    const ledger =
      clientId !== undefined && last !== undefined
        ? { clientId, lastOpId: last }
        : undefined;
    try {
      return await this.run(subject, ledger, prepared, false);
    } catch (error) {
      const failure = this.failureOf(error);
      // An error of COMMIT itself (a deferred constraint): run again entry by
      // entry, constraints immediate, to find the entry.
      if (
        failure.kind === "fatal" &&
        !(error instanceof EntryError) &&
        !(error instanceof Refusal) &&
        sqlState(error) !== undefined
      ) {
        try {
          return await this.run(subject, ledger, prepared, true);
        } catch (again) {
          return this.failureOf(again);
        }
      }
      return failure;
    }
  }

  /** One database transaction: the ledger claim, then each entry. */
  private async run(
    subject: string,
    ledger: { clientId: string; lastOpId: number } | undefined,
    prepared: readonly Prepared[],
    careful: boolean,
  ): Promise<"written" | "duplicate"> {
    try {
      await this.sql.begin(async (tx) => {
        if (careful) await tx.unsafe("SET CONSTRAINTS ALL IMMEDIATE");
        if (ledger) {
          const claimed = await own(
            tx.unsafe(this.ledgerClaim(), [
              subject,
              ledger.clientId,
              String(ledger.lastOpId),
            ]),
          );
          if (claimed.count === 0) throw DUPLICATE;
        }
        for (const entry of prepared) await this.write(tx, entry);
      });
      return "written";
    } catch (error) {
      if (error === DUPLICATE) return "duplicate";
      throw error;
    }
  }

  private async write(tx: PostgresQueryable, entry: Prepared): Promise<void> {
    if (entry.statement === undefined) return;
    let count: number;
    try {
      count = (await tx.unsafe(entry.statement, entry.parameters)).count;
    } catch (error) {
      throw new EntryError(entry.index, entry.table.name, error);
    }
    if (entry.guard === undefined || count > 0) return;
    // Nothing written under a guard: the row is another user's, or (PATCH,
    // DELETE) does not exist, which is a no-op.
    let exists = entry.op === "PUT";
    if (!exists) {
      const key = entry.table.columns.get("id");
      try {
        const found = await tx.unsafe(
          `SELECT 1 FROM ${entry.table.qualified} WHERE "id" = $1::text::${key?.cast ?? "text"}`,
          [entry.parameters[0] ?? null],
        );
        exists = found.length > 0;
      } catch (error) {
        throw new EntryError(entry.index, entry.table.name, error);
      }
    }
    if (exists) {
      throw new Refusal({
        kind: "fatal",
        fatal: {
          code: "UNAUTHORIZED",
          message: `the row of \`${entry.table.name}\` with this id belongs to another user (its \`${entry.guard.name}\` is not the user's id)`,
          details: { table: entry.table.name },
          operationIndex: entry.index,
        },
      });
    }
  }

  /** Resolves, authorizes and converts every entry, before the database is touched. */
  private prepare(
    snapshot: Snapshot,
    subject: string,
    transaction: CrudTransaction,
  ): Prepared[] {
    const mapped = transaction.crud.map((entry, index) => {
      const mismatch = (message: string, column?: string): Refusal =>
        new Refusal({
          kind: "fatal",
          fatal: {
            code: "SCHEMA_MISMATCH",
            message,
            details:
              column === undefined
                ? { table: entry.table }
                : { table: entry.table, column },
            operationIndex: index,
          },
        });
      const table = snapshot.tables.get(entry.table);
      if (!table) {
        throw mismatch(
          `table \`${entry.table}\` does not exist in the database`,
        );
      }
      if (!table.columns.has("id")) {
        throw mismatch(
          `table \`${entry.table}\` has no primary-key column \`id\``,
          "id",
        );
      }
      // The row id travels as `id`; a copy inside op_data is the same value.
      const data =
        entry.op === "DELETE"
          ? []
          : Object.entries(entry.op_data ?? {}).filter(
              ([name]) => name !== "id",
            );
      for (const [name] of data) {
        if (!table.columns.has(name)) {
          throw mismatch(
            `table \`${entry.table}\` has no column \`${name}\``,
            name,
          );
        }
      }
      return { entry, index, table, data };
    });
    for (const { entry, index, data } of mapped) {
      this.authorize(subject, entry.op, entry.table, index, data);
    }
    return mapped.map(({ entry, index, table, data }) =>
      this.statement(subject, entry.op, entry.id, index, table, data),
    );
  }

  /** The policy's check of the values sent; the stored row is checked by the guard. */
  private authorize(
    subject: string,
    op: string,
    table: string,
    index: number,
    data: readonly [string, unknown][],
  ): void {
    const refuse = (message: string): Refusal =>
      new Refusal({
        kind: "fatal",
        fatal: {
          code: "UNAUTHORIZED",
          message,
          details: { table },
          operationIndex: index,
        },
      });
    const policy = this.policy(table);
    if (policy === "allow") return;
    if (policy === "deny") {
      throw refuse(
        `writes to table \`${table}\` are not allowed (${
          this.policies.has(table)
            ? "its policy is deny"
            : "it has no policy in `tables`, and the default is deny"
        })`,
      );
    }
    const column = policy.ownerColumn;
    let sent: readonly [string, unknown] | undefined;
    for (const pair of data) if (pair[0] === column) sent = pair;
    if (op === "PUT" && sent === undefined) {
      throw refuse(
        `a PUT on \`${table}\` must set the owner column \`${column}\` to the user's own id`,
      );
    }
    if (op !== "DELETE" && sent !== undefined && !isSubject(sent[1], subject)) {
      throw refuse(
        `a ${op} on \`${table}\` may only set \`${column}\` to the user's own id`,
      );
    }
  }

  private policy(table: string): TablePolicy {
    return this.policies.get(table) ?? this.defaultPolicy;
  }

  /** Converts an entry's values and builds its statement. */
  private statement(
    subject: string,
    op: "PUT" | "PATCH" | "DELETE",
    id: string,
    index: number,
    table: Table,
    data: readonly [string, unknown][],
  ): Prepared {
    const convert = (column: Column, value: unknown): string | null => {
      const converted = toText(column.type, value);
      if (converted.ok) return converted.text;
      throw new Refusal({
        kind: "fatal",
        fatal: {
          code: "INVALID_DATA",
          message: converted.message,
          details: { table: table.name, column: column.name },
          operationIndex: index,
        },
      });
    };
    const key = table.columns.get("id")!;
    const keyText = convert(key, id);
    if (keyText === null) {
      throw new Refusal({
        kind: "fatal",
        fatal: {
          code: "INVALID_DATA",
          message: "the row id is null",
          details: { table: table.name, column: "id" },
          operationIndex: index,
        },
      });
    }
    // Columns by name (a name given twice: the last value wins).
    const byName = new Map<string, unknown>();
    for (const [name, value] of data) byName.set(name, value);
    const columns = [...byName.keys()]
      .sort(compareNames)
      .map((name) => table.columns.get(name)!);
    const parameters: (string | null)[] = [keyText];
    for (const column of columns) {
      parameters.push(convert(column, byName.get(column.name)));
    }
    const policy = this.policy(table.name);
    let guard: Column | undefined;
    if (typeof policy === "object") {
      guard = table.columns.get(policy.ownerColumn);
      if (!guard) {
        throw new Refusal({
          kind: "fatal",
          fatal: {
            code: "SCHEMA_MISMATCH",
            message: `table \`${table.name}\` has no owner column \`${policy.ownerColumn}\``,
            details: { table: table.name, column: policy.ownerColumn },
            operationIndex: index,
          },
        });
      }
    }
    const param = (i: number, column: Column): string =>
      `$${i + 1}::text::${column.cast}`;
    const owned = guard
      ? `${table.qualified}.${quote(guard.name)} = ${param(columns.length + 1, guard)}`
      : undefined;
    let statement: string | undefined;
    if (op === "PUT") {
      const all = [key, ...columns];
      const sets = columns.map(
        (c) => `${quote(c.name)} = EXCLUDED.${quote(c.name)}`,
      );
      // A guarded conflict needs DO UPDATE (DO NOTHING takes no WHERE).
      if (sets.length === 0 && owned) sets.push(`"id" = EXCLUDED."id"`);
      const conflict =
        sets.length === 0
          ? `ON CONFLICT ("id") DO NOTHING`
          : `ON CONFLICT ("id") DO UPDATE SET ${sets.join(", ")}${owned ? ` WHERE ${owned}` : ""}`;
      statement =
        `INSERT INTO ${table.qualified} (${all.map((c) => quote(c.name)).join(", ")}) ` +
        `VALUES (${all.map((c, i) => param(i, c)).join(", ")}) ${conflict}`;
    } else if (op === "PATCH") {
      if (columns.length > 0) {
        const sets = columns.map(
          (c, i) => `${quote(c.name)} = ${param(i + 1, c)}`,
        );
        statement =
          `UPDATE ${table.qualified} SET ${sets.join(", ")} WHERE "id" = ${param(0, key)}` +
          (owned ? ` AND ${owned}` : "");
      }
    } else {
      statement =
        `DELETE FROM ${table.qualified} WHERE "id" = ${param(0, key)}` +
        (owned ? ` AND ${owned}` : "");
    }
    if (guard) parameters.push(subject);
    return {
      index,
      table,
      op,
      ...(statement === undefined ? {} : { statement }),
      parameters,
      ...(guard === undefined ? {} : { guard }),
    };
  }

  // -------------------------------------------------------------------------
  // Failures
  // -------------------------------------------------------------------------

  /** What a thrown error means for the transaction. */
  private failureOf(error: unknown): Failure {
    if (error instanceof Refusal) return error.failure;
    if (error instanceof EntryError) {
      const failure = this.classify(error.error, error.index);
      if (
        failure.kind === "fatal" &&
        failure.fatal.details["table"] === undefined
      ) {
        failure.fatal.details["table"] = error.table;
      }
      return failure;
    }
    if (error instanceof OwnTableError) {
      if (isTablesError(error.error)) {
        this.log({ level: "error", message: TABLES_CAUSE, error: error.error });
        return {
          kind: "retryable",
          message: TABLES_MESSAGE,
          retryAfterMs: this.retryAfterMs,
        };
      }
      return this.classify(error.error, 0);
    }
    return this.classify(error, 0);
  }

  /** Classifies a database or connection error (see `classifyError`). */
  private classify(error: unknown, operationIndex: number): Failure {
    const failure = classifyError(error, operationIndex, this.retryAfterMs);
    if (failure.kind === "retryable") {
      this.log({
        level: "warn",
        message: `retryable failure: ${failure.message}`,
        error,
      });
      if (!this.expose) failure.message = RETRYABLE_MESSAGE;
    }
    return failure;
  }

  /** A failure's message as the client sees it. */
  private redact(fatal: Fatal): Fatal {
    if (this.expose || fatal.details["database_code"] === undefined)
      return fatal;
    return { ...fatal, message: describe(fatal.code) };
  }

  /**
   * A fatal failure: kept as a dead letter (with the ledger advanced past it), and
   * answered so that the client may drop it; answered retryable when it cannot be
   * kept.
   */
  private async keep(
    subject: string,
    clientId: string | undefined,
    transaction: unknown,
    last: number | undefined,
    fatal: Fatal,
  ): Promise<[TransactionResult, boolean]> {
    // A replay of a transaction that failed before reaching the ledger (an unknown
    // table, a refusal): the letter kept the first time, not one more.
    const earlier = await this.keptBefore(subject, clientId, last);
    if (earlier) return earlier;
    const wait = this.budget.take(subject);
    if (wait !== undefined) {
      this.log({
        level: "warn",
        message: `dead-letter budget of user ${subject} spent; answering retryable (${fatal.code})`,
      });
      return [
        retryable(
          `the transaction failed (${fatal.code}), and too many of this user's transactions were kept as dead letters recently; retry later`,
          Math.max(1, wait),
        ),
        true,
      ];
    }
    let id: string;
    try {
      id = await this.storeDeadLetter(
        subject,
        clientId,
        transaction,
        last,
        fatal,
      );
    } catch (error) {
      const tables = isTablesError(error);
      this.log({
        level: "error",
        message: `could not store a dead letter (${fatal.code}); answering retryable`,
        error,
      });
      return [
        retryable(
          `the transaction failed (${fatal.code}) and could not be kept as a dead letter${tables ? ` (${TABLES_CAUSE})` : ""}; retry later`,
          this.retryAfterMs,
        ),
        true,
      ];
    }
    return [fatalResult(this.redact(fatal), id), true];
  }

  private async storeDeadLetter(
    subject: string,
    clientId: string | undefined,
    transaction: unknown,
    last: number | undefined,
    fatal: Fatal,
  ): Promise<string> {
    const ledger =
      clientId !== undefined && last !== undefined ? String(last) : undefined;
    let id: string | undefined;
    await this.sql.begin(async (tx) => {
      if (ledger !== undefined) {
        // Advances the ledger and locks its row: a racing replay of the same
        // transaction waits here, then finds this letter instead of adding one.
        await tx.unsafe(this.ledgerAdvance(), [subject, clientId!, ledger]);
        const [found] = await tx.unsafe(
          `SELECT id::text AS id FROM ${this.deadLetters} ` +
            "WHERE subject = $1::text AND ledger_client_id = $2::text AND ledger_op_id = $3::text::bigint LIMIT 1",
          [subject, clientId!, ledger],
        );
        if (found) {
          id = String(found["id"]);
          return;
        }
      }
      const [row] = await tx.unsafe(
        `INSERT INTO ${this.deadLetters} (id, subject, client_id, "transaction", error_code, ` +
          "error_message, error_details, operation_index, ledger_client_id, ledger_op_id) " +
          "VALUES (gen_random_uuid(), $1::text, $2::text, $3::text::jsonb, $4::text, $5::text, " +
          "$6::text::jsonb, $7::text::integer, $8::text, $9::text::bigint) RETURNING id::text AS id",
        [
          subject,
          clientId ?? null,
          jsonbText(transaction),
          fatal.code,
          fatal.message,
          jsonbText(fatal.details),
          String(fatal.operationIndex),
          ledger === undefined ? null : clientId!,
          ledger ?? null,
        ],
      );
      id = String(row?.["id"]);
    });
    if (id === undefined) throw new Error("the dead letter was not stored");
    return id;
  }

  /**
   * The answer given before, when this transaction of the user's client was kept
   * as a dead letter: the same fatal failure and `dead_letter_id`.
   */
  private async keptBefore(
    subject: string,
    clientId: string | undefined,
    last: number | undefined,
  ): Promise<[TransactionResult, boolean] | undefined> {
    if (clientId === undefined || last === undefined) return undefined;
    let rows: PostgresResult;
    try {
      rows = await this.sql.unsafe(
        "SELECT id::text AS id, error_code, error_message, error_details::text AS details, " +
          `operation_index FROM ${this.deadLetters} WHERE subject = $1::text ` +
          "AND ledger_client_id = $2::text AND ledger_op_id = $3::text::bigint ORDER BY created_at LIMIT 1",
        [subject, clientId, String(last)],
      );
    } catch (error) {
      const tables = isTablesError(error);
      this.log({
        level: tables ? "error" : "warn",
        message: "could not check how a replayed transaction ended",
        error,
      });
      const cause = tables
        ? TABLES_CAUSE
        : this.expose
          ? errorMessage(error)
          : "the database is unavailable or busy";
      return [
        retryable(
          `could not check how this replayed transaction ended: ${cause}`,
          this.retryAfterMs,
        ),
        true,
      ];
    }
    const row = rows[0];
    if (!row) return undefined;
    let details: unknown;
    try {
      details = JSON.parse(String(row["details"]));
    } catch {
      details = {};
    }
    const fatal = this.redact({
      code: String(row["error_code"]),
      message: String(row["error_message"]),
      details:
        typeof details === "object" &&
        details !== null &&
        !Array.isArray(details)
          ? (details as Record<string, unknown>)
          : {},
      operationIndex: Number(row["operation_index"]),
    });
    return [fatalResult(fatal, String(row["id"])), true];
  }

  // -------------------------------------------------------------------------
  // The schema
  // -------------------------------------------------------------------------

  private async currentSchema(): Promise<Snapshot> {
    return this.snapshot ?? this.reload();
  }

  /** Loads the schema; concurrent callers share one load. */
  private reload(): Promise<Snapshot> {
    this.loading ??= introspect(this.sql, this.schema)
      .then((tables) => {
        this.snapshot = { tables, loadedAt: Date.now() };
        return this.snapshot;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /**
   * A schema loaded after `since`, after a mismatch: the current one when it is that
   * new, else a reload, at most one per `schemaReloadIntervalMs` (a client naming
   * unknown tables must not make every request introspect the database). A number:
   * how long until a reload may run.
   */
  private async schemaSince(
    since: number,
  ): Promise<Snapshot | number | Failure> {
    if (this.loading) {
      try {
        return await this.loading;
      } catch (error) {
        return this.classify(error, 0);
      }
    }
    const current = this.snapshot;
    if (current && current.loadedAt >= since) return current;
    const age = current ? Date.now() - current.loadedAt : Infinity;
    if (age < this.reloadIntervalMs) return this.reloadIntervalMs - age;
    try {
      return await this.reload();
    } catch (error) {
      return this.classify(error, 0);
    }
  }

  // -------------------------------------------------------------------------
  // Readiness
  // -------------------------------------------------------------------------

  async ready(): Promise<void> {
    let found: PostgresResult;
    try {
      found = await this.sql.unsafe(
        "SELECT c.relname::text AS name, EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a " +
          "WHERE a.attrelid = c.oid AND a.attname = 'subject' AND NOT a.attisdropped) AS subject " +
          "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace " +
          "WHERE n.nspname::text = $1::text AND c.relname::text IN ($2::text, $3::text) " +
          "AND c.relkind IN ('r', 'p')",
        [this.schema, LEDGER, DEAD_LETTERS],
      );
    } catch (error) {
      this.log({
        level: "warn",
        message: "not ready: database unreachable",
        error,
      });
      throw new NotReady(
        "the database is not reachable (the server log has the error)",
        { cause: error },
      );
    }
    const names = new Set(found.map((row) => String(row["name"])));
    const ledger = found.find((row) => row["name"] === LEDGER);
    const missing = [LEDGER, DEAD_LETTERS].filter((name) => !names.has(name));
    if (missing.length > 0 || ledger?.["subject"] !== true) {
      const message = `the PostgreSQL module's tables ${[LEDGER, DEAD_LETTERS].join(", ")} are missing or outdated in schema \`${this.schema}\`: run \`writer.migration\` (it is safe to run on every deploy)`;
      this.log({ level: "error", message: `not ready: ${message}` });
      throw new NotReady(message);
    }
    let snapshot: Snapshot;
    try {
      snapshot = await this.reload();
    } catch (error) {
      this.log({
        level: "warn",
        message: "not ready: database unreachable",
        error,
      });
      throw new NotReady(
        "the database is not reachable (the server log has the error)",
        { cause: error },
      );
    }
    const problems = this.policyProblems(snapshot);
    if (problems.length > 0) {
      const message = `the writer's policies name what the database does not have: ${problems.join("; ")}`;
      this.log({ level: "error", message: `not ready: ${message}` });
      throw new NotReady(message);
    }
  }

  private policyProblems(snapshot: Snapshot): string[] {
    const problems: string[] = [];
    for (const [name, policy] of this.policies) {
      if (typeof policy !== "object") continue;
      const table = snapshot.tables.get(name);
      if (!table) {
        problems.push(
          `tables.${name}: schema \`${this.schema}\` has no table \`${name}\``,
        );
      } else if (!table.columns.has(policy.ownerColumn)) {
        problems.push(
          `tables.${name}: table \`${name}\` has no column \`${policy.ownerColumn}\``,
        );
      }
    }
    return problems;
  }

  // -------------------------------------------------------------------------
  // The module's statements
  // -------------------------------------------------------------------------

  /** Inserts or raises the ledger row; 0 rows: a replay. The row stays locked. */
  private ledgerClaim(): string {
    return (
      `INSERT INTO ${this.ledger} AS l (subject, client_id, last_op_id) ` +
      "SELECT $1::text, $2::text, $3::text::bigint " +
      `WHERE NOT EXISTS (SELECT 1 FROM ${this.ledger} ` +
      "WHERE subject = '' AND client_id = $2::text AND last_op_id >= $3::text::bigint) " +
      "ON CONFLICT (subject, client_id) DO UPDATE SET last_op_id = EXCLUDED.last_op_id, updated_at = now() " +
      "WHERE l.last_op_id < EXCLUDED.last_op_id"
    );
  }

  /** Raises the ledger to at least `$3` (a dead letter). */
  private ledgerAdvance(): string {
    return (
      `INSERT INTO ${this.ledger} AS l (subject, client_id, last_op_id) ` +
      "VALUES ($1::text, $2::text, $3::text::bigint) ON CONFLICT (subject, client_id) " +
      "DO UPDATE SET last_op_id = GREATEST(l.last_op_id, EXCLUDED.last_op_id), updated_at = now()"
    );
  }
}

/** A statement on the module's own tables: its failure is the operator's. */
async function own(
  statement: PromiseLike<PostgresResult>,
): Promise<PostgresResult> {
  try {
    return await statement;
  } catch (error) {
    throw new OwnTableError(error);
  }
}

// ---------------------------------------------------------------------------
// Introspection
// ---------------------------------------------------------------------------

interface PgType {
  name: string;
  namespace: string;
  kind: string;
  category: string;
  element: string;
  base: string;
}

async function introspect(
  sql: PostgresQueryable,
  schema: string,
): Promise<Map<string, Table>> {
  const types = new Map<string, PgType>();
  for (const row of await sql.unsafe(
    "SELECT t.oid::text AS oid, t.typname::text AS name, n.nspname::text AS namespace, " +
      "t.typtype::text AS kind, t.typcategory::text AS category, t.typelem::text AS element, " +
      "t.typbasetype::text AS base FROM pg_catalog.pg_type t " +
      "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace",
  )) {
    types.set(String(row["oid"]), {
      name: String(row["name"]),
      namespace: String(row["namespace"]),
      kind: String(row["kind"]),
      category: String(row["category"]),
      element: String(row["element"]),
      base: String(row["base"]),
    });
  }
  const labels = new Map<string, string[]>();
  for (const row of await sql.unsafe(
    "SELECT enumtypid::text AS type, enumlabel::text AS label FROM pg_catalog.pg_enum " +
      "ORDER BY enumtypid, enumsortorder",
  )) {
    const type = String(row["type"]);
    const list = labels.get(type) ?? [];
    list.push(String(row["label"]));
    labels.set(type, list);
  }
  const family = (oid: string, depth: number): ColumnType => {
    const type = types.get(oid);
    if (!type || depth > 8) return "other";
    if (type.kind === "d") return { domain: family(type.base, depth + 1) };
    if (type.kind === "e") return { enum: labels.get(oid) ?? [] };
    if (type.category === "A" && type.element !== "0") {
      return { array: family(type.element, depth + 1) };
    }
    if (type.name === "citext") return "text";
    if (type.namespace !== "pg_catalog") return "other";
    return CATALOG_TYPES.get(type.name) ?? "other";
  };
  const tables = new Map<string, Table>();
  // Ordinary and partitioned tables (not partitions); generated columns cannot be
  // written. The module's own tables are not user tables.
  for (const row of await sql.unsafe(
    "SELECT c.relname::text AS table_name, a.attname::text AS column_name, a.atttypid::text AS type " +
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace " +
      "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid " +
      "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname::text = $1::text " +
      "AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' " +
      "AND left(c.relname::text, length($2::text)) <> $2::text ORDER BY c.relname, a.attnum",
    [schema, PREFIX],
  )) {
    const name = String(row["table_name"]);
    let table = tables.get(name);
    if (!table) {
      table = {
        name,
        qualified: `${quote(schema)}.${quote(name)}`,
        columns: new Map(),
      };
      tables.set(name, table);
    }
    const oid = String(row["type"]);
    const type = types.get(oid);
    const column = String(row["column_name"]);
    table.columns.set(column, {
      name: column,
      type: family(oid, 0),
      cast: type
        ? `${quote(type.namespace)}.${quote(type.name)}`
        : `"pg_catalog"."text"`,
    });
  }
  return tables;
}

const CATALOG_TYPES = new Map<string, ColumnType>([
  ["bool", "bool"],
  ["int2", "int2"],
  ["int4", "int4"],
  ["int8", "int8"],
  ["numeric", "numeric"],
  ["float4", "float4"],
  ["float8", "float8"],
  ["text", "text"],
  ["varchar", "text"],
  ["bpchar", "text"],
  ["name", "text"],
  ["uuid", "uuid"],
  ["json", "json"],
  ["jsonb", "jsonb"],
  ["date", "date"],
  ["time", "time"],
  ["timetz", "timetz"],
  ["timestamp", "timestamp"],
  ["timestamptz", "timestamptz"],
  ["interval", "interval"],
  ["bytea", "bytea"],
]);

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

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
function sqlState(error: unknown): string | undefined {
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
function isTablesError(error: unknown): boolean {
  const state = sqlState(error);
  return state === "42P01" || state === "42703" || state === "42P10";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What an error means for a transaction: connection and I/O errors are retryable;
 * the server's errors are classified by SQLSTATE ({@link classifySqlState});
 * anything else is fatal `UNCLASSIFIED_ERROR`.
 */
function classifyError(
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
function describe(code: string): string {
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

// ---------------------------------------------------------------------------
// Small parts
// ---------------------------------------------------------------------------

/** `name` as a quoted identifier: wrapped in double quotes, embedded ones doubled. */
function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Column names in a stable order, so a statement's text depends only on its shape. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a value sent for an owner column is the user (numbers by their text). */
function isSubject(value: unknown, subject: string): boolean {
  if (typeof value === "string") return value === subject;
  if (typeof value === "number") return String(value) === subject;
  return false;
}

/** The highest `op_id` of the transaction, when every entry has one. */
function lastOpId(transaction: CrudTransaction): number | undefined {
  let last: number | undefined;
  for (const entry of transaction.crud) {
    if (typeof entry.op_id !== "number") return undefined;
    last = last === undefined ? entry.op_id : Math.max(last, entry.op_id);
  }
  return last;
}

/** The same, read from a transaction that does not match its schema. */
function rawLastOpId(raw: unknown): number | undefined {
  const crud = (raw as { crud?: unknown } | null)?.crud;
  if (!Array.isArray(crud) || crud.length === 0) return undefined;
  let last: number | undefined;
  for (const entry of crud) {
    const id = (entry as { op_id?: unknown } | null)?.op_id;
    if (typeof id !== "number" || !Number.isInteger(id)) return undefined;
    last = last === undefined ? id : Math.max(last, id);
  }
  return last;
}

/** The entry index `k` of a violation path `$.transactions[i].crud[k]...`. */
function entryIndex(path: string): number {
  const match = /\]\.crud\[(\d+)\]/.exec(path);
  return match ? Number(match[1]) : 0;
}

/**
 * JSON text `jsonb` stores: what it cannot hold (NUL characters, unpaired
 * surrogates) becomes U+FFFD, so that a transaction is always kept.
 */
function jsonbText(value: unknown): string {
  const clean = (text: string): string =>
    text.replace(
      /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      "\uFFFD",
    );
  const copy = (v: unknown): unknown => {
    if (typeof v === "string") return clean(v);
    if (Array.isArray(v)) return v.map(copy);
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(
        Object.entries(v).map(([key, member]) => [clean(key), copy(member)]),
      );
    }
    return v;
  };
  return JSON.stringify(copy(value) ?? null);
}

function retryable(message: string, retryAfterMs: number): TransactionResult {
  return { status: "retryable_error", message, retry_after_ms: retryAfterMs };
}

function fatalResult(fatal: Fatal, deadLetterId: string): TransactionResult {
  return {
    status: "fatal_error",
    requires_client_handling: false,
    failed_operation: {
      error_code: fatal.code,
      message: fatal.message,
      ...(Object.keys(fatal.details).length > 0
        ? { details: fatal.details }
        : {}),
      operation_index: fatal.operationIndex,
    },
    dead_letter_id: deadLetterId,
  };
}

function consoleLog(entry: LogEntry): void {
  const text = `powersync-write-api/postgres: ${entry.message}`;
  const cause = entry.error === undefined ? [] : [entry.error];
  if (entry.level === "error") console.error(text, ...cause);
  else console.warn(text, ...cause);
}

/**
 * Dead letters each user may have kept per window, in this process: a bound on
 * what one user's refused writes cost the database. Past it the transaction is
 * answered retryable, never dropped.
 */
class Budget {
  private readonly used = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one letter, or says how long until the user's window ends. */
  take(subject: string): number | undefined {
    const now = Date.now();
    if (this.used.size >= 10_000) {
      for (const [key, { start }] of this.used) {
        if (now - start >= this.windowMs) this.used.delete(key);
      }
    }
    let entry = this.used.get(subject);
    if (!entry || now - entry.start >= this.windowMs) {
      entry = { start: now, count: 0 };
      this.used.set(subject, entry);
    }
    if (entry.count >= this.perWindow) {
      return this.windowMs - (now - entry.start);
    }
    entry.count++;
    return undefined;
  }
}

/** The module's tables, as the reference backend lays them out (`jsonb` here). */
function migration(schema: string): string {
  const table = (name: string): string => `${quote(schema)}.${quote(name)}`;
  return `-- The PostgreSQL write module's own tables (powersync-write-api/postgres).
-- Idempotent: safe to run on every deploy. Row-level security is enabled without
-- policies: only the tables' owner (the role running this, which the writer must
-- connect as) and superusers use them.
CREATE TABLE IF NOT EXISTS ${table(LEDGER)} (
    subject text NOT NULL,
    client_id text NOT NULL,
    last_op_id bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, client_id)
);
CREATE TABLE IF NOT EXISTS ${table(DEAD_LETTERS)} (
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    subject text NOT NULL,
    client_id text,
    "transaction" jsonb NOT NULL,
    error_code text NOT NULL,
    error_message text NOT NULL,
    error_details jsonb NOT NULL,
    operation_index integer NOT NULL,
    ledger_client_id text,
    ledger_op_id bigint
);
CREATE INDEX IF NOT EXISTS ${quote(`${DEAD_LETTERS}_ledger`)}
    ON ${table(DEAD_LETTERS)} (ledger_client_id, ledger_op_id);
ALTER TABLE ${table(LEDGER)} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${table(DEAD_LETTERS)} ENABLE ROW LEVEL SECURITY;
`;
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
