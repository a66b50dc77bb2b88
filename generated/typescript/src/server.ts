// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

/**
 * The server side: implement PowerSyncWriteApiHandler, then serve it with
 * `createFetchHandler` (Deno, Bun, Supabase edge functions, Hono, any host of
 * Fetch API handlers), on Node with the adapter in `./node.ts`, or with the
 * Express adapter in `./express.ts`.
 */

import * as ops from "./operations.ts";
import {
  route,
  serveFetch,
  servesRoute,
  type AuthenticatedContext,
  type Credentials,
  type DecodedRequest,
  type FetchHandler,
  type HandlerOptions,
  type RequestContext,
  type Route,
} from "./serve.ts";
import type { Handler } from "./spec.ts";

export {
  DEFAULT_BODY_LIMIT,
  HttpRejection,
  rejectionResponse,
  type AuthenticatedContext,
  type CorsOptions,
  type Credentials,
  type FetchHandler,
  type HandlerOptions,
  type RequestContext,
} from "./serve.ts";

/**
 * The operations of PowerSync Write API, one method per operation. Each gets its typed,
 * already validated request and returns one of its typed responses.
 */
export interface PowerSyncWriteApiHandler<Principal = unknown> {
  /**
   * Checks the credentials of a request to an operation that requires them:
   * return who made it, or `null` to refuse it (401). Missing or malformed
   * credentials are refused without calling it. Refuse a token that does not
   * grant every scope in `credentials.scopes`. When an operation accepts several
   * schemes, each credential found is tried in the spec's order until one is
   * accepted. Throw an `HttpRejection` to answer otherwise (403, 503, ...).
   */
  authenticate(
    credentials: Credentials,
    request: Request,
  ): Promise<Principal | null>;

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
  uploadData(
    request: ops.UploadDataReceivedRequest,
    context: AuthenticatedContext<Principal>,
  ): Promise<ops.UploadDataResponse>;

  /**
   * Liveness probe
   *
   * Answers `200` while the process is running and able to serve HTTP, without
   * touching the database. Use it to decide whether to restart the process, not
   * whether to send it traffic (use `/ready` for that). Needs no credentials.
   *
   * `GET /health` (`health`).
   */
  health(context: RequestContext): Promise<ops.HealthResponse>;

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
  ready(context: RequestContext): Promise<ops.ReadyResponse>;
}

/**
 * Serves `handler` as a Fetch API handler. Unknown paths answer 404, a known path
 * with another method 405 (with `Allow`); an operation that requires credentials
 * answers 401 without calling the implementation when they are missing or
 * `authenticate` refuses them; then 415, 413 and 400 (with the paths of the
 * first `MAX_VIOLATIONS` violations and the count of the others) before the
 * implementation sees the request. A 413, or a reply sent before the body could
 * be read to its end, says `Connection: close`. See `HandlerOptions` for the
 * body limit, a base path and CORS (a `TypeError` when `cors` is not usable).
 */
export function createFetchHandler<Principal>(
  handler: PowerSyncWriteApiHandler<Principal>,
  options: HandlerOptions = {},
): FetchHandler {
  return serveFetch(handler, routes<Principal>(), authenticateWith, options);
}

/** Whether `path` (below `options.basePath`) is the path of an operation. */
export function servesPath(
  path: string,
  options: HandlerOptions = {},
): boolean {
  return servesRoute(routes(), path, options);
}

function routes<Principal>(): Route<Handler<Principal>, Principal>[] {
  return [
    route(ops.operations.uploadData, invokeUploadData),
    route(ops.operations.health, invokeHealth),
    route(ops.operations.ready, invokeReady),
  ];
}

function invokeUploadData<Principal>(
  handler: PowerSyncWriteApiHandler<Principal>,
  request: DecodedRequest,
  context: AuthenticatedContext<Principal | undefined>,
): Promise<ops.UploadDataResponse> {
  return handler.uploadData(
    request as ops.UploadDataReceivedRequest,
    context as AuthenticatedContext<Principal>,
  );
}

function invokeHealth<Principal>(
  handler: PowerSyncWriteApiHandler<Principal>,
  _request: DecodedRequest,
  context: AuthenticatedContext<Principal | undefined>,
): Promise<ops.HealthResponse> {
  return handler.health(context);
}

function invokeReady<Principal>(
  handler: PowerSyncWriteApiHandler<Principal>,
  _request: DecodedRequest,
  context: AuthenticatedContext<Principal | undefined>,
): Promise<ops.ReadyResponse> {
  return handler.ready(context);
}

function authenticateWith<Principal>(
  handler: PowerSyncWriteApiHandler<Principal>,
  credentials: Credentials,
  request: Request,
): Promise<Principal | null> {
  return handler.authenticate(credentials, request);
}
