/**
 * The Express adapter (Express 4 or 5): mounts the same handler as
 * `createFetchHandler`, so both answer every request the same way.
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
import {
  createFetchHandler,
  DEFAULT_BODY_LIMIT,
  servesPath,
  type FetchHandler,
  type HandlerOptions,
} from "./server.ts";
import type { Handler } from "./spec.ts";

/** Serves `handler` as Express middleware; other paths go on to `next()`. */
export function createExpressHandler<Principal>(
  handler: Handler<Principal>,
  options: HandlerOptions = {},
): (request: Request, response: Response, next: NextFunction) => void {
  const fetchHandler = createFetchHandler(handler, options);
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  return (request, response, next) => {
    if (!servesPath(request.path, options)) {
      next();
      return;
    }
    serve(fetchHandler, limit, request, response).catch(next);
  };
}

async function serve(
  fetchHandler: FetchHandler,
  limit: number,
  request: Request,
  response: Response,
): Promise<void> {
  const origin = `${request.protocol}://${request.get("host") ?? "localhost"}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const init: RequestInit = { method: request.method, headers };
  if (request.method !== "GET" && request.method !== "HEAD") {
    init.body = new Uint8Array(await readBody(request, limit));
    headers.delete("content-length");
    headers.delete("transfer-encoding");
  }
  const reply = await fetchHandler(new Request(origin + request.url, init));
  response.status(reply.status);
  reply.headers.forEach((value, name) => {
    response.setHeader(name, value);
  });
  response.end(Buffer.from(await reply.arrayBuffer()));
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
 * The request body: what an earlier parser kept, else the raw stream, read up to
 * one byte past `limit` (enough for the handler to answer 413).
 */
async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const parsed: unknown = request.body;
  if (Buffer.isBuffer(parsed)) return parsed;
  if (typeof parsed === "string") return Buffer.from(parsed);
  if (parsed !== undefined && request.readableEnded) {
    const form = /^application\/x-www-form-urlencoded\b/i.test(
      request.get("content-type") ?? "",
    );
    if (form && typeof parsed === "object" && parsed !== null) {
      return Buffer.from(formText(parsed));
    }
    return Buffer.from(JSON.stringify(parsed));
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    chunks.push(bytes);
    size += bytes.byteLength;
    if (size > limit) break;
  }
  return Buffer.concat(chunks);
}
