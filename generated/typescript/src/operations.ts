// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

/**
 * Every operation of the spec: its typed request and per-status responses, shared
 * by the server handler and the client, and the description both adapters run on.
 */

import type * as models from "./models.ts";
import type { Received, Schema } from "./validation.ts";

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
export const securitySchemes = {
  bearerAuth: {
    type: "bearer",
  },
} satisfies Record<string, SecuritySchemeSpec>;

/**
 * The request of `uploadData`: `POST /api/data`.
 */
export interface UploadDataRequest {
  /**
   * The transactions to apply, oldest first, 1 to 50 per request.
   */
  body: models.WriteBatch;
}

/**
 * The request of `uploadData` as the server hands it to the handler: the items
 * of `transactions` are each checked on their own (`x-per-item-validation`), so an
 * invalid one arrives with its violations instead of refusing the request.
 */
export type UploadDataReceivedRequest = Omit<UploadDataRequest, "body"> & {
  body: Received<models.WriteBatch, "transactions">;
};

/**
 * The responses of `uploadData`: `POST /api/data`, one member per status.
 */
export type UploadDataResponse =
  | { status: 200; body: models.WriteBatchResponse }
  | { status: 400; body: models.ErrorResponse }
  | { status: 401; body: models.ErrorResponse }
  | { status: 403; body: models.ErrorResponse }
  | { status: 413; body: models.ErrorResponse }
  | { status: 415; body: models.ErrorResponse }
  | {
      status: 429;
      body: models.ErrorResponse;
      headers: { retryAfter?: number };
    }
  | { status: 500; body: models.ErrorResponse }
  | {
      status: 503;
      body: models.ErrorResponse;
      headers: { retryAfter?: number };
    };

/**
 * The responses of `health`: `GET /health`, one member per status.
 */
export type HealthResponse = { status: 200; body: models.HealthStatus };

/**
 * The responses of `ready`: `GET /ready`, one member per status.
 */
export type ReadyResponse =
  | { status: 200; body: models.HealthStatus }
  | {
      status: 503;
      body: models.ErrorResponse;
      headers: { retryAfter?: number };
    };

/** Every operation of the spec, by operation id. */
export const operations = {
  uploadData: {
    id: "uploadData",
    method: "POST",
    path: "/api/data",
    security: [
      [
        {
          scheme: "bearerAuth",
          scopes: [],
        },
      ],
    ],
    parameters: [],
    body: {
      schema: {
        type: "ref",
        name: "WriteBatch",
      },
      required: true,
      contentType: "application/json",
    },
    responses: {
      "200": {
        body: {
          type: "ref",
          name: "WriteBatchResponse",
        },
        contentType: "application/json",
        headers: [],
      },
      "400": {
        body: {
          type: "ref",
          name: "ErrorResponse",
        },
        contentType: "application/json",
        headers: [],
      },
      "401": {
        body: {
          type: "ref",
          name: "ErrorResponse",
        },
        contentType: "application/json",
        headers: [],
      },
      "403": {
        body: {
          type: "ref",
          name: "ErrorResponse",
        },
        contentType: "application/json",
        headers: [],
      },
      "413": {
        body: {
          type: "ref",
          name: "ErrorResponse",
        },
        contentType: "application/json",
        headers: [],
      },
      "415": {
        body: {
          type: "ref",
          name: "ErrorResponse",
        },
        contentType: "application/json",
        headers: [],
      },
      "429": {
        body: {
          type: "ref",
          name: "ErrorResponse",
        },
        contentType: "application/json",
        headers: [
          {
            name: "Retry-After",
            key: "retryAfter",
            required: false,
            schema: {
              type: "integer",
              format: "int32",
              minimum: {
                value: 0,
                exclusive: false,
              },
            },
          },
        ],
      },
      "500": {
        body: {
          type: "ref",
          name: "ErrorResponse",
        },
        contentType: "application/json",
        headers: [],
      },
      "503": {
        body: {
          type: "ref",
          name: "ErrorResponse",
        },
        contentType: "application/json",
        headers: [
          {
            name: "Retry-After",
            key: "retryAfter",
            required: false,
            schema: {
              type: "integer",
              format: "int32",
              minimum: {
                value: 0,
                exclusive: false,
              },
            },
          },
        ],
      },
    },
  },
  health: {
    id: "health",
    method: "GET",
    path: "/health",
    security: [],
    parameters: [],
    responses: {
      "200": {
        body: {
          type: "ref",
          name: "HealthStatus",
        },
        contentType: "application/json",
        headers: [],
      },
    },
  },
  ready: {
    id: "ready",
    method: "GET",
    path: "/ready",
    security: [],
    parameters: [],
    responses: {
      "200": {
        body: {
          type: "ref",
          name: "HealthStatus",
        },
        contentType: "application/json",
        headers: [],
      },
      "503": {
        body: {
          type: "ref",
          name: "ErrorResponse",
        },
        contentType: "application/json",
        headers: [
          {
            name: "Retry-After",
            key: "retryAfter",
            required: false,
            schema: {
              type: "integer",
              format: "int32",
              minimum: {
                value: 0,
                exclusive: false,
              },
            },
          },
        ],
      },
    },
  },
} satisfies Record<string, OperationSpec>;

/** The security scheme called `name`, if the spec has one. */
export function securityScheme(name: string): SecuritySchemeSpec | undefined {
  return (securitySchemes as Record<string, SecuritySchemeSpec>)[name];
}
