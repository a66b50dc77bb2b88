/**
 * The fetch handler that serves every spec's operations: routing, credentials,
 * request decoding and validation, response encoding. The generated `server.ts`
 * gives it the spec's routes and handler interface, and exports its public part.
 */

import * as ops from "./operations.ts";
import type {
  BodySpec,
  OperationSpec,
  ParameterSpec,
  ResponseSpec,
  SecurityUse,
} from "./operations.ts";
import {
  addViolation,
  checkItems,
  perItemArrays,
  propertyPath,
  resolve,
  validateEnvelope,
  validateValue,
  type Schema,
  type SchemaViolation,
  type Violations,
} from "./validator.ts";

/** A credential taken from a request: the security scheme's name and its secret. */
export interface Credentials {
  /** The scheme's name in the spec (`bearerAuth`). */
  scheme: string;
  /** The bearer token or API key. */
  secret: string;
  /**
   * The scopes the operation requires of this scheme (its `security` entry in the
   * spec; usually empty outside `oauth2` and `openIdConnect`). `authenticate` must
   * refuse a token that does not grant them all.
   */
  scopes: readonly string[];
}

/** What a handler method gets besides its typed request. */
export interface RequestContext {
  /** The original request, for anything the spec does not describe. */
  request: Request;
}

/** The context of an operation that requires credentials. */
export interface AuthenticatedContext<Principal> extends RequestContext {
  /** Who made the request, as `authenticate` decided. */
  principal: Principal;
}

/**
 * A request refused before (or instead of) reaching the implementation; also
 * thrown by an implementation to answer with an error status. The body is
 * `{code, message, violations?, violations_omitted?}`, the shape of the spec's
 * error response: `violations_omitted` (sent when above 0) counts the violations
 * found beyond the listed ones, which the adapter caps at `MAX_VIOLATIONS`.
 */
export class HttpRejection extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly violations: SchemaViolation[] = [],
    readonly headers: Record<string, string> = {},
    readonly violationsOmitted = 0,
  ) {
    super(message);
    this.name = "HttpRejection";
  }

  /** The JSON body sent for this rejection. */
  toJSON(): {
    code: string;
    message: string;
    violations?: SchemaViolation[];
    violations_omitted?: number;
  } {
    const body: ReturnType<HttpRejection["toJSON"]> = {
      code: this.code,
      message: this.message,
    };
    if (this.violations.length > 0) body.violations = this.violations;
    if (this.violationsOmitted > 0) {
      body.violations_omitted = this.violationsOmitted;
    }
    return body;
  }
}

/** Settings of the fetch handler and of every adapter (Node, Express). */
export interface HandlerOptions {
  /**
   * The largest accepted request body in bytes; larger ones get 413 (default 4
   * MiB). The body is read as it arrives and refused as soon as it passes the
   * limit, whatever its `Content-Length` said.
   */
  bodyLimit?: number;
  /**
   * The path the API is mounted at (`/powersync-write` for a Supabase edge
   * function of that name), stripped from request paths before routing; a path
   * outside it is 404.
   */
  basePath?: string;
  /** Called with an error thrown by the implementation (answered with 500). */
  onError?: (error: unknown, request: Request) => void;
  /** Which web pages may call the API from a browser (none unless set). */
  cors?: CorsOptions;
}

/**
 * Cross-origin access for browsers (CORS), as the reference backend's
 * `[http.cors]`: preflights (`OPTIONS` with `Access-Control-Request-Method`) are
 * answered 200 on every path, and every reply, errors included, carries
 * `Access-Control-Allow-Origin` for an allowed origin and exposes `Retry-After`.
 * Credentials (cookies) stay off: the API authenticates with bearer tokens.
 * `createFetchHandler` throws a `TypeError` naming the option when these are
 * not usable.
 */
export interface CorsOptions {
  /**
   * `"*"` (every origin), or the origins allowed, each as browsers send it in
   * `Origin` (`scheme://host[:port]`: `https://app.example.com`); `[]` allows
   * none. With a list, every reply says `Vary: Origin`.
   */
  allowedOrigins: "*" | readonly string[];
  /**
   * Request headers a page may send (default `authorization` and
   * `content-type`, which must be listed: every upload sends them).
   */
  allowedHeaders?: readonly string[];
  /** How long a browser may reuse a preflight's answer (default 3600; at most 86400). */
  maxAgeSeconds?: number;
}

/** The default `bodyLimit`: 4 MiB. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * Before a reply to a request whose body was not read to its end (a 413, or a
 * 401 that never needed the body), the handler reads and discards what is left
 * of the body, at most this many bytes (or `bodyLimit`, if larger): a client
 * still sending then gets the reply rather than a reset connection (Bun, for
 * one, closes a connection with unread bytes at once). A body with more left is
 * cancelled, and the reply says `Connection: close`, as every 413 does. 8 MiB
 * covers the PowerSync connector's largest batches (2 MiB by default).
 */
export const DRAIN_LIMIT = 8 * 1024 * 1024;

/**
 * The drain also stops when no byte came for this long (ms): a client that
 * waits for the reply before it sends more then gets the reply.
 */
export const DRAIN_IDLE_MS = 1000;

/** A handler in the shape of the Fetch API: Deno, Bun, edge runtimes, Node through `./node.ts`. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** Calls the handler's method for one operation (generated per operation). */
export type Invoke<Handler, Principal> = (
  handler: Handler,
  request: DecodedRequest,
  context: AuthenticatedContext<Principal | undefined>,
) => Promise<{ status: number; body?: unknown; headers?: object }>;

/** An operation the fetch handler serves. */
export interface Route<Handler, Principal> {
  spec: OperationSpec;
  pattern: RegExp;
  /** The path parameters' names, in the order of the pattern's groups. */
  names: string[];
  invoke: Invoke<Handler, Principal>;
}

/** The typed request as the adapter builds it, before the generated cast. */
export interface DecodedRequest {
  body?: unknown;
  path?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
}

/** The route of one operation: its path template as a pattern. */
export function route<Handler, Principal>(
  spec: OperationSpec,
  invoke: Invoke<Handler, Principal>,
): Route<Handler, Principal> {
  const names: string[] = [];
  const source = spec.path
    .split(/(\{[^}]+\})/)
    .map((part) => {
      if (part.startsWith("{") && part.endsWith("}")) {
        names.push(part.slice(1, -1));
        return "([^/]+)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return { spec, pattern: new RegExp(`^${source}$`), names, invoke };
}

/**
 * Serves `handler` as a Fetch API handler. Unknown paths answer 404, a known path
 * with another method 405 (with `Allow`), HEAD on a GET operation its GET reply
 * without the body; an operation that requires credentials
 * answers 401 without calling the implementation when they are missing or
 * `authenticate` refuses them; then 415, 413 and 400 (with the paths of the
 * first `MAX_VIOLATIONS` violations and the count of the others) before the
 * implementation sees the request. A reply sent before the body was read to
 * its end drains it first (`DRAIN_LIMIT`); a 413, or a reply whose body could
 * not be drained, says `Connection: close`. With `options.cors`, preflights are
 * answered and every reply carries the CORS headers. Throws a `TypeError` when
 * `options.cors` is not usable.
 */
export function serveFetch<Handler, Principal>(
  handler: Handler,
  table: Route<Handler, Principal>[],
  authenticateWith: AuthenticateWith<Handler, Principal>,
  options: HandlerOptions,
): FetchHandler {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const drainLimit = Math.max(bodyLimit, DRAIN_LIMIT);
  const cors = corsPolicy(options.cors, table);
  return async (request) => {
    const body = new BodyReader(request);
    let response: Response;
    try {
      response =
        cors !== undefined && isPreflight(request)
          ? preflightResponse(cors, request)
          : await answer(handler, table, authenticateWith, options, request, {
              body,
              limit: bodyLimit,
            });
    } catch (error) {
      if (error instanceof HttpRejection) {
        response = rejectionResponse(error);
      } else {
        options.onError?.(error, request);
        response = rejectionResponse(
          new HttpRejection(500, "INTERNAL_ERROR", "internal error"),
        );
      }
    }
    // A client still sending gets the reply only if its body is read to the
    // end: a socket closed with unread bytes is reset, and the reply lost
    // (Bun closes at once after a reply that says `Connection: close`).
    const ended = await body.drain(drainLimit);
    if (!ended || response.status === 413) {
      // Deliberately: the connection cannot serve another request (its
      // unread rest would be taken for one), and a client must not reuse it.
      response.headers.set("connection", "close");
    }
    if (cors !== undefined) addCorsHeaders(cors, request, response.headers);
    return response;
  };
}

/** The reply to one request (the response of an operation, or a rejection thrown). */
async function answer<Handler, Principal>(
  handler: Handler,
  table: Route<Handler, Principal>[],
  authenticateWith: AuthenticateWith<Handler, Principal>,
  options: HandlerOptions,
  request: Request,
  body: BodySource,
): Promise<Response> {
  const url = new URL(request.url);
  const path = stripBase(url.pathname, options.basePath);
  if (path === undefined) {
    throw new HttpRejection(
      404,
      "NOT_FOUND",
      `no operation at ${url.pathname}: the API is served below ${options.basePath ?? ""}`,
    );
  }
  const matches = table.filter((r) => r.pattern.test(path));
  if (matches.length === 0) {
    throw new HttpRejection(404, "NOT_FOUND", `no operation at ${path}`);
  }
  // HEAD is answered as GET without the body, as HTTP asks of every server.
  const head = request.method === "HEAD";
  const method = head ? "GET" : request.method;
  const found = matches.find((r) => r.spec.method === method);
  if (found === undefined) {
    const allow = allowedMethods(matches);
    throw new HttpRejection(
      405,
      "METHOD_NOT_ALLOWED",
      `${request.method} is not allowed on ${path}; use ${allow}`,
      [],
      { allow },
    );
  }
  const principal = await authenticate(
    handler,
    authenticateWith,
    found.spec,
    request,
    url,
  );
  const decoded = await decode(found, path, url, request, body);
  const response = await found.invoke(handler, decoded, {
    request,
    principal,
  });
  const encoded = encode(found.spec, response);
  return head
    ? new Response(null, {
        status: encoded.status,
        headers: encoded.headers,
      })
    : encoded;
}

/** The methods of `routes`, HEAD after each GET, as `Allow` lists them. */
function allowedMethods<Handler, Principal>(
  routes: Route<Handler, Principal>[],
): string {
  return routes
    .flatMap((r) =>
      r.spec.method === "GET" ? ["GET", "HEAD"] : [r.spec.method],
    )
    .join(", ");
}

/** `HandlerOptions.cors`, checked, with its reply headers prepared. */
interface CorsPolicy {
  /** Every origin (`"*"`), or these. */
  origins: "*" | ReadonlySet<string>;
  methods: string;
  headers: string;
  maxAge: string;
}

/** Browsers keep a preflight's answer at most this long (Firefox: 24 h; Chromium: 2 h). */
const MAX_AGE_LIMIT_SECONDS = 86_400;

/** Request headers every upload sends, so `allowedHeaders` must list them. */
const REQUIRED_HEADERS = ["authorization", "content-type"];

/** An HTTP token: what a header name is made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function corsError(key: string, message: string): TypeError {
  return new TypeError(`HandlerOptions.cors.${key}: ${message}`);
}

/** The policy `options` describe, or a `TypeError` saying what is wrong with them. */
function corsPolicy<Handler, Principal>(
  options: CorsOptions | undefined,
  table: Route<Handler, Principal>[],
): CorsPolicy | undefined {
  if (options === undefined) return undefined;
  const listed = options.allowedOrigins;
  let origins: CorsPolicy["origins"];
  if (listed === "*") {
    origins = "*";
  } else if (Array.isArray(listed)) {
    if (listed.includes("*")) {
      throw corsError(
        "allowedOrigins",
        `"*" allows every origin, so it cannot be combined with others (${listed.join(", ")}): write either allowedOrigins: "*" or a list without it`,
      );
    }
    origins = new Set(listed.map(checkOrigin));
  } else {
    throw corsError(
      "allowedOrigins",
      `expected "*" or a list of origins, found ${JSON.stringify(listed)}`,
    );
  }
  const headers = (options.allowedHeaders ?? REQUIRED_HEADERS).map((name) => {
    const trimmed = name.trim().toLowerCase();
    if (trimmed === "*") {
      throw corsError(
        "allowedHeaders",
        '"*" is not supported (browsers never let it cover `authorization`): list the header names',
      );
    }
    if (!TOKEN.test(trimmed)) {
      throw corsError(
        "allowedHeaders",
        `\`${name}\` is not a valid HTTP header name`,
      );
    }
    return trimmed;
  });
  const missing = REQUIRED_HEADERS.filter((h) => !headers.includes(h));
  if (missing.length > 0) {
    throw corsError(
      "allowedHeaders",
      `it must list ${missing.join(" and ")} (every upload sends them, so browsers would block every upload); add them to the list`,
    );
  }
  const maxAge = options.maxAgeSeconds ?? 3600;
  if (
    !Number.isInteger(maxAge) ||
    maxAge < 0 ||
    maxAge > MAX_AGE_LIMIT_SECONDS
  ) {
    throw corsError(
      "maxAgeSeconds",
      `${maxAge} is not a whole number of seconds from 0 to ${MAX_AGE_LIMIT_SECONDS} (a day, the most browsers keep a preflight's answer)`,
    );
  }
  const methods = [...new Set(table.map((r) => r.spec.method))]
    .sort()
    .join(", ");
  return {
    origins,
    methods,
    headers: [...new Set(headers)].join(", "),
    maxAge: String(maxAge),
  };
}

/** `origin` if it is written as browsers send `Origin`, else a `TypeError` saying how to write it. */
function checkOrigin(origin: string): string {
  const form = "scheme://host[:port], e.g. https://app.example.com";
  if (origin === "null") {
    throw corsError(
      "allowedOrigins",
      '`null` (the origin of sandboxed frames and file: pages, which any page can make) cannot be allowed; use "*" to allow every origin',
    );
  }
  if (origin.includes("*")) {
    throw corsError(
      "allowedOrigins",
      `\`${origin}\`: patterns are not supported; list each origin (${form}), or use "*" alone to allow every origin`,
    );
  }
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw corsError(
      "allowedOrigins",
      `\`${origin}\` is not an origin (${form})`,
    );
  }
  if (url.host === "") {
    throw corsError(
      "allowedOrigins",
      `\`${origin}\` has no host; an origin is ${form}`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw corsError(
      "allowedOrigins",
      `\`${origin}\` has a user name or password; an origin is ${form}`,
    );
  }
  if (
    !["", "/"].includes(url.pathname) ||
    url.search !== "" ||
    url.hash !== ""
  ) {
    throw corsError(
      "allowedOrigins",
      `\`${origin}\` has a path, query or fragment; an origin is only ${form}`,
    );
  }
  const normalized = `${url.protocol}//${url.host}`;
  if (normalized !== origin) {
    throw corsError(
      "allowedOrigins",
      `\`${origin}\` is not written the way browsers send it, so it would never match; write \`${normalized}\``,
    );
  }
  return origin;
}

/** A browser's preflight: `OPTIONS` asking whether a method may be used. */
function isPreflight(request: Request): boolean {
  return (
    request.method === "OPTIONS" &&
    request.headers.has("access-control-request-method")
  );
}

/** The origin a reply may name in `Access-Control-Allow-Origin`, if any. */
function allowedOrigin(cors: CorsPolicy, request: Request): string | undefined {
  if (cors.origins === "*") return "*";
  const origin = request.headers.get("origin");
  return origin !== null && cors.origins.has(origin) ? origin : undefined;
}

/** The answer to a preflight: which methods and headers the origin may use. */
function preflightResponse(cors: CorsPolicy, request: Request): Response {
  const headers = new Headers();
  if (allowedOrigin(cors, request) !== undefined) {
    headers.set("access-control-allow-methods", cors.methods);
    headers.set("access-control-allow-headers", cors.headers);
    headers.set("access-control-max-age", cors.maxAge);
  }
  return new Response(null, { status: 200, headers });
}

/**
 * The CORS headers of every reply: the allowed origin and the reply headers a
 * page may read (`Retry-After`, so a browser connector can honour a 429 or
 * 503); and `Vary: Origin` when the answer depends on the origin.
 */
function addCorsHeaders(
  cors: CorsPolicy,
  request: Request,
  headers: Headers,
): void {
  if (cors.origins !== "*") headers.append("vary", "Origin");
  const origin = allowedOrigin(cors, request);
  if (origin === undefined) return;
  headers.set("access-control-allow-origin", origin);
  if (!isPreflight(request)) {
    headers.set("access-control-expose-headers", "Retry-After");
  }
}

/** Whether `path` (below `options.basePath`) is the path of one of `table`'s operations. */
export function servesRoute<Handler, Principal>(
  table: Route<Handler, Principal>[],
  path: string,
  options: HandlerOptions,
): boolean {
  const relative = stripBase(path, options.basePath);
  return relative !== undefined && table.some((r) => r.pattern.test(relative));
}

/**
 * `path` relative to `basePath`, or undefined when it lies outside it: the base
 * matches whole segments only (`/api` is not a prefix of `/apiary`).
 */
function stripBase(path: string, basePath = ""): string | undefined {
  const base = basePath.replace(/\/+$/, "");
  if (base === "") return path;
  if (path === base) return "/";
  return path.startsWith(`${base}/`) ? path.slice(base.length) : undefined;
}

/** The JSON response for a rejection. */
export function rejectionResponse(rejection: HttpRejection): Response {
  return new Response(JSON.stringify(rejection), {
    status: rejection.status,
    headers: { ...rejection.headers, "content-type": "application/json" },
  });
}

function credential(
  { scheme, scopes }: SecurityUse,
  request: Request,
  url: URL,
): Credentials | undefined {
  const spec = ops.securityScheme(scheme);
  if (spec === undefined) return undefined;
  let secret: string | null = null;
  if (spec.type === "bearer") {
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer +(\S+) *$/i.exec(header);
    secret = match?.[1] ?? null;
  } else if (spec.location === "header") {
    secret = request.headers.get(spec.name);
  } else {
    secret = url.searchParams.get(spec.name);
  }
  return secret === null || secret === ""
    ? undefined
    : { scheme, secret, scopes };
}

/** The handler's `authenticate` (generated: a spec without security has none). */
export type AuthenticateWith<Handler, Principal> = (
  handler: Handler,
  credentials: Credentials,
  request: Request,
) => Promise<Principal | null>;

/**
 * The principal of the first security alternative whose credentials are all
 * present and accepted, tried in the spec's order: a token refused for one scheme
 * (an OAuth scope missing, say) may still be accepted for the next. When none is,
 * the first refusal is the answer, or 401 for missing credentials.
 */
async function authenticate<Handler, Principal>(
  handler: Handler,
  authenticateWith: AuthenticateWith<Handler, Principal>,
  spec: OperationSpec,
  request: Request,
  url: URL,
): Promise<Principal | undefined> {
  if (spec.security.length === 0) return undefined;
  let refused = false;
  alternatives: for (const alternative of spec.security) {
    // An empty alternative (`{}` in the spec) makes credentials optional.
    if (alternative.length === 0) return undefined;
    const found = alternative.map((use) => credential(use, request, url));
    if (found.some((c) => c === undefined)) continue;
    // Every scheme of the alternative must accept its credential; the first
    // one's principal stands for the request.
    let principal: Principal | undefined;
    for (const credentials of found) {
      if (credentials === undefined) continue;
      const accepted = await authenticateWith(handler, credentials, request);
      if (accepted === null || accepted === undefined) {
        refused = true;
        continue alternatives;
      }
      principal ??= accepted;
    }
    return principal;
  }
  throw new HttpRejection(
    401,
    "UNAUTHENTICATED",
    refused
      ? "the credentials were refused"
      : "missing or malformed credentials",
  );
}

function invalid(found: Violations): HttpRejection {
  return new HttpRejection(
    400,
    "INVALID_REQUEST",
    "the request does not match the schema",
    found.listed,
    {},
    found.omitted,
  );
}

/** Reads a parameter's text into the value its schema describes. */
function fromText(parameter: ParameterSpec, texts: string[]): unknown {
  const schema = parameter.schema;
  if (schema.type === "array") {
    const separator = parameter.separator;
    // Without a separator the query key repeats, one item per value. With one,
    // each (decoded) value is split on it, an empty value has no items, and a
    // header's items may be spaced.
    if (separator === undefined) {
      return texts.map((item) => scalar(schema.items, item));
    }
    const header = parameter.location === "header";
    const items = texts
      .filter((t) => (header ? t.trim() : t) !== "")
      .flatMap((t) => t.split(separator))
      .map((t) => (header ? t.trim() : t));
    return items.map((item) => scalar(schema.items, item));
  }
  return scalar(schema, texts[0] ?? "");
}

/** A scalar's text as its schema's type, a named one (an enum) included. */
function scalar(schema: ParameterSpec["schema"], text: string): unknown {
  switch (resolve(schema).type) {
    case "integer":
    case "number":
      return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text) ? Number(text) : text;
    case "boolean":
      return text === "true" ? true : text === "false" ? false : text;
    default:
      return text;
  }
}

/** `text` percent-decoded, or undefined when it is not valid UTF-8 escapes. */
function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

async function decode<Handler, Principal>(
  found: Route<Handler, Principal>,
  path: string,
  url: URL,
  request: Request,
  source: BodySource,
): Promise<DecodedRequest> {
  const spec = found.spec;
  const decoded: DecodedRequest = {};
  const problems: Violations = { listed: [], omitted: 0 };
  const groups = found.pattern.exec(path) ?? [];
  for (const parameter of spec.parameters) {
    let texts: string[];
    if (parameter.location === "path") {
      const index = found.names.indexOf(parameter.name) + 1;
      const text = percentDecoded(groups[index] ?? "");
      if (text === undefined) {
        addViolation(problems, () => ({
          path: `path.${parameter.name}`,
          keyword: "type",
          message: `the path parameter \`${parameter.name}\` is not valid percent-encoded UTF-8`,
        }));
        continue;
      }
      texts = [text];
    } else if (parameter.location === "query") {
      texts = url.searchParams.getAll(parameter.name);
    } else {
      const header = request.headers.get(parameter.name);
      texts = header === null ? [] : [header];
    }
    const where =
      parameter.location === "header" ? "headers" : parameter.location;
    const at = `${parameter.location}.${parameter.name}`;
    if (texts.length === 0) {
      if (parameter.required) {
        addViolation(problems, () => ({
          path: at,
          keyword: "required",
          message: `the ${parameter.location} parameter \`${parameter.name}\` is required`,
        }));
      }
      continue;
    }
    const value = fromText(parameter, texts);
    validateValue(parameter.schema, value, at, problems);
    // Defined, not assigned: a parameter named `__proto__` is a property like any
    // other, not the group's prototype.
    Object.defineProperty((decoded[where] ??= {}), parameter.key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  if (spec.body !== undefined) {
    const body = await readBody(spec.body, request, source, problems);
    if (body !== undefined) decoded.body = body.value;
  }
  if (problems.listed.length > 0) throw invalid(problems);
  return decoded;
}

/**
 * Validates a body into `problems`. With `x-per-item-validation` arrays, only
 * the envelope can refuse it (the whole body is then reported, as without them),
 * and the arrays' items reach the handler each checked on its own.
 */
function checkBody(
  schema: Schema,
  value: unknown,
  problems: Violations,
): unknown {
  const arrays = perItemArrays(schema);
  // Without such arrays, or with a refused envelope, the body is checked whole.
  const whole =
    arrays.length === 0 || validateEnvelope(schema, value).listed.length > 0;
  if (whole) {
    validateValue(schema, value, "$", problems);
    return value;
  }
  const body: Record<string, unknown> = { ...(value as object) };
  for (const [name, items] of arrays) {
    const values = body[name] as unknown[];
    body[name] = checkItems(items, values, propertyPath("$", name));
  }
  return body;
}

/** Reads, parses and validates (into `problems`) a body of any encoding. */
async function readBody(
  spec: BodySpec,
  request: Request,
  source: BodySource,
  problems: Violations,
): Promise<{ value: unknown } | undefined> {
  if (spec.encoding === undefined) {
    const body = await readJson(request, source, spec.required);
    if (body === undefined) return undefined;
    return { value: checkBody(spec.schema, body.value, problems) };
  }
  const raw = await readRaw(request, source, spec.required, spec.contentType);
  if (raw === undefined) return undefined;
  switch (spec.encoding) {
    case "binary":
      return { value: new Blob([raw.bytes], { type: raw.contentType }) };
    case "text": {
      let text: string;
      try {
        text = new TextDecoder("utf-8", {
          fatal: true,
          ignoreBOM: true,
        }).decode(raw.bytes);
      } catch {
        // The same words on every runtime: engines word decoding errors
        // their own way.
        throw new HttpRejection(
          400,
          "INVALID_REQUEST",
          "the body is not UTF-8 text",
        );
      }
      validateValue(spec.schema, text, "$", problems);
      return { value: text };
    }
    case "form": {
      const fields = new URLSearchParams(new TextDecoder().decode(raw.bytes));
      return { value: formValue(spec, [...fields], problems) };
    }
    case "multipart": {
      let form: FormData;
      try {
        form = await new Response(raw.bytes, {
          headers: { "content-type": raw.contentType },
        }).formData();
      } catch {
        throw new HttpRejection(
          400,
          "INVALID_REQUEST",
          "the multipart body is malformed: it does not parse as multipart/form-data with the boundary its Content-Type names",
        );
      }
      const entries: [string, string | Blob][] = [];
      form.forEach((value, name) => entries.push([name, value]));
      // A text field sent with a file name arrives as a file: its text.
      const parts: [string, string | Blob][] = [];
      for (const [name, value] of entries) {
        const file = spec.files?.includes(name) === true;
        parts.push([
          name,
          typeof value === "string" || file ? value : await value.text(),
        ]);
      }
      return { value: formValue(spec, parts, problems) };
    }
  }
}

/**
 * The value a form or multipart body stands for: each property of the schema
 * once (an array with every value of its name), its text read as the property's
 * scalar type, validated into `problems` like a JSON body (a file as an empty
 * string). Then a file property gets its `Blob` (an array of files, every part
 * of its name). Names the schema does not declare are ignored.
 */
function formValue(
  spec: BodySpec,
  parts: [string, string | Blob][],
  problems: Violations,
): Record<string, unknown> {
  const schema = resolve(spec.schema);
  const value: Record<string, unknown> = {};
  const files: Record<string, Blob[]> = {};
  if (schema.type !== "object") return value;
  for (const [name, property] of Object.entries(schema.properties)) {
    const values = parts.filter(([key]) => key === name).map(([, v]) => v);
    if (values.length === 0) continue;
    const type = resolve(property.schema);
    const isArray = type.type === "array";
    if (spec.files?.includes(name) === true) {
      // A file part sent without a file name arrives as text: its bytes.
      files[name] = values.map((v) =>
        typeof v === "string" ? new Blob([v]) : v,
      );
      value[name] = isArray ? values.map(() => "") : "";
    } else if (isArray) {
      value[name] = values.map((v) => fieldValue(resolve(type.items), text(v)));
    } else {
      value[name] = fieldValue(type, text(values[0] ?? ""));
    }
  }
  validateValue(spec.schema, value, "$", problems);
  for (const [name, blobs] of Object.entries(files)) {
    value[name] = Array.isArray(value[name]) ? blobs : blobs[0];
  }
  return value;
}

/**
 * The JSON value a field's text stands for: a number or boolean when it reads as
 * one (spaces around it aside), else the text, which the validator then refuses
 * where it expects a number or boolean.
 */
function fieldValue(schema: Schema, text: string): unknown {
  const trimmed = text.trim();
  switch (schema.type) {
    case "integer":
    case "number": {
      const number = Number(trimmed);
      return /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(trimmed) &&
        Number.isFinite(number)
        ? number
        : text;
    }
    case "boolean":
      return trimmed === "true" ? true : trimmed === "false" ? false : text;
    default:
      return text;
  }
}

/** A field's text (a non-file field is always text by now). */
function text(value: string | Blob): string {
  return typeof value === "string" ? value : "";
}

/** The media type of a `Content-Type` value, without parameters, in lower case. */
function essence(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/** 415: the body's media type is not the one the operation takes. */
function wrongMediaType(expected: string, found: string | null): HttpRejection {
  return new HttpRejection(
    415,
    "UNSUPPORTED_MEDIA_TYPE",
    `expected the content type \`${expected}\`, found ${found === null ? "none" : `\`${found}\``}`,
  );
}

/**
 * Reads a body that is not JSON: 413 over `limit`, 415 unless its media type is
 * `expected` (parameters such as `charset` aside); `undefined` for an absent
 * optional body.
 */
async function readRaw(
  request: Request,
  source: BodySource,
  required: boolean,
  expected: string,
): Promise<
  { contentType: string; bytes: Uint8Array<ArrayBuffer> } | undefined
> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > source.limit) throw tooLarge(source.limit);
  const contentType = request.headers.get("content-type");
  if (contentType !== null && essence(contentType) !== essence(expected)) {
    throw wrongMediaType(expected, contentType);
  }
  const bytes = await readLimited(source);
  if (contentType === null) {
    if (bytes.length === 0 && !required) return undefined;
    throw wrongMediaType(expected, null);
  }
  return { contentType, bytes };
}

/** A text type's `Content-Type`, with `charset=utf-8` unless it has parameters. */
function textContentType(contentType: string): string {
  return contentType.includes(";")
    ? contentType
    : `${contentType}; charset=utf-8`;
}

function isJson(contentType: string): boolean {
  const essence = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return (
    essence === "application/json" ||
    (essence.startsWith("application/") && essence.endsWith("+json"))
  );
}

async function readJson(
  request: Request,
  source: BodySource,
  required: boolean,
): Promise<{ value: unknown } | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > source.limit) throw tooLarge(source.limit);
  const contentType = request.headers.get("content-type");
  if (contentType !== null && !isJson(contentType)) {
    throw new HttpRejection(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      `expected a JSON content type, found \`${contentType}\``,
    );
  }
  const bytes = await readLimited(source);
  if (contentType === null) {
    if (bytes.length === 0 && !required) return undefined;
    throw new HttpRejection(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      "expected a JSON content type, found none",
    );
  }
  if (bytes.length === 0 && !required) return undefined;
  try {
    return { value: JSON.parse(new TextDecoder().decode(bytes)) };
  } catch {
    // One message on every runtime: each engine words its parse errors its
    // own way, and the client needs only to know that the JSON is broken.
    throw new HttpRejection(
      400,
      "INVALID_REQUEST",
      "the body is not valid JSON",
    );
  }
}

function tooLarge(limit: number): HttpRejection {
  return new HttpRejection(
    413,
    "PAYLOAD_TOO_LARGE",
    `the body exceeds ${limit} bytes`,
  );
}

/** The body's bytes, refusing more than `limit` as soon as they arrive. */
async function readLimited({
  body,
  limit,
}: BodySource): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const chunk = await body.next();
    if (chunk === undefined) break;
    size += chunk.byteLength;
    // The rest is left to `drain`, once the reply is ready.
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** A request's body as the handler reads it, with its limit. */
interface BodySource {
  body: BodyReader;
  limit: number;
}

/**
 * Reads a request's body chunk by chunk, keeping track of whether it was read
 * to its end: the reply to a request whose body was not must close the
 * connection.
 */
class BodyReader {
  readonly #request: Request;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #ended: boolean;
  #failed = false;
  /** Bytes read so far. */
  #read = 0;

  constructor(request: Request) {
    this.#request = request;
    this.#ended = request.body === null;
  }

  /** The next chunk, or `undefined` at the end; 400 when the body cannot be read. */
  async next(): Promise<Uint8Array | undefined> {
    if (this.#ended) return undefined;
    try {
      this.#reader ??= (this.#request.body as ReadableStream).getReader();
      const { done, value } = await this.#reader.read();
      if (done) {
        this.#ended = true;
        return undefined;
      }
      this.#read += (value as Uint8Array).byteLength;
      return value as Uint8Array;
    } catch {
      this.#failed = true;
      throw new HttpRejection(
        400,
        "INVALID_REQUEST",
        "the body could not be read to its end (the connection failed or the client stopped sending it); send the request again",
      );
    }
  }

  /**
   * Reads and discards the rest of the body, at most `limit` bytes of it:
   * whether it was read to its end. A body the implementation took over (read
   * through `context.request`) is its own. Never throws.
   */
  async drain(limit: number): Promise<boolean> {
    if (this.#ended) return true;
    if (this.#failed) return false;
    if (this.#reader === undefined && this.#request.bodyUsed) return true;
    const declared = Number(this.#request.headers.get("content-length"));
    if (declared - this.#read > limit) {
      // Sure to be cut short: spare the reading.
      await this.#cancel();
      return false;
    }
    let drained = 0;
    let idle: ReturnType<typeof setTimeout> | undefined;
    try {
      const reader = (this.#reader ??= (
        this.#request.body as ReadableStream
      ).getReader());
      for (;;) {
        // A client that waits for the reply before sending more would wait
        // for ever: after DRAIN_IDLE_MS without a byte, the reply goes.
        const stalled = new Promise<"stalled">((resolve) => {
          idle = setTimeout(() => resolve("stalled"), DRAIN_IDLE_MS);
        });
        const next = await Promise.race([reader.read(), stalled]);
        clearTimeout(idle);
        if (next === "stalled") break;
        if (next.done) {
          this.#ended = true;
          return true;
        }
        drained += (next.value as Uint8Array).byteLength;
        if (drained > limit) break;
      }
    } catch {
      clearTimeout(idle);
      return false;
    }
    await this.#cancel();
    return false;
  }

  async #cancel(): Promise<void> {
    try {
      await (this.#reader ?? this.#request.body)?.cancel();
    } catch {
      // Already closed or failed: nothing is left to refuse.
    }
  }
}

function encode(
  spec: OperationSpec,
  response: { status: number; body?: unknown; headers?: object },
): Response {
  const declared: ResponseSpec | undefined =
    spec.responses[response.status] ?? spec.responses.default;
  const headers = new Headers();
  const values = (response.headers ?? {}) as Record<string, unknown>;
  for (const header of declared?.headers ?? []) {
    const value = values[header.key];
    if (value === undefined || value === null) continue;
    headers.set(
      header.name,
      Array.isArray(value) ? value.map(String).join(",") : String(value),
    );
  }
  if (declared?.body === undefined || response.body === undefined) {
    return new Response(null, { status: response.status, headers });
  }
  if (declared.encoding === "binary") {
    headers.set(
      "content-type",
      declared.contentType ?? "application/octet-stream",
    );
    return new Response(response.body as Blob, {
      status: response.status,
      headers,
    });
  }
  if (declared.encoding === "text") {
    headers.set(
      "content-type",
      textContentType(declared.contentType ?? "text/plain"),
    );
    return new Response(String(response.body), {
      status: response.status,
      headers,
    });
  }
  headers.set("content-type", declared.contentType ?? "application/json");
  return new Response(JSON.stringify(response.body), {
    status: response.status,
    headers,
  });
}
