// {{ header }}

/**
 * The server side: implement {{ handler_name }}, then serve it with
 * `createFetchHandler` (Node 20+, Deno, Supabase edge functions, Bun, Hono,
 * Cloudflare Workers) or the Express adapter in `./express.js`.
 */

import * as ops from "./operations.js";
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
} from "./serve.js";
import type { Handler } from "./spec.js";

export {
  DEFAULT_BODY_LIMIT,
  HttpRejection,
  rejectionResponse,
  type AuthenticatedContext,
  type Credentials,
  type FetchHandler,
  type HandlerOptions,
  type RequestContext,
} from "./serve.js";

{{ handler_doc }}export interface {{ handler_name }}<Principal = unknown> {{ handler_body }}

/**
 * Serves `handler` as a Fetch API handler. Unknown paths answer 404, a known path
 * with another method 405 (with `Allow`); an operation that requires credentials
 * answers 401 without calling the implementation when they are missing or
 * `authenticate` refuses them; then 415, 413 and 400 (with the paths of the
 * first `MAX_VIOLATIONS` violations and the count of the others) before the
 * implementation sees the request.
 */
export function createFetchHandler<Principal>(
  handler: {{ handler_name }}<Principal>,
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
{{ routes }}
}
{{ authenticate_with }}
