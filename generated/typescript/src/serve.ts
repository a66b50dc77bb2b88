// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

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

/** Settings of the fetch handler and the Express adapter. */
export interface HandlerOptions {
  /** The largest accepted request body in bytes; larger ones get 413 (default 4 MiB). */
  bodyLimit?: number;
  /** A prefix to strip from request paths (`/functions/v1/upload`), if any. */
  basePath?: string;
  /** Called with an error thrown by the implementation (answered with 500). */
  onError?: (error: unknown, request: Request) => void;
}

/** The default `bodyLimit`: 4 MiB. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

/** A handler in the shape of the Fetch API: Node 20+, Deno, Bun, edge runtimes. */
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
 * implementation sees the request.
 */
export function serveFetch<Handler, Principal>(
  handler: Handler,
  table: Route<Handler, Principal>[],
  authenticateWith: AuthenticateWith<Handler, Principal>,
  options: HandlerOptions,
): FetchHandler {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  return async (request) => {
    try {
      const url = new URL(request.url);
      const path = stripBase(url.pathname, options.basePath);
      const matches = table.filter((r) => r.pattern.test(path));
      if (matches.length === 0) {
        throw new HttpRejection(404, "NOT_FOUND", `no operation at ${path}`);
      }
      // HEAD is answered as GET without the body, as HTTP asks of every server.
      const head = request.method === "HEAD";
      const method = head ? "GET" : request.method;
      const found = matches.find((r) => r.spec.method === method);
      if (found === undefined) {
        const allow = matches
          .flatMap((r) =>
            r.spec.method === "GET" ? ["GET", "HEAD"] : [r.spec.method],
          )
          .join(", ");
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
      const decoded = await decode(found, path, url, request, bodyLimit);
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
    } catch (error) {
      if (error instanceof HttpRejection) return rejectionResponse(error);
      options.onError?.(error, request);
      return rejectionResponse(
        new HttpRejection(500, "INTERNAL_ERROR", "internal error"),
      );
    }
  };
}

/** Whether `path` (below `options.basePath`) is the path of one of `table`'s operations. */
export function servesRoute<Handler, Principal>(
  table: Route<Handler, Principal>[],
  path: string,
  options: HandlerOptions,
): boolean {
  const relative = stripBase(path, options.basePath);
  return table.some((r) => r.pattern.test(relative));
}

function stripBase(path: string, basePath = ""): string {
  const base = basePath.replace(/\/+$/, "");
  if (base === "" || !path.startsWith(base)) return path;
  return path.slice(base.length) || "/";
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
  bodyLimit: number,
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
    const body = await readBody(spec.body, request, bodyLimit, problems);
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
  limit: number,
  problems: Violations,
): Promise<{ value: unknown } | undefined> {
  if (spec.encoding === undefined) {
    const body = await readJson(request, limit, spec.required);
    if (body === undefined) return undefined;
    return { value: checkBody(spec.schema, body.value, problems) };
  }
  const raw = await readRaw(request, limit, spec.required, spec.contentType);
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
      } catch (error) {
        throw new HttpRejection(
          400,
          "INVALID_REQUEST",
          `the body is not UTF-8 text: ${detailOf(error)}`,
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
      } catch (error) {
        throw new HttpRejection(
          400,
          "INVALID_REQUEST",
          `the multipart body is malformed: ${detailOf(error)}`,
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

function detailOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
  limit: number,
  required: boolean,
  expected: string,
): Promise<
  { contentType: string; bytes: Uint8Array<ArrayBuffer> } | undefined
> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(limit);
  const contentType = request.headers.get("content-type");
  if (contentType !== null && essence(contentType) !== essence(expected)) {
    throw wrongMediaType(expected, contentType);
  }
  const bytes = await readLimited(request, limit);
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
  limit: number,
  required: boolean,
): Promise<{ value: unknown } | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(limit);
  const contentType = request.headers.get("content-type");
  if (contentType !== null && !isJson(contentType)) {
    throw new HttpRejection(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      `expected a JSON content type, found \`${contentType}\``,
    );
  }
  const bytes = await readLimited(request, limit);
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
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new HttpRejection(
      400,
      "INVALID_REQUEST",
      `the body is not valid JSON: ${detail}`,
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

/** The body's bytes, refusing more than `limit` without reading it all. */
async function readLimited(
  request: Request,
  limit: number,
): Promise<Uint8Array<ArrayBuffer>> {
  if (request.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
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
