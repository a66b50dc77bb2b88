// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

/** A typed client for every operation of the spec, on the Fetch API. */

import * as ops from "./operations.ts";
import type { OperationSpec } from "./operations.ts";
import {
  send,
  type AnyRequest,
  type CredentialSource,
  type RequestOptions,
} from "./transport.ts";

export {
  InvalidRequestError,
  InvalidResponseError,
  UnexpectedResponseError,
  type CredentialSource,
  type RequestOptions,
} from "./transport.ts";

/** Settings of PowerSyncWriteApiClient. */
export interface ClientOptions {
  /** The server's base URL, e.g. `https://api.example.com`; paths are appended. */
  baseUrl: string;
  /** The fetch implementation (default: `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** One credential source per security scheme of the spec, by scheme name. */
  credentials?: { bearerAuth?: CredentialSource };
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

/** A client for PowerSync Write API. */
export class PowerSyncWriteApiClient {
  readonly #options: ClientOptions;

  constructor(options: ClientOptions) {
    this.#options = options;
  }

  /**
   * Upload a batch of queued local transactions
   *
   * Applies each transaction of the batch atomically, in order, and answers one
   * result per transaction. The reply to a batch that was processed is always `200`,
   * whatever happened to the individual transactions: read `results`. Within a
   * batch, the backend stops at the first transaction that ends in
   * `retryable_error` (later ones are `not_attempted`); after a `fatal_error` it
   * either stops the same way or, under a skip policy, goes on with the next
   * transaction.
   *
   * `POST /api/data` (`uploadData`).
   */
  async uploadData(
    request: ops.UploadDataRequest,
    options: RequestOptions = {},
  ): Promise<ops.UploadDataResponse> {
    return this.#call(ops.operations.uploadData, request, options);
  }

  /**
   * Liveness probe
   *
   * Answers `200` while the process is running and able to serve HTTP, without
   * touching the database. Use it to decide whether to restart the process, not
   * whether to send it traffic (use `/ready` for that). Needs no credentials.
   *
   * `GET /health` (`health`).
   */
  async health(options: RequestOptions = {}): Promise<ops.HealthResponse> {
    return this.#call(ops.operations.health, {}, options);
  }

  /**
   * Readiness probe
   *
   * Answers `200` when the backend can accept uploads (in particular, its database
   * is reachable and holds the backend's own tables at the version it needs),
   * `503` otherwise. Load balancers should route uploads only to ready instances.
   * Needs no credentials.
   *
   * `GET /ready` (`ready`).
   */
  async ready(options: RequestOptions = {}): Promise<ops.ReadyResponse> {
    return this.#call(ops.operations.ready, {}, options);
  }

  /** Sends a request; the caller's declared response type is the cast. */
  async #call<T>(
    spec: OperationSpec,
    request: AnyRequest,
    options: RequestOptions,
  ): Promise<T> {
    return (await send(this.#options, spec, request, options)) as T;
  }
}
