// {{ header }}

/**
 * Every operation of the spec: its typed request and per-status responses, shared
 * by the server handler and the client, and the description both adapters run on.
 */

import type * as models from "./models.ts";
import type { {% if received %}Received, {% endif %}Schema } from "./validation.ts";

/** Where a parameter is sent. */
export type ParameterLocation = "path" | "query" | "header";

/** A parameter as the adapters read and write it. */
export interface ParameterSpec {
  /** The wire name. */
  name: string;
  location: ParameterLocation;
  /** The property of the request's `path`, `query` or `headers` object. */
  key: string;
  required: boolean;
  schema: Schema;
  /**
   * How an array's items are written: joined by `separator` in one value (`,` in
   * the path and headers, and in the query with `explode: false`; `" "` and `|`
   * in the query with `spaceDelimited` and `pipeDelimited`); absent, the query
   * key repeated per item (`explode: true`).
   */
  separator?: "," | " " | "|";
}

/** A response header as the adapters read and write it. */
export interface HeaderSpec {
  /** The wire name. */
  name: string;
  /** The property of the response's `headers` object. */
  key: string;
  required: boolean;
  schema: Schema;
}

/**
 * How a body travels, when it is not JSON: `form` (`application/x-www-form-urlencoded`
 * fields), `multipart` (`multipart/form-data` parts, files among them), `text`
 * (a string, as UTF-8) or `binary` (raw bytes, a `Blob`).
 */
export type BodyEncoding = "form" | "multipart" | "text" | "binary";

/** An operation's request body. */
export interface BodySpec {
  schema: Schema;
  required: boolean;
  /** The media type, as the spec writes it. */
  contentType: string;
  /** Absent for JSON. */
  encoding?: BodyEncoding;
  /** The file properties of a multipart body. */
  files?: readonly string[];
}

/** One status (or `default`) of an operation. */
export interface ResponseSpec {
  /** The body's schema; absent for a response without content. */
  body?: Schema;
  contentType?: string;
  /** `text` or `binary`; absent for JSON. */
  encoding?: "text" | "binary";
  headers: readonly HeaderSpec[];
}

/** How a credential is sent. */
export type SecuritySchemeSpec =
  | { type: "bearer" }
  | { type: "apiKey"; location: "header" | "query"; name: string };

/** A security scheme an operation accepts, with the scopes it requires. */
export interface SecurityUse {
  scheme: string;
  scopes: readonly string[];
}

/** An operation as the adapters run it. */
export interface OperationSpec {
  id: string;
  method: "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH";
  path: string;
  /** Alternatives: satisfying every scheme of any one entry is enough; none: open. */
  security: readonly (readonly SecurityUse[])[];
  parameters: readonly ParameterSpec[];
  body?: BodySpec;
  responses: {
    readonly [status: number]: ResponseSpec;
    readonly default?: ResponseSpec;
  };
}

/** Every security scheme of the spec, by name. */
export const securitySchemes = {{ security_schemes }} satisfies Record<string, SecuritySchemeSpec>;
{%- for op in operations %}
{%- if let Some(request) = op.request %}
{# one blank line between declarations #}
/**
{%- for line in request.doc %}
 *{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
 */
export interface {{ op.stem }}Request {
{%- for group in request.groups %}
  {{ group.name }}{{ group.optional }}: {
{%- for p in group.parameters %}
{%- if !p.doc.is_empty() %}
    /**
{%- for line in p.doc %}
     *{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
     */
{%- endif %}
{{ p.line }}
{%- endfor %}
  };
{%- endfor %}
{%- if let Some(body) = request.body %}
{%- if !body.doc.is_empty() %}
  /**
{%- for line in body.doc %}
   *{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
   */
{%- endif %}
{{ body.line }}
{%- endif %}
}
{%- endif %}
{%- if let Some(received) = op.received %}
{# one blank line between declarations #}
/**
{%- for line in received.doc %}
 *{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
 */
export type {{ op.stem }}ReceivedRequest = Omit<{{ op.stem }}Request, "body"> & {
  body{{ received.optional }}: {{ received.ty }};
};
{%- endif %}
{# one blank line between declarations #}
/**
{%- for line in op.response_doc %}
 *{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
 */
{{ op.response }}
{%- endfor %}

/** Every operation of the spec, by operation id. */
export const operations = {{ operation_specs }} satisfies Record<string, OperationSpec>;

/** The security scheme called `name`, if the spec has one. */
export function securityScheme(name: string): SecuritySchemeSpec | undefined {
  return (securitySchemes as Record<string, SecuritySchemeSpec>)[name];
}
