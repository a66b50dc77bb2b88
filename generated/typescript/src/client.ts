// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

/** A typed client for every operation of the spec, on the Fetch API. */

import * as ops from "./operations.js";
import type { OperationSpec } from "./operations.js";
import { validateValue, type SchemaViolation } from "./validation.js";

/** A credential, or a function returning the current one (called per request). */
export type CredentialSource =
  | string
  | (() => string | null | undefined | Promise<string | null | undefined>);

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

/** Per-call settings. */
export interface RequestOptions {
  /** Aborts the request (e.g. `AbortSignal.timeout(30_000)`). */
  signal?: AbortSignal;
  /** Extra headers for this request. */
  headers?: Record<string, string>;
}

/** The server answered with a status the spec does not list for the operation. */
export class UnexpectedResponseError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(
      `${operation}: the server answered ${status}, which the spec does not list; body: ${body.slice(0, 200)}`,
    );
    this.name = "UnexpectedResponseError";
  }
}

/**
 * The server's reply does not match the spec: not JSON, or schema violations.
 * `status` and `headers` are the reply's, so a caller can still act on the
 * status (and a `Retry-After`) of a reply whose body it cannot use.
 */
export class InvalidResponseError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly violations: SchemaViolation[],
    detail?: string,
    readonly headers: Headers = new Headers(),
  ) {
    const problems = violations
      .map((v) => `${v.path}: ${v.message} (${v.keyword})`)
      .join("; ");
    super(
      `${operation}: the ${status} reply does not match the spec: ${detail ?? problems}`,
    );
    this.name = "InvalidResponseError";
  }
}

/** The typed request as the client sends it. */
interface AnyRequest {
  body?: unknown;
  path?: object;
  query?: object;
  headers?: object;
}

interface AnyResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, unknown>;
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
    return (await this.#send(spec, request, options)) as T;
  }

  async #send(
    spec: OperationSpec,
    request: AnyRequest,
    options: RequestOptions,
  ): Promise<AnyResponse> {
    const url = new URL(
      this.#options.baseUrl.replace(/\/+$/, "") + this.#path(spec, request),
    );
    const headers = new Headers(this.#options.headers);
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      headers.set(name, value);
    }
    for (const parameter of spec.parameters) {
      const group =
        parameter.location === "header"
          ? request.headers
          : request[parameter.location];
      const value = (group as Record<string, unknown> | undefined)?.[
        parameter.key
      ];
      if (value === undefined || value === null) continue;
      if (parameter.location === "query") {
        for (const item of Array.isArray(value) ? value : [value]) {
          url.searchParams.append(parameter.name, String(item));
        }
      } else if (parameter.location === "header") {
        const text = Array.isArray(value)
          ? value.map(String).join(",")
          : String(value);
        headers.set(parameter.name, text);
      }
    }
    await this.#authorize(spec, headers, url);
    const init: RequestInit = { method: spec.method, headers };
    if (options.signal !== undefined) init.signal = options.signal;
    if (spec.body !== undefined && request.body !== undefined) {
      headers.set("content-type", spec.body.contentType);
      init.body = JSON.stringify(request.body);
    }
    const fetcher = this.#options.fetch ?? globalThis.fetch;
    const reply = await fetcher(url, init);
    const text = await reply.text();
    const declared = spec.responses[reply.status] ?? spec.responses.default;
    if (declared === undefined) {
      throw new UnexpectedResponseError(spec.id, reply.status, text);
    }
    const response: AnyResponse = { status: reply.status };
    if (declared.body !== undefined) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new InvalidResponseError(
          spec.id,
          reply.status,
          [],
          `the body is not JSON: ${text.slice(0, 200)}`,
          reply.headers,
        );
      }
      const found = validateValue(declared.body, body);
      if (found.listed.length > 0) {
        throw new InvalidResponseError(
          spec.id,
          reply.status,
          found.listed,
          undefined,
          reply.headers,
        );
      }
      response.body = body;
    }
    if (declared.headers.length > 0) {
      const values: Record<string, unknown> = {};
      for (const header of declared.headers) {
        const text = reply.headers.get(header.name);
        if (text === null) continue;
        const type = header.schema.type;
        const number = Number(text.trim());
        // A header that does not parse as its type is left out, as if absent.
        if (type === "integer" || type === "number") {
          if (text.trim() !== "" && Number.isFinite(number)) {
            values[header.key] = number;
          }
        } else {
          values[header.key] = text;
        }
      }
      response.headers = values;
    }
    return response;
  }

  #path(spec: OperationSpec, request: AnyRequest): string {
    const values = (request.path ?? {}) as Record<string, unknown>;
    return spec.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
      encodeURIComponent(String(values[name])),
    );
  }

  /** Adds the credentials of the first security alternative that has them all. */
  async #authorize(
    spec: OperationSpec,
    headers: Headers,
    url: URL,
  ): Promise<void> {
    const sources = (this.#options.credentials ?? {}) as Record<
      string,
      CredentialSource | undefined
    >;
    for (const alternative of spec.security) {
      const secrets: [string, string][] = [];
      for (const scheme of alternative) {
        const source = sources[scheme];
        const secret = typeof source === "function" ? await source() : source;
        if (secret === undefined || secret === null || secret === "") break;
        secrets.push([scheme, secret]);
      }
      if (secrets.length < alternative.length) continue;
      for (const [scheme, secret] of secrets) {
        const how = ops.securityScheme(scheme);
        if (how === undefined) continue;
        if (how.type === "bearer") {
          headers.set("authorization", `Bearer ${secret}`);
        } else if (how.location === "header") {
          headers.set(how.name, secret);
        } else {
          url.searchParams.set(how.name, secret);
        }
      }
      return;
    }
  }
}
