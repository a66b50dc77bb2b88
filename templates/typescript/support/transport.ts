/**
 * The fetch client's transport, the same for every spec: builds a request from an
 * operation's spec and typed request, adds credentials, and checks the reply
 * against the spec. The generated `client.ts` has one typed method per operation.
 */

import * as ops from "./operations.ts";
import type { BodySpec, OperationSpec, ParameterSpec } from "./operations.ts";
import { resolve, validateValue, type SchemaViolation } from "./validator.ts";

/** A credential, or a function returning the current one (called per request). */
export type CredentialSource =
  | string
  | (() => string | null | undefined | Promise<string | null | undefined>);

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
 * The request cannot be written as the spec says, so nothing was sent: an item
 * of an array parameter holds the character that separates its items, or an
 * array path parameter is empty.
 */
export class InvalidRequestError extends Error {
  constructor(
    readonly operation: string,
    detail: string,
  ) {
    super(`${operation}: the request cannot be sent: ${detail}`);
    this.name = "InvalidRequestError";
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
export interface AnyRequest {
  body?: unknown;
  path?: object;
  query?: object;
  headers?: object;
}

/** The reply as the client decoded it, before the generated cast. */
export interface AnyResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, unknown>;
}

/** What `send` needs of the client's settings (`ClientOptions`). */
export interface ClientSettings {
  baseUrl: string;
  fetch?: typeof fetch;
  /** Credential sources by security scheme name. */
  credentials?: object;
  headers?: Record<string, string>;
}

/** Sends a request of the operation `spec` and decodes the reply. */
export async function send(
  settings: ClientSettings,
  spec: OperationSpec,
  request: AnyRequest,
  options: RequestOptions,
): Promise<AnyResponse> {
  const url = new URL(
    settings.baseUrl.replace(/\/+$/, "") + pathOf(spec, request),
  );
  const headers = new Headers(settings.headers);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    headers.set(name, value);
  }
  // Encoded `name=value` pairs, written once: `URLSearchParams` would encode
  // the separators of delimited arrays.
  const query: string[] = [];
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
      const name = formEncode(parameter.name);
      if (Array.isArray(value) && parameter.separator !== undefined) {
        // One value, the separator as OpenAPI writes it: `1,2`, `1%202`, `1|2`.
        const joint = parameter.separator === " " ? "%20" : parameter.separator;
        const items = delimited(spec, parameter, value).map(formEncode);
        query.push(`${name}=${items.join(joint)}`);
      } else {
        for (const item of Array.isArray(value) ? value : [value]) {
          query.push(`${name}=${formEncode(String(item))}`);
        }
      }
    } else if (parameter.location === "header") {
      const text = Array.isArray(value)
        ? delimited(spec, parameter, value).join(",")
        : String(value);
      headers.set(parameter.name, text);
    }
  }
  await authorize(settings, spec, headers, query);
  if (query.length > 0) {
    const existing = url.search.slice(1);
    url.search = (existing === "" ? query : [existing, ...query]).join("&");
  }
  const init: RequestInit = { method: spec.method, headers };
  if (options.signal !== undefined) init.signal = options.signal;
  if (spec.body !== undefined && request.body !== undefined) {
    const encoded = encodeBody(spec.body, request.body);
    // A multipart body's type (with its boundary) is set by fetch.
    if (encoded.contentType === undefined) headers.delete("content-type");
    else headers.set("content-type", encoded.contentType);
    init.body = encoded.body;
  }
  const fetcher = settings.fetch ?? globalThis.fetch;
  const reply = await fetcher(url, init);
  const bytes = new Uint8Array(await reply.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  const declared = spec.responses[reply.status] ?? spec.responses.default;
  if (declared === undefined) {
    throw new UnexpectedResponseError(spec.id, reply.status, text);
  }
  const response: AnyResponse = { status: reply.status };
  if (declared.body !== undefined && declared.encoding === "binary") {
    response.body = new Blob([bytes], {
      type: reply.headers.get("content-type") ?? declared.contentType ?? "",
    });
  } else if (declared.body !== undefined) {
    let body: unknown;
    try {
      body =
        declared.encoding === "text"
          ? new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
              bytes,
            )
          : JSON.parse(text);
    } catch {
      if (declared.encoding === "text") {
        throw new InvalidResponseError(
          spec.id,
          reply.status,
          [],
          "the body is not UTF-8 text",
          reply.headers,
        );
      }
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
      const type = resolve(header.schema).type;
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

/**
 * A request body as fetch sends it, and its `Content-Type` (none for multipart:
 * fetch sets it, with the boundary). A form sends a `name=value` pair per field
 * (an array one per item, `null` left out); multipart a part per value, a file
 * as a file part (named after its field when it has no name).
 */
function encodeBody(
  spec: BodySpec,
  body: unknown,
): { body: BodyInit; contentType?: string } {
  switch (spec.encoding) {
    case "binary":
      return { body: body as Blob, contentType: spec.contentType };
    case "text":
      return {
        body: String(body),
        contentType: spec.contentType.includes(";")
          ? spec.contentType
          : `${spec.contentType}; charset=utf-8`,
      };
    case "form": {
      const form = new URLSearchParams();
      for (const [name, value] of fields(body))
        form.append(name, String(value));
      return { body: form, contentType: spec.contentType };
    }
    case "multipart": {
      const form = new FormData();
      for (const [name, value] of fields(body)) {
        if (value instanceof Blob) {
          const named = typeof File !== "undefined" && value instanceof File;
          form.append(name, value, named ? value.name : name);
        } else {
          form.append(name, String(value));
        }
      }
      return { body: form };
    }
    default:
      return { body: JSON.stringify(body), contentType: spec.contentType };
  }
}

/** Every field value of a form body: an array's items, `null`s left out. */
function fields(body: unknown): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [name, value] of Object.entries(body as object)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null) out.push([name, item]);
    }
  }
  return out;
}

function pathOf(spec: OperationSpec, request: AnyRequest): string {
  const values = (request.path ?? {}) as Record<string, unknown>;
  return spec.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    const parameter = spec.parameters.find(
      (p) => p.location === "path" && p.name === name,
    );
    if (!Array.isArray(value) || parameter === undefined) {
      return encodeURIComponent(String(value));
    }
    // Style `simple`: the items comma-separated.
    const items = delimited(spec, parameter, value);
    if (items.length === 0) {
      throw new InvalidRequestError(
        spec.id,
        `the path parameter \`${name}\` has no items, and a path segment cannot be empty`,
      );
    }
    return items.map((item) => encodeURIComponent(item)).join(",");
  });
}

/**
 * The items of an array parameter written as one value, as text. A server
 * splits the decoded value on the separator, so an item holding it cannot be
 * told apart from two items, nor one empty item from none: both are refused.
 */
function delimited(
  spec: OperationSpec,
  parameter: ParameterSpec,
  value: unknown[],
): string[] {
  const separator = parameter.separator ?? ",";
  const items = value.map(String);
  if (items.some((item) => item.includes(separator))) {
    throw new InvalidRequestError(
      spec.id,
      `an item of \`${parameter.name}\` contains "${separator}", which separates its items`,
    );
  }
  if (items.length === 1 && items[0] === "") {
    throw new InvalidRequestError(
      spec.id,
      `\`${parameter.name}\` holds one empty item, which reads as no items`,
    );
  }
  return items;
}

/** Text as `application/x-www-form-urlencoded` writes it (a space is `+`). */
function formEncode(text: string): string {
  return new URLSearchParams([["", text]]).toString().slice(1);
}

/** Adds the credentials of the first security alternative that has them all. */
async function authorize(
  settings: ClientSettings,
  spec: OperationSpec,
  headers: Headers,
  query: string[],
): Promise<void> {
  const sources = (settings.credentials ?? {}) as Record<
    string,
    CredentialSource | undefined
  >;
  for (const alternative of spec.security) {
    const secrets: [string, string][] = [];
    for (const { scheme } of alternative) {
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
        query.push(`${formEncode(how.name)}=${formEncode(secret)}`);
      }
    }
    return;
  }
}
