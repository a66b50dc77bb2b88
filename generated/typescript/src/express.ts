// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

/**
 * The Express adapter (Express 4 or 5): mounts the same handler as
 * `createFetchHandler`, through the Node adapter, so both answer every request
 * the same way (limits, 413 and `Connection: close` included).
 *
 * ```ts
 * app.use("/", createExpressHandler(implementation));
 * ```
 *
 * Mount it before any body parser, or after `express.json()`,
 * `express.urlencoded()` or `express.raw({ type: "*\/*" })`: a body an earlier
 * parser already read is reused (a parsed JSON value is serialized again, a
 * parsed form encoded again, so the body limit applies to that text). A
 * multipart body must reach it unread: mount it before a multipart parser.
 */

import type { NextFunction, Request, Response } from "express";

import { serveNodeRequest } from "./node.ts";
import {
  createFetchHandler,
  servesPath,
  type HandlerOptions,
} from "./server.ts";
import type { Handler } from "./spec.ts";

/** Serves `handler` as Express middleware; other paths go on to `next()`. */
export function createExpressHandler<Principal>(
  handler: Handler<Principal>,
  options: HandlerOptions = {},
): (request: Request, response: Response, next: NextFunction) => void {
  const fetchHandler = createFetchHandler(handler, options);
  return (request, response, next) => {
    if (!servesPath(request.path, options)) {
      next();
      return;
    }
    void serveNodeRequest(
      fetchHandler,
      request,
      response,
      options,
      parsedBody(request),
    );
  };
}

/** A form `express.urlencoded()` parsed, encoded again: arrays as repeated names. */
function formText(parsed: object): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(parsed)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      form.append(name, typeof item === "string" ? item : JSON.stringify(item));
    }
  }
  return form.toString();
}

/**
 * The body an earlier parser took off the wire, as bytes; `undefined` when the
 * body is still to be read (the Node adapter streams it).
 */
function parsedBody(request: Request): Uint8Array | undefined {
  const parsed: unknown = request.body;
  if (Buffer.isBuffer(parsed)) return parsed;
  if (typeof parsed === "string") return Buffer.from(parsed);
  if (parsed === undefined || !request.readableEnded) return undefined;
  const form = /^application\/x-www-form-urlencoded\b/i.test(
    request.get("content-type") ?? "",
  );
  if (form && typeof parsed === "object" && parsed !== null) {
    return Buffer.from(formText(parsed));
  }
  return Buffer.from(JSON.stringify(parsed));
}
