/**
 * The upload half of a PowerSync backend connector: an `uploadData` that sends the
 * local upload queue to a backend speaking this write protocol.
 *
 * It reads whole transactions from the queue, packs them into batches within
 * configurable limits (never splitting a transaction), sends each batch with the
 * generated client, and completes exactly the prefix of the batch the backend
 * accepted. Whatever is not accepted stays queued and makes `uploadData` throw a
 * typed error, which the SDK shows as the sync status's upload error before
 * calling `uploadData` again after its retry delay.
 *
 * Nothing here imports `@powersync/common`: the queue is described by structural
 * interfaces that every PowerSync JS SDK (web, node, react-native) and SDK
 * version satisfies, so this package does not pin an SDK version.
 */

import { InvalidResponseError, UnexpectedResponseError } from "./transport.ts";
import {
  BEARER_SCHEME,
  WritePathClient,
  type CrudEntry,
  type CrudTransaction,
  type ErrorResponse,
  type FailedOperation,
  type TransactionFatalError,
  type UpdateType,
  type UploadResponse,
  type Violation,
  type WriteBatch,
  type WriteBatchResponse,
} from "./spec.ts";

// ---------------------------------------------------------------------------
// The SDK's upload queue, structurally
// ---------------------------------------------------------------------------

/** One queued write, as the SDKs' `CrudEntry` provides it. */
export interface QueuedEntry {
  /** Position in the local upload queue; sent as `op_id`. */
  clientId: number;
  /** The row's id. */
  id: string;
  op: UpdateType;
  /** The local table (view) name. */
  table: string;
  /** Sent as `transaction_id`; absent for writes outside a transaction. */
  transactionId?: number | null | undefined;
  /** Sent as `op_data`. */
  opData?: Record<string, unknown> | null | undefined;
  /** Sent as `previous_values` (tables tracking previous values only). */
  previousValues?: Record<string, unknown> | null | undefined;
  /** Sent as `metadata` (tables tracking metadata only). */
  metadata?: string | null | undefined;
}

/** One local transaction, as the SDKs' `CrudTransaction` provides it. */
export interface QueuedTransaction {
  crud: QueuedEntry[];
  /**
   * Removes this transaction from the local queue (and, for transactions emitted
   * by `getCrudTransactions()`, every one emitted before it), recording the
   * backend's write checkpoint if given.
   */
  complete: (checkpoint?: string) => Promise<void>;
  transactionId?: number | null | undefined;
}

/**
 * What `uploadData` needs from the local database: a subset of the SDKs'
 * `PowerSyncDatabase` (`AbstractPowerSyncDatabase` in older SDKs).
 */
export interface UploadQueue {
  /**
   * Iterates over whole transactions, oldest first. Absent in older SDKs, where
   * `getNextCrudTransaction` is used instead (one transaction per request).
   */
  getCrudTransactions?(): AsyncIterable<QueuedTransaction>;
  /** The oldest transaction not completed yet, or null when the queue is empty. */
  getNextCrudTransaction(): Promise<QueuedTransaction | null>;
  /** The PowerSync client id, sent as `client_id` for idempotent retries. */
  getClientId?(): Promise<string>;
}

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

/** The protocol's maximum number of transactions per request. */
export const MAX_TRANSACTIONS_PER_REQUEST = 50;

/**
 * How long to wait, in milliseconds, after a `retryable_error` result that
 * carries no `retry_after_ms` (backends of this protocol always send it; the
 * public reference backend does not): 5000, the PowerSync SDKs' own retry
 * delay. See {@link UploaderOptions.defaultRetryAfterMs}.
 */
export const DEFAULT_RETRY_AFTER_MS = 5000;

/** The limits used for options that are not given. */
export const DEFAULT_UPLOAD_LIMITS: {
  readonly [K in keyof UploadLimits]-?: number;
} = {
  maxTransactions: MAX_TRANSACTIONS_PER_REQUEST,
  maxOperations: 1000,
  // Half the reference backend's default body limit (4 MiB), leaving room for
  // proxies with smaller limits; a 413 makes the uploader send smaller batches.
  maxBytes: 2 * 1024 * 1024,
};

/**
 * Limits on one request. A batch stops before the transaction that would
 * exceed a limit, except that a transaction larger than a limit on its own is
 * sent alone, since a transaction is never split.
 */
export interface UploadLimits {
  /** Transactions per request, 1 to 50 (the protocol's maximum). Default 50. */
  maxTransactions?: number | undefined;
  /** Queued writes (CRUD entries) per request. Default 1000. */
  maxOperations?: number | undefined;
  /**
   * Bytes of the JSON request body (UTF-8). Default 2 MiB. Lowered for the
   * uploader's lifetime when the backend or a proxy answers 413 to a batch of
   * several transactions.
   */
  maxBytes?: number | undefined;
}

/** Passed to {@link UploaderOptions.fetchToken}. */
export interface TokenContext {
  /**
   * True when the backend refused the previous token (401): return a freshly
   * issued token, not a cached one.
   */
  forceRefresh: boolean;
}

/** The app's answer for a transaction that needs it: see {@link ClientHandlingFailure}. */
export type ClientHandlingDecision = "retain" | "discard";

/**
 * A transaction the backend refused for good (`fatal_error` with
 * `requires_client_handling: true`) and did not keep: only the app can decide
 * what becomes of it.
 */
export interface ClientHandlingFailure {
  /** The queued transaction as the SDK provided it. */
  transaction: QueuedTransaction;
  /** The transaction as it was sent. */
  sent: CrudTransaction;
  /** The backend's result for it. */
  result: TransactionFatalError;
  failedOperation: FailedOperation;
  /**
   * The queued entry `failedOperation.operation_index` points at; undefined
   * when that index is absent (the failure concerns the whole transaction) or
   * out of range. `failedOperation.details` is passed on as the backend sent
   * it: an object from backends of this protocol, any JSON value from others.
   */
  entry: QueuedEntry | undefined;
}

/**
 * A transaction the backend refused for good but kept as a dead letter
 * (`fatal_error` with `requires_client_handling: false`); the uploader has
 * removed it from the local queue.
 */
export interface DeadLetteredTransaction {
  transaction: QueuedTransaction;
  sent: CrudTransaction;
  result: TransactionFatalError;
  failedOperation: FailedOperation;
  entry: QueuedEntry | undefined;
  /** The backend's id of the kept copy, if it reported one. */
  deadLetterId: string | undefined;
}

/**
 * Where the uploader reports what it does. `console` fits, and so does the
 * PowerSync SDKs' logger.
 */
export interface UploadLogger {
  debug?(message: string, ...details: unknown[]): void;
  warn?(message: string, ...details: unknown[]): void;
}

/** Options of {@link PowerSyncWriteUploader}. */
export interface UploaderOptions {
  /** The backend's base URL, e.g. `https://api.example.com`; `/api/data` is appended. */
  baseUrl: string;
  /**
   * Returns the bearer token (JWT) for the backend, or null/undefined to send
   * no `Authorization` header (for example when the user is signed out: the
   * backend then answers 401 and the upload fails with an
   * {@link UploadAuthenticationError}). Called once per `uploadData` call with
   * `forceRefresh: false` (return a cached token if you have a valid one), and
   * again with `forceRefresh: true` when the backend answers 401.
   */
  fetchToken: (
    context: TokenContext,
  ) => Promise<string | null | undefined> | string | null | undefined;
  /** The fetch implementation. Default: `globalThis.fetch`. */
  fetch?: typeof fetch | undefined;
  /** Limits on each request; see {@link UploadLimits}. */
  limits?: UploadLimits | undefined;
  /**
   * How long to wait for a reply to one request, in milliseconds, before
   * giving up on it as a retryable failure (nothing is completed; the same
   * transactions are sent again later, which is safe because the backend
   * recognises replays by `client_id` and `op_id`). Default 30 000.
   */
  timeoutMs?: number | undefined;
  /**
   * When the backend asked for a pause (`retry_after_ms`, or `Retry-After` on a
   * 429 or 503), the next `uploadData` call waits for the rest of it before
   * sending, but only if that rest is at most this many milliseconds; a longer
   * rest makes the call throw an {@link UploadRetryableError} at once, without
   * sending, so the SDK's own retry loop stays responsive. Default 30 000.
   */
  maxRetryWaitMs?: number | undefined;
  /**
   * The pause, in milliseconds, after a `retryable_error` result without
   * `retry_after_ms` (some backends leave it out). Default
   * {@link DEFAULT_RETRY_AFTER_MS} (5000). Subject to `maxRetryWaitMs` like any
   * other pause.
   */
  defaultRetryAfterMs?: number | undefined;
  /**
   * Aborts waiting and in-flight requests (for example when the app
   * disconnects); the call then throws an {@link UploadRetryableError}.
   */
  signal?: AbortSignal | undefined;
  /**
   * Decides about a transaction the backend refused for good and did not keep
   * (`requires_client_handling: true`). Answer `"discard"` to remove it from the
   * queue (after saving or reporting it as the app sees fit), or `"retain"` to
   * keep it at the head of the queue: uploading then stops with a
   * {@link ClientHandlingRequiredError} until a later call (this hook is asked
   * again each time the transaction is sent) answers `"discard"`. A hook that
   * throws counts as `"retain"`. Default: always `"retain"`, so nothing is ever
   * dropped without the app's consent. An async function: its type is
   * Promise-only so that `async () => "discard"` type-checks without `as const`.
   */
  onClientHandlingRequired?:
    | ((failure: ClientHandlingFailure) => Promise<ClientHandlingDecision>)
    | undefined;
  /**
   * Told about each transaction the backend kept as a dead letter before it is
   * removed from the local queue (for example to show the user that a change
   * was not applied). Errors it throws are logged and ignored: the backend
   * already holds the transaction.
   */
  onDeadLettered?:
    ((info: DeadLetteredTransaction) => void | Promise<void>) | undefined;
  /** Where progress and anomalies are logged. Default: nowhere. */
  logger?: UploadLogger | undefined;
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** Base class of every error `uploadData` throws on purpose. */
export class UploadError extends Error {
  /**
   * True when sending the same transactions again later may succeed without
   * anyone acting. The SDK retries in both cases; apps can use this to decide
   * whether to bother the user.
   */
  readonly retryable: boolean;

  constructor(
    message: string,
    retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.retryable = retryable;
  }
}

/**
 * The backend could not apply the transactions now (retryable result, 429,
 * 500, 503, a network failure or timeout). They stay queued; the next call
 * sends them again, not before `retryAfterMs` has passed when it is set.
 */
export class UploadRetryableError extends UploadError {
  /** The pause the backend asked for, in milliseconds, if it asked for one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, true, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The backend refused the whole request (400, 403, 413, 415): sending it
 * unchanged will fail again. The transactions stay queued.
 */
export class UploadRejectedError extends UploadError {
  readonly status: number;
  /** The error body's `code`, when the reply had one. */
  readonly code: string | undefined;
  readonly violations: Violation[];

  constructor(
    message: string,
    status: number,
    body: ErrorResponse | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, false, options);
    this.status = status;
    this.code = body?.code;
    this.violations = body?.violations ?? [];
  }
}

/**
 * The backend refused the credentials, even freshly fetched ones: the user
 * probably has to sign in again. The queue is intact.
 */
export class UploadAuthenticationError extends UploadError {
  readonly status = 401;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, false, options);
  }
}

/**
 * A transaction needs the app's decision and the app retained it: it stays at
 * the head of the queue and blocks the transactions after it.
 */
export class ClientHandlingRequiredError extends UploadError {
  readonly failure: ClientHandlingFailure;
  readonly table: string | undefined;
  /**
   * The failing entry's index within the transaction, or undefined when the
   * backend did not name one (the failure concerns the whole transaction).
   */
  readonly operationIndex: number | undefined;
  readonly errorCode: string;

  constructor(
    message: string,
    failure: ClientHandlingFailure,
    options?: { cause?: unknown },
  ) {
    super(message, false, options);
    this.failure = failure;
    this.table = failure.entry?.table;
    this.operationIndex = failure.failedOperation.operation_index;
    this.errorCode = failure.failedOperation.error_code;
  }
}

/**
 * The reply broke the protocol (a status the spec does not list, a body that
 * does not match its schema, a `results` list whose length differs from the
 * batch): nothing was completed. Usually a proxy in the way, a wrong
 * `baseUrl`, or a backend bug.
 */
export class UploadProtocolError extends UploadError {
  /** The HTTP status of the offending reply. */
  readonly status: number | undefined;

  constructor(
    message: string,
    status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, false, options);
    this.status = status;
  }
}

// ---------------------------------------------------------------------------
// The uploader
// ---------------------------------------------------------------------------

/** A transaction read from the queue together with its wire form. */
interface Packed {
  queued: QueuedTransaction;
  wire: CrudTransaction;
  /** UTF-8 length of `JSON.stringify(wire)`. */
  bytes: number;
}

/** The statuses of the protocol's non-200 replies. */
type ErrorStatus = Exclude<UploadResponse["status"], 200>;

/** A non-200 reply, its body undefined when it was not an `ErrorResponse`. */
interface ErrorReply {
  status: ErrorStatus;
  body: ErrorResponse | undefined;
  /** `Retry-After` in seconds, when present and a number. */
  retryAfterSeconds: number | undefined;
}

/** Every status of {@link ErrorStatus}: the compiler checks the keys. */
const ERROR_STATUSES: Readonly<Record<ErrorStatus, true>> = {
  400: true,
  401: true,
  403: true,
  413: true,
  415: true,
  429: true,
  500: true,
  503: true,
};

function isErrorStatus(status: number): status is ErrorStatus {
  return Object.hasOwn(ERROR_STATUSES, status);
}

/** `Retry-After` as seconds, read as the generated client reads it. */
function retryAfterSeconds(headers: Headers): number | undefined {
  const text = headers.get("retry-after")?.trim();
  if (text === undefined || text === "") return undefined;
  const seconds = Number(text);
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** What became of one request, as far as the loop in `uploadData` cares. */
type Sent =
  | { kind: "results"; response: Extract<UploadResponse, { status: 200 }> }
  | { kind: "too-large"; bodyBytes: number };

/**
 * Implements `PowerSyncBackendConnector.uploadData` for this write protocol.
 *
 * ```ts
 * const uploader = new PowerSyncWriteUploader({
 *   baseUrl: "https://api.example.com",
 *   fetchToken: async ({ forceRefresh }) => auth.getToken({ forceRefresh }),
 * });
 * const connector = {
 *   fetchCredentials: async () => ({ endpoint, token: await auth.getToken() }),
 *   uploadData: (database) => uploader.uploadData(database),
 * };
 * ```
 *
 * One instance per backend: it remembers the pause the backend asked for.
 */
export class PowerSyncWriteUploader {
  private readonly options: UploaderOptions;
  private readonly maxTransactions: number;
  private readonly maxOperations: number;
  private maxBytes: number;
  private readonly timeoutMs: number;
  private readonly maxRetryWaitMs: number;
  private readonly defaultRetryAfterMs: number;
  /** No request before this time (ms since the epoch): the backend's pause. */
  private notBefore = 0;

  constructor(options: UploaderOptions) {
    const where = "PowerSyncWriteUploader options";
    if (typeof options.baseUrl !== "string" || options.baseUrl === "") {
      throw new TypeError(
        `${where}: baseUrl must be the backend's base URL, e.g. "https://api.example.com".`,
      );
    }
    if (typeof options.fetchToken !== "function") {
      throw new TypeError(
        `${where}: fetchToken must be a function returning the backend's bearer token (or null when signed out).`,
      );
    }
    const limits = options.limits ?? {};
    this.options = options;
    this.maxTransactions = positiveInteger(
      `${where}: limits.maxTransactions`,
      limits.maxTransactions,
      DEFAULT_UPLOAD_LIMITS.maxTransactions,
      MAX_TRANSACTIONS_PER_REQUEST,
    );
    this.maxOperations = positiveInteger(
      `${where}: limits.maxOperations`,
      limits.maxOperations,
      DEFAULT_UPLOAD_LIMITS.maxOperations,
    );
    this.maxBytes = positiveInteger(
      `${where}: limits.maxBytes`,
      limits.maxBytes,
      DEFAULT_UPLOAD_LIMITS.maxBytes,
    );
    this.timeoutMs = positiveInteger(
      `${where}: timeoutMs`,
      options.timeoutMs,
      30_000,
    );
    this.maxRetryWaitMs = nonNegativeInteger(
      `${where}: maxRetryWaitMs`,
      options.maxRetryWaitMs,
      30_000,
    );
    this.defaultRetryAfterMs = nonNegativeInteger(
      `${where}: defaultRetryAfterMs`,
      options.defaultRetryAfterMs,
      DEFAULT_RETRY_AFTER_MS,
    );
  }

  /**
   * Uploads the queue until it is empty, or throws when something stays
   * queued (see the error classes). Use it as the connector's `uploadData`.
   */
  async uploadData(database: UploadQueue): Promise<void> {
    await this.waitForPause();

    // Sent with every batch so the backend can recognise replays; read up
    // front because the byte limit counts it.
    const clientId = await database.getClientId?.();
    let client: WritePathClient | undefined;
    let token: string | null | undefined;
    // The queue's head after the last completion: a queue that does not
    // advance must not make this loop spin (the SDK detects it and backs off).
    let lastCompletedOpId: number | undefined;

    for (;;) {
      const batch = await this.readBatch(database, clientId);
      const first = batch[0];
      if (first === undefined) return;
      const firstOpId = first.queued.crud[0]?.clientId;
      if (
        lastCompletedOpId !== undefined &&
        firstOpId !== undefined &&
        firstOpId <= lastCompletedOpId
      ) {
        this.options.logger?.warn?.(
          `PowerSync upload: the queue still starts at op_id ${firstOpId} after transactions up to op_id ${lastCompletedOpId} were completed; stopping this round.`,
        );
        return;
      }

      if (client === undefined) {
        // Deferred until there is something to send: an empty queue costs no
        // token fetch.
        token = await this.options.fetchToken({ forceRefresh: false });
        client = new WritePathClient({
          baseUrl: this.options.baseUrl,
          ...(this.options.fetch !== undefined
            ? { fetch: this.options.fetch }
            : {}),
          credentials: { [BEARER_SCHEME]: () => token },
        });
      }

      const body: WriteBatch = {
        ...(clientId !== undefined ? { client_id: clientId } : {}),
        transactions: batch.map((packed) => packed.wire),
      };
      let sent: Sent;
      let refreshed = false;
      for (;;) {
        try {
          sent = await this.send(client, body, batch);
          break;
        } catch (error) {
          if (!(error instanceof NeedsFreshToken)) throw error;
          if (refreshed) {
            throw new UploadAuthenticationError(
              `PowerSync upload to ${this.url()}: the backend refused a freshly fetched token too (401${describeBody(error.body)}). The user probably has to sign in again; the upload queue is kept and uploading resumes once fetchToken returns a token the backend accepts.`,
            );
          }
          refreshed = true;
          token = await this.options.fetchToken({ forceRefresh: true });
        }
      }

      if (sent.kind === "too-large") {
        // The backend (or a proxy) takes less than we sent: learn a smaller
        // byte limit and re-pack. Terminates, since a single transaction is
        // answered by an error instead (see `send`).
        const smaller = Math.max(1, Math.floor(sent.bodyBytes / 2));
        this.maxBytes = Math.min(this.maxBytes, smaller);
        this.options.logger?.warn?.(
          `PowerSync upload: the backend refused a ${sent.bodyBytes}-byte request as too large (413); sending at most ${this.maxBytes} bytes per request from now on.`,
        );
        continue;
      }

      const progress = await this.applyResults(batch, sent.response.body);
      if (progress.completed !== undefined) {
        lastCompletedOpId = lastOpId(progress.completed);
      }
      if (progress.stop !== undefined) throw progress.stop;
      // Whole batch done, or stopped at `not_attempted` after progress: the
      // rest is still queued and goes out in the next request.
    }
  }

  /** The endpoint, for messages. */
  private url(): string {
    return `${this.options.baseUrl.replace(/\/+$/, "")}/api/data`;
  }

  /** Waits out the backend's requested pause, or refuses if it is too long. */
  private async waitForPause(): Promise<void> {
    const remaining = this.notBefore - Date.now();
    if (remaining <= 0) return;
    if (remaining > this.maxRetryWaitMs) {
      throw new UploadRetryableError(
        `PowerSync upload to ${this.url()}: the backend asked to pause uploads; ${remaining} ms remain, more than maxRetryWaitMs (${this.maxRetryWaitMs} ms). Nothing was sent; the upload queue is kept and the SDK will call uploadData again.`,
        remaining,
      );
    }
    const signal = this.options.signal;
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(
          new UploadRetryableError(
            `PowerSync upload to ${this.url()}: aborted while waiting for the pause the backend asked for. Nothing was sent; the upload queue is kept.`,
            undefined,
            { cause: signal?.reason },
          ),
        );
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, remaining);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Reads the next batch from the head of the queue. A fresh iterator each
   * time, so the batch starts at the oldest transaction not completed yet
   * (including ones a previous batch sent but could not complete).
   */
  private async readBatch(
    database: UploadQueue,
    clientId: string | undefined,
  ): Promise<Packed[]> {
    if (typeof database.getCrudTransactions !== "function") {
      // Older SDKs: one transaction per request.
      const transaction = await database.getNextCrudTransaction();
      return transaction === null ? [] : [pack(transaction)];
    }

    const batch: Packed[] = [];
    let operations = 0;
    // `{"client_id":"…","transactions":[` … `]}`: the body without transactions.
    let bytes = utf8Length(
      JSON.stringify({
        ...(clientId !== undefined ? { client_id: clientId } : {}),
        transactions: [],
      }),
    );
    const iterator = database.getCrudTransactions()[Symbol.asyncIterator]();
    try {
      while (batch.length < this.maxTransactions) {
        const next = await iterator.next();
        if (next.done === true) break;
        const packed = pack(next.value);
        const separator = batch.length === 0 ? 0 : 1;
        const fits =
          operations + packed.wire.crud.length <= this.maxOperations &&
          bytes + separator + packed.bytes <= this.maxBytes;
        // Never split: a transaction over a limit on its own goes alone.
        if (!fits && batch.length > 0) break;
        batch.push(packed);
        operations += packed.wire.crud.length;
        bytes += separator + packed.bytes;
        if (!fits) break;
      }
    } finally {
      await iterator.return?.();
    }
    return batch;
  }

  /**
   * Sends one batch. Returns the 200 reply or a 413 of a multi-transaction
   * batch; throws `NeedsFreshToken` on 401 and an `UploadError` on anything
   * else.
   */
  private async send(
    client: WritePathClient,
    body: WriteBatch,
    batch: Packed[],
  ): Promise<Sent> {
    const where = `PowerSync upload to ${this.url()} (${describeBatch(batch)})`;
    const bodyBytes = utf8Length(JSON.stringify(body));

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const outer = this.options.signal;
    const onAbort = (): void => controller.abort(outer?.reason);
    if (outer?.aborted) onAbort();
    else outer?.addEventListener("abort", onAbort, { once: true });

    let response: UploadResponse;
    try {
      response = await client.uploadData(
        { body },
        { signal: controller.signal },
      );
    } catch (error) {
      // The abort check comes first: the client may wrap an abort that hit
      // while it read the body.
      if (timedOut) {
        throw new UploadRetryableError(
          `${where}: no reply within ${this.timeoutMs} ms (timeoutMs). The outcome is unknown; the upload queue is kept and the same transactions are sent again later (the backend recognises any it already applied).`,
          undefined,
          { cause: error },
        );
      }
      if (controller.signal.aborted) {
        throw new UploadRetryableError(
          `${where}: aborted by the uploader's signal. The outcome is unknown; the upload queue is kept.`,
          undefined,
          { cause: error },
        );
      }
      if (
        error instanceof UnexpectedResponseError ||
        error instanceof InvalidResponseError
      ) {
        return this.unexpected(error, where, batch, bodyBytes);
      }
      // Anything else is the fetch implementation failing (each reports
      // network errors its own way): the outcome is unknown, so retry.
      throw new UploadRetryableError(
        `${where}: the request failed (${errorMessage(error)}). The outcome is unknown; the upload queue is kept and the same transactions are sent again later. Check the network and baseUrl.`,
        undefined,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    }

    if (response.status === 200) return { kind: "results", response };
    return this.byStatus(
      {
        status: response.status,
        body: response.body,
        retryAfterSeconds:
          "headers" in response ? response.headers.retryAfter : undefined,
      },
      where,
      batch,
      bodyBytes,
    );
  }

  /**
   * Acts on a non-200 reply by its HTTP status. Its `body` is undefined when
   * the reply's body was not an `ErrorResponse` (not JSON, as from a proxy, or
   * JSON of another shape): the status alone decides then, and `cause` is the
   * client's error about the body. Returns a 413 of a multi-transaction batch;
   * throws `NeedsFreshToken` on 401 and an `UploadError` on anything else.
   */
  private byStatus(
    reply: ErrorReply,
    where: string,
    batch: Packed[],
    bodyBytes: number,
    cause?: InvalidResponseError,
  ): Sent {
    const kept = "Nothing was applied; the upload queue is kept";
    const { body } = reply;
    const said =
      body !== undefined
        ? describeBody(body)
        : cause !== undefined
          ? ", with a body that is not this protocol's error body (probably from a proxy)"
          : "";
    const options = cause !== undefined ? { cause } : {};
    switch (reply.status) {
      case 401:
        throw new NeedsFreshToken(body);
      case 413:
        if (batch.length > 1) return { kind: "too-large", bodyBytes };
        throw new UploadRejectedError(
          `${where}: the transaction is too large to upload (413 for a ${bodyBytes}-byte request${said}). It cannot be uploaded as it is; the upload queue is kept. Raise the backend's body limit, or have the app remove or shrink the transaction.`,
          413,
          body,
          options,
        );
      case 400:
        throw new UploadRejectedError(
          `${where}: the backend refused the request as invalid (400${said}). ${kept}; sending it unchanged fails again, so this is a bug in the app, this uploader or the backend: report it.`,
          400,
          body,
          options,
        );
      case 403:
        throw new UploadRejectedError(
          `${where}: the user may not upload (403${said}). ${kept} until the user's permissions change.`,
          403,
          body,
          options,
        );
      case 415:
        throw new UploadRejectedError(
          `${where}: the backend refused the content type (415${said}). ${kept}; check that nothing between the app and the backend rewrites the request.`,
          415,
          body,
          options,
        );
      case 429:
      case 503: {
        const seconds = reply.retryAfterSeconds;
        const retryAfterMs =
          seconds !== undefined && seconds >= 0 ? seconds * 1000 : undefined;
        if (retryAfterMs !== undefined) this.pauseFor(retryAfterMs);
        const why =
          reply.status === 429
            ? "rate limited"
            : "not ready (starting, stopping, or its database is unreachable)";
        throw new UploadRetryableError(
          `${where}: the backend is ${why} (${reply.status}${said}). ${kept} and sent again ${retryAfterMs !== undefined ? `in ${retryAfterMs} ms at the earliest (Retry-After)` : "after the SDK's retry delay"}.`,
          retryAfterMs,
          options,
        );
      }
      case 500:
        throw new UploadRetryableError(
          `${where}: the backend failed unexpectedly (500${said}). Some transactions may have been applied; the upload queue is kept and the same transactions are sent again later (the backend recognises any it already applied).`,
          undefined,
          options,
        );
      default:
        return assertNever(reply.status);
    }
  }

  /** A reply the generated client could not map onto the spec. */
  private unexpected(
    error: UnexpectedResponseError | InvalidResponseError,
    where: string,
    batch: Packed[],
    bodyBytes: number,
  ): Sent {
    const status = error.status;
    // A status the protocol defines, with a body that is not its error body
    // (a proxy's page, or a backend's error of another shape): act on the
    // status as for the backend's own reply. Only the 200 reply must match.
    if (error instanceof InvalidResponseError && isErrorStatus(status)) {
      return this.byStatus(
        {
          status,
          body: undefined,
          retryAfterSeconds: retryAfterSeconds(error.headers),
        },
        where,
        batch,
        bodyBytes,
        error,
      );
    }
    if (status === 408 || status === 429 || status >= 500) {
      throw new UploadRetryableError(
        `${where}: HTTP ${status} with a reply that is not this protocol's (probably from a proxy): ${error.message}. The outcome is unknown; the upload queue is kept and the same transactions are sent again later.`,
        undefined,
        { cause: error },
      );
    }
    throw new UploadProtocolError(
      `${where}: a reply this protocol does not allow (HTTP ${status}): ${error.message}. Nothing was completed; the upload queue is kept. Check baseUrl and any proxy in front of the backend.`,
      status,
      { cause: error },
    );
  }

  /** Remembers that no request may be sent for `ms` milliseconds. */
  private pauseFor(ms: number): void {
    this.notBefore = Math.max(this.notBefore, Date.now() + ms);
  }

  /**
   * Walks the results in order, completes the accepted prefix with one
   * `complete()` call, and returns the error that ended the prefix, if any.
   */
  private async applyResults(
    batch: Packed[],
    body: WriteBatchResponse,
  ): Promise<{ completed: Packed | undefined; stop: UploadError | undefined }> {
    const results = body.results;
    if (results.length !== batch.length) {
      return {
        completed: undefined,
        stop: new UploadProtocolError(
          `PowerSync upload to ${this.url()} (${describeBatch(batch)}): the backend answered ${results.length} results for ${batch.length} transactions. Nothing was completed, since results cannot be matched to transactions; the upload queue is kept. This is a backend bug.`,
          200,
        ),
      };
    }

    let lastDone = -1;
    let checkpoint: string | undefined;
    let stop: UploadError | undefined;
    for (let index = 0; index < results.length && stop === undefined; index++) {
      const result = results[index]!;
      const packed = batch[index]!;
      switch (result.status) {
        case "success":
          lastDone = index;
          if (result.write_checkpoint !== undefined) {
            checkpoint = result.write_checkpoint;
          }
          break;
        case "fatal_error":
          if (!result.requires_client_handling) {
            await this.reportDeadLetter(packed, result);
            lastDone = index;
          } else {
            const failure = toFailure(packed, result);
            const decision = await this.decide(failure);
            if (decision.choice === "discard") {
              this.options.logger?.warn?.(
                `PowerSync upload: the app discarded ${describeTransaction(packed.queued)} after the backend refused it (${describeFailure(failure)}).`,
              );
              lastDone = index;
            } else {
              stop = new ClientHandlingRequiredError(
                `PowerSync upload to ${this.url()}: the backend refused ${describeTransaction(packed.queued)} for good${describeOperation(failure)} with ${describeFailure(failure)}. It needs the app's decision and was retained: it stays at the head of the upload queue, blocking later transactions, until onClientHandlingRequired answers "discard" for it.`,
                failure,
                decision.error !== undefined ? { cause: decision.error } : {},
              );
            }
          }
          break;
        case "retryable_error": {
          const waitMs = result.retry_after_ms ?? this.defaultRetryAfterMs;
          this.pauseFor(waitMs);
          stop = new UploadRetryableError(
            `PowerSync upload to ${this.url()}: the backend could not apply ${describeTransaction(packed.queued)} now${result.message !== undefined ? `: ${result.message}` : " (it gave no reason)"}. It and the transactions after it stay queued and are sent again in ${waitMs} ms at the earliest${result.retry_after_ms === undefined ? " (the backend gave no retry_after_ms; this is the uploader's defaultRetryAfterMs)" : ""}.`,
            waitMs,
          );
          break;
        }
        case "not_attempted":
          stop = new UploadRetryableError(
            `PowerSync upload to ${this.url()}: the backend did not attempt ${describeTransaction(packed.queued)}${result.message !== undefined ? ` (${result.message})` : ""}. It stays queued and is sent again.`,
          );
          break;
        default: {
          const unknown: unknown = result;
          stop = new UploadProtocolError(
            `PowerSync upload to ${this.url()}: result ${index} has a status this uploader does not know (${JSON.stringify((unknown as { status?: unknown }).status)}). That transaction and the ones after it stay queued; update the app's powersync-write-api package.`,
            200,
          );
        }
      }
    }

    const completed = lastDone >= 0 ? batch[lastDone] : undefined;
    if (completed !== undefined) {
      // Completing the last accepted transaction completes all before it.
      await completed.queued.complete(checkpoint);
      this.options.logger?.debug?.(
        `PowerSync upload: completed ${lastDone + 1} of ${batch.length} transactions${checkpoint !== undefined ? ` (write checkpoint ${checkpoint})` : ""}.`,
      );
    }
    // `not_attempted` after progress: send the rest at once instead of waiting
    // for the SDK's retry delay. Without progress it would loop, so throw.
    if (
      stop instanceof UploadRetryableError &&
      results[lastDone + 1]?.status === "not_attempted" &&
      completed !== undefined
    ) {
      stop = undefined;
    }
    return { completed, stop };
  }

  private async reportDeadLetter(
    packed: Packed,
    result: TransactionFatalError,
  ): Promise<void> {
    const info: DeadLetteredTransaction = {
      ...toFailure(packed, result),
      deadLetterId: result.dead_letter_id,
    };
    this.options.logger?.warn?.(
      `PowerSync upload: the backend refused ${describeTransaction(packed.queued)}${describeOperation(info)} (${describeFailure(info)}) and kept it as dead letter ${result.dead_letter_id ?? "(no id)"}; removing it from the local queue.`,
    );
    try {
      await this.options.onDeadLettered?.(info);
    } catch (error) {
      this.options.logger?.warn?.(
        "PowerSync upload: onDeadLettered threw; ignored, since the backend kept the transaction.",
        error,
      );
    }
  }

  private async decide(
    failure: ClientHandlingFailure,
  ): Promise<{ choice: ClientHandlingDecision; error?: unknown }> {
    const hook = this.options.onClientHandlingRequired;
    if (hook === undefined) return { choice: "retain" };
    try {
      const choice = await hook(failure);
      // Anything but an explicit "discard" keeps the transaction.
      return { choice: choice === "discard" ? "discard" : "retain" };
    } catch (error) {
      return { choice: "retain", error };
    }
  }
}

/** Credentials as the SDKs' `PowerSyncCredentials`. */
export interface ConnectorCredentials {
  endpoint: string;
  token: string;
  expiresAt?: Date;
}

/** Options of {@link PowerSyncWriteConnector}. */
export type WriteConnectorOptions = Omit<UploaderOptions, "fetchToken"> & {
  /**
   * The backend's token. Default: the `token` of `fetchCredentials()`, for apps
   * whose backend accepts the same JWT as the PowerSync service.
   */
  fetchToken?: UploaderOptions["fetchToken"] | undefined;
};

/**
 * A `PowerSyncBackendConnector` with `uploadData` implemented by a
 * {@link PowerSyncWriteUploader}; subclasses supply `fetchCredentials`.
 */
export abstract class PowerSyncWriteConnector {
  protected readonly uploader: PowerSyncWriteUploader;

  constructor(options: WriteConnectorOptions) {
    const { fetchToken, ...rest } = options;
    this.uploader = new PowerSyncWriteUploader({
      ...rest,
      fetchToken:
        fetchToken ?? (async () => (await this.fetchCredentials())?.token),
    });
  }

  /** The PowerSync service's endpoint and token, or null when signed out. */
  abstract fetchCredentials(): Promise<ConnectorCredentials | null>;

  /** Uploads the local queue; see {@link PowerSyncWriteUploader.uploadData}. */
  uploadData(database: UploadQueue): Promise<void> {
    return this.uploader.uploadData(database);
  }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Internal: a 401, for the caller to refresh the token once. */
class NeedsFreshToken extends Error {
  constructor(readonly body: ErrorResponse | undefined) {
    super("401 Unauthorized");
  }
}

/** The wire form of a queued transaction: only keys with values are sent. */
function pack(queued: QueuedTransaction): Packed {
  const crud = queued.crud.map((entry): CrudEntry => {
    const wire: CrudEntry = {
      op: entry.op,
      table: entry.table,
      id: entry.id,
      op_id: entry.clientId,
    };
    if (entry.transactionId != null) wire.transaction_id = entry.transactionId;
    if (entry.opData != null) wire.op_data = entry.opData;
    if (entry.previousValues != null) {
      wire.previous_values = entry.previousValues;
    }
    if (entry.metadata != null) wire.metadata = entry.metadata;
    return wire;
  });
  const wire: CrudTransaction =
    queued.transactionId != null
      ? { transaction_id: queued.transactionId, crud }
      : { crud };
  return { queued, wire, bytes: utf8Length(JSON.stringify(wire)) };
}

function toFailure(
  packed: Packed,
  result: TransactionFatalError,
): ClientHandlingFailure {
  return {
    transaction: packed.queued,
    sent: packed.wire,
    result,
    failedOperation: result.failed_operation,
    entry: entryAt(packed.queued, result.failed_operation.operation_index),
  };
}

function lastOpId(packed: Packed): number | undefined {
  return packed.queued.crud[packed.queued.crud.length - 1]?.clientId;
}

/** UTF-8 byte length without TextEncoder's allocation (or its availability). */
function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

function describeTransaction(queued: QueuedTransaction): string {
  const first = queued.crud[0]?.clientId;
  const last = queued.crud[queued.crud.length - 1]?.clientId;
  const ops = first === last ? `op_id ${first}` : `op_id ${first}..${last}`;
  return queued.transactionId != null
    ? `transaction ${queued.transactionId} (${ops})`
    : `the transaction with ${ops}`;
}

function describeBatch(batch: Packed[]): string {
  const first = batch[0];
  const last = batch[batch.length - 1];
  if (first === undefined || last === undefined) return "empty batch";
  const from = first.queued.crud[0]?.clientId;
  const to = lastOpId(last);
  const count =
    batch.length === 1 ? "1 transaction" : `${batch.length} transactions`;
  return `${count}, op_id ${from}..${to}`;
}

/** The entry at `index`, if the backend named one and it is in range. */
function entryAt(
  queued: QueuedTransaction,
  index: number | undefined,
): QueuedEntry | undefined {
  return index === undefined ? undefined : queued.crud[index];
}

function describeEntry(entry: QueuedEntry | undefined): string {
  return entry === undefined
    ? ""
    : ` (${entry.op} ${entry.table} id ${entry.id})`;
}

/** ` at operation 2 (PUT todos id …)`, or nothing when the backend named no entry. */
function describeOperation(failure: ClientHandlingFailure): string {
  const index = failure.failedOperation.operation_index;
  return index === undefined
    ? ""
    : ` at operation ${index}${describeEntry(failure.entry)}`;
}

/** `CODE: message`, or `CODE` alone when the backend sent no message. */
function describeFailure(failure: ClientHandlingFailure): string {
  const { error_code, message } = failure.failedOperation;
  return message !== undefined ? `${error_code}: ${message}` : error_code;
}

function describeBody(body: ErrorResponse | undefined): string {
  if (body === undefined) return "";
  const violations =
    body.violations !== undefined && body.violations.length > 0
      ? `; ${body.violations.map((v) => `${v.path}: ${v.message}`).join("; ")}`
      : "";
  const code = body.code !== undefined ? `${body.code}: ` : "";
  return ` ${code}${body.message}${violations}`;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error
      ? `${error.message}: ${cause.message}`
      : error.message;
  }
  return String(error);
}

function positiveInteger(
  what: string,
  value: number | undefined,
  fallback: number,
  max?: number,
): number {
  if (value === undefined) return fallback;
  if (
    !Number.isInteger(value) ||
    value < 1 ||
    (max !== undefined && value > max)
  ) {
    throw new RangeError(
      `${what} must be an integer from 1${max !== undefined ? ` to ${max}` : ""}, got ${value}.`,
    );
  }
  return value;
}

function nonNegativeInteger(
  what: string,
  value: number | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `${what} must be an integer of 0 or more, got ${value}.`,
    );
  }
  return value;
}

function assertNever(value: never): never {
  throw new UploadProtocolError(
    `PowerSync upload: unhandled reply ${JSON.stringify(value)}.`,
    undefined,
  );
}
