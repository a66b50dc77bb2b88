// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

/**
 * The PostgreSQL writer's core (`./postgres.ts` is its public face): each
 * transaction resolved against the schema, authorized by the tables' policies,
 * converted, and applied in one database transaction with its ledger claim (and
 * write checkpoint, when kept); a
 * transaction that can never succeed kept as a dead letter.
 */

import type {
  LogEntry,
  PostgresQueryable,
  PostgresResult,
  PostgresSql,
  PostgresWriter,
  PostgresWriterOptions,
  TablePolicy,
  TransactionResult,
  UploadItem,
} from "./postgres.ts";
import {
  classifyError,
  describe,
  EntryError,
  errorMessage,
  isTablesError,
  NotReady,
  OwnTableError,
  Refusal,
  RETRYABLE_MESSAGE,
  sqlState,
  TABLES_CAUSE,
  TABLES_MESSAGE,
  type Failure,
  type Fatal,
} from "./postgres-errors.ts";
import {
  SchemaCache,
  type Column,
  type Snapshot,
  type Table,
} from "./postgres-schema.ts";
import {
  CHECKPOINTS,
  compareNames,
  DEAD_LETTERS,
  entryStatement,
  LEDGER,
  moduleStatements,
  rowExists,
  type ModuleStatements,
} from "./postgres-statements.ts";
import { toText } from "./postgres-values.ts";
import type { CrudTransaction } from "./spec.ts";

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

/** The ledger says the transaction was applied before. */
const DUPLICATE = Symbol("duplicate");

/** A transaction committed, with the write checkpoint it raised (when kept). */
interface Written {
  kind: "written";
  checkpoint?: string;
}

export class Writer implements PostgresWriter {
  readonly migration: string;
  private readonly schema: string;
  private readonly policies: ReadonlyMap<string, TablePolicy>;
  private readonly defaultPolicy: "allow" | "deny";
  private readonly retryAfterMs: number;
  private readonly expose: boolean;
  private readonly writeCheckpoints: boolean;
  private readonly budget: Budget;
  private readonly log: (entry: LogEntry) => void;
  private readonly statements: ModuleStatements;
  private readonly tables: SchemaCache;

  constructor(
    private readonly sql: PostgresSql,
    options: PostgresWriterOptions,
  ) {
    this.schema = options.schema ?? "public";
    this.policies = new Map(Object.entries(options.tables ?? {}));
    this.defaultPolicy = options.default ?? "deny";
    this.retryAfterMs = options.retryAfterMs ?? 1000;
    this.expose = options.exposeDatabaseMessages ?? false;
    this.writeCheckpoints = options.writeCheckpoints ?? false;
    this.budget = new Budget(
      options.deadLettersPerUser ?? 100,
      (options.deadLetterWindowSeconds ?? 60) * 1000,
    );
    this.log = options.log ?? consoleLog;
    this.statements = moduleStatements(this.schema);
    this.migration = this.statements.migration;
    this.tables = new SchemaCache(
      sql,
      this.schema,
      options.schemaReloadIntervalMs ?? 5000,
    );
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
    if (outcome === "duplicate") {
      const earlier = await this.keptBefore(
        subject,
        clientId,
        lastOpId(transaction),
      );
      return earlier ?? [{ status: "success", duplicate: true }, false];
    }
    if (outcome.kind === "written") {
      const result: TransactionResult =
        outcome.checkpoint === undefined
          ? { status: "success" }
          : { status: "success", write_checkpoint: outcome.checkpoint };
      return [result, false];
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
  ): Promise<Written | "duplicate" | Failure> {
    const started = Date.now();
    let snapshot: Snapshot;
    try {
      snapshot = await this.tables.current();
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
      let fresh: Snapshot | number;
      try {
        fresh = await this.tables.since(started);
      } catch (error) {
        return this.classify(error, 0);
      }
      if (typeof fresh === "number") {
        return {
          kind: "retryable",
          message:
            "a table or column is not in the database schema, which was loaded moments ago; retry once it may be loaded again",
          retryAfterMs: Math.max(1, fresh),
        };
      }
      snapshot = fresh;
    }
  }

  private async applyWith(
    snapshot: Snapshot,
    subject: string,
    clientId: string | undefined,
    transaction: CrudTransaction,
  ): Promise<Written | "duplicate" | Failure> {
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
    // Like the reference backend: a checkpoint per client, op ids or not.
    const checkpoint = this.writeCheckpoints ? clientId : undefined;
    try {
      return await this.run(subject, ledger, checkpoint, prepared, false);
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
          return await this.run(subject, ledger, checkpoint, prepared, true);
        } catch (again) {
          return this.failureOf(again);
        }
      }
      return failure;
    }
  }

  /**
   * One database transaction: the ledger claim, each entry, then the write
   * checkpoint of the client `checkpoint` (so a checkpoint is raised exactly when
   * the transaction commits).
   */
  private async run(
    subject: string,
    ledger: { clientId: string; lastOpId: number } | undefined,
    checkpoint: string | undefined,
    prepared: readonly Prepared[],
    careful: boolean,
  ): Promise<Written | "duplicate"> {
    let raised: string | undefined;
    try {
      await this.sql.begin(async (tx) => {
        if (careful) await tx.unsafe("SET CONSTRAINTS ALL IMMEDIATE");
        if (ledger) {
          const claimed = await own(
            tx.unsafe(this.statements.ledgerClaim, [
              subject,
              ledger.clientId,
              String(ledger.lastOpId),
            ]),
          );
          if (claimed.count === 0) throw DUPLICATE;
        }
        for (const entry of prepared) await this.write(tx, entry);
        if (checkpoint !== undefined) {
          const [row] = await own(
            tx.unsafe(this.statements.checkpoint, [subject, checkpoint]),
          );
          raised = String(row?.["checkpoint"]);
        }
      });
      return raised === undefined
        ? { kind: "written" }
        : { kind: "written", checkpoint: raised };
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
        const found = await tx.unsafe(rowExists(entry.table, key), [
          entry.parameters[0] ?? null,
        ]);
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

  /** Converts an entry's values and builds its statement (`entryStatement`). */
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
    const statement = entryStatement(op, table, key, columns, guard);
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
        await tx.unsafe(this.statements.ledgerAdvance, [
          subject,
          clientId!,
          ledger,
        ]);
        const [found] = await tx.unsafe(this.statements.deadLetterOfLedger, [
          subject,
          clientId!,
          ledger,
        ]);
        if (found) {
          id = String(found["id"]);
          return;
        }
      }
      const [row] = await tx.unsafe(this.statements.deadLetterInsert, [
        subject,
        clientId ?? null,
        jsonbText(transaction),
        fatal.code,
        fatal.message,
        jsonbText(fatal.details),
        String(fatal.operationIndex),
        ledger === undefined ? null : clientId!,
        ledger ?? null,
      ]);
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
      rows = await this.sql.unsafe(this.statements.deadLetterAnswer, [
        subject,
        clientId,
        String(last),
      ]);
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
  // Readiness
  // -------------------------------------------------------------------------

  async ready(): Promise<void> {
    let found: PostgresResult;
    try {
      found = await this.sql.unsafe(this.statements.moduleTables, [
        this.schema,
        LEDGER,
        DEAD_LETTERS,
        CHECKPOINTS,
      ]);
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
    // The checkpoints table only when checkpoints are kept: a deployment without
    // them is not made unready by the table added for them.
    const needed = this.writeCheckpoints
      ? [LEDGER, DEAD_LETTERS, CHECKPOINTS]
      : [LEDGER, DEAD_LETTERS];
    const missing = needed.filter((name) => !names.has(name));
    if (missing.length > 0 || ledger?.["subject"] !== true) {
      const message = `the PostgreSQL module's tables ${needed.join(", ")} are missing or outdated in schema \`${this.schema}\`: run \`writer.migration\` (it is safe to run on every deploy)`;
      this.log({ level: "error", message: `not ready: ${message}` });
      throw new NotReady(message);
    }
    let snapshot: Snapshot;
    try {
      snapshot = await this.tables.reload();
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
