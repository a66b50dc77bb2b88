{%- import "typescript/src/macros.ts" as m -%}
// {{ header }}

/**
 * The server side: implement {{ handler_name }}, then serve it with
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
{%- for line in handler_doc %}
 *{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
 */
{%- if operations.is_empty() && !secured %}
export interface {{ handler_name }}<Principal = unknown> {}
{%- else %}
export interface {{ handler_name }}<Principal = unknown> {
{%- if secured %}
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
{%- endif %}
{%- for op in operations %}
{%- if secured || !loop.first %}
{% endif %}
{%- if !op.doc.is_empty() %}
  /**
{%- for line in op.doc %}
   *{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
   */
{%- endif %}
{%- call m::call(op.member) %}{% endcall %}
{%- endfor %}
}
{%- endif %}

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
  return [{% for op in operations %}{% if !loop.first %}, {% endif %}{{ op.route }}{% endfor %}];
}
{%- for op in operations %}

function invoke{{ op.stem }}<Principal>(
  handler: {{ handler_name }}<Principal>,
  {{ op.request_param }}: DecodedRequest,
  context: AuthenticatedContext<Principal | undefined>,
): Promise<ops.{{ op.stem }}Response> {
{%- call m::call(op.invoke) %}{% endcall %}
}
{%- endfor %}
{% if secured %}
function authenticateWith<Principal>(
  handler: {{ handler_name }}<Principal>,
  credentials: Credentials,
  request: Request,
): Promise<Principal | null> {
  return handler.authenticate(credentials, request);
}
{%- else %}
// No operation requires credentials, so this is never called.
function authenticateWith<Principal>(
  _handler: {{ handler_name }}<Principal>,
  _credentials: Credentials,
  _request: Request,
): Promise<Principal | null> {
  return Promise.resolve(null);
}
{%- endif %}
