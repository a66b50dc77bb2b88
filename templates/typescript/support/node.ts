/**
 * The Node adapter: serves the same handler as `createFetchHandler` on
 * `node:http` (Node 20+ has the Fetch API's `Request` and `Response`, but no
 * server for them), so every runtime answers every request alike.
 *
 * ```ts
 * import { createServer } from "node:http";
 * createServer(createNodeListener(implementation)).listen(8080);
 * ```
 *
 * The request body is streamed to the handler, which refuses it (413) as soon
 * as it passes `bodyLimit`; the reply is streamed back. A reply sent before the
 * body was read to its end says `Connection: close`, and the connection closes
 * only once the client stopped sending (or after `LINGER_MS`): closing a socket
 * with unread bytes resets it, and the client would lose the reply. A client
 * that goes away aborts the request's `signal`. Nothing the client sends makes
 * the listener throw.
 */

import type { IncomingMessage, ServerResponse } from "node:http";

import {
  createFetchHandler,
  HttpRejection,
  rejectionResponse,
  servesPath,
  type FetchHandler,
  type HandlerOptions,
} from "./server.ts";
import type { Handler } from "./spec.ts";

/** A `node:http` request listener (`createServer(listener)`). */
export type NodeListener = (
  request: IncomingMessage,
  response: ServerResponse,
) => void;

/** Settings of the Node adapter: the handler's, and where other paths go. */
export interface NodeListenerOptions extends HandlerOptions {
  /**
   * Serves the requests to paths that are not the API's (with `basePath`
   * stripped, as `servesPath` decides). Without it they get the API's 404.
   */
  fallback?: NodeListener;
}

/**
 * After a reply that closes the connection, how long the rest of the request's
 * body is still read (and discarded) while the client sends it, at most.
 */
export const LINGER_MS = 2_000;

/** After a reply that closes the connection, how many bytes are read at most. */
export const LINGER_BYTES = 16 * 1024 * 1024;

/** Serves `handler` as a `node:http` request listener. */
export function createNodeListener<Principal>(
  handler: Handler<Principal>,
  options: NodeListenerOptions = {},
): NodeListener {
  const fetchHandler = createFetchHandler(handler, options);
  const fallback = options.fallback;
  return (request, response) => {
    if (fallback !== undefined && !servesPath(pathOf(request), options)) {
      fallback(request, response);
      return;
    }
    void serveNodeRequest(fetchHandler, request, response, options);
  };
}

/**
 * Answers one `node:http` request with `fetchHandler` (the Express adapter's
 * way in too). `body` is a body an earlier reader already took off the wire, if
 * any. Never rejects: a client that went away only ends the exchange.
 */
export async function serveNodeRequest(
  fetchHandler: FetchHandler,
  request: IncomingMessage,
  response: ServerResponse,
  options: Pick<HandlerOptions, "onError"> = {},
  body?: Uint8Array,
): Promise<void> {
  // A failed write means the client is gone; there is nobody to tell.
  response.on("error", () => {});
  const gone = new AbortController();
  response.once("close", () => {
    if (!response.writableFinished) {
      gone.abort(new Error("the client closed the connection"));
    }
  });
  let fetchRequest: Request | undefined;
  try {
    const built = toFetchRequest(request, body, gone.signal);
    let reply: Response;
    if (built instanceof Request) {
      fetchRequest = built;
      reply = await fetchHandler(built);
    } else {
      reply = built;
    }
    await writeReply(request, response, reply);
  } catch (error) {
    // Only a bug of this adapter or of the runtime gets here.
    if (fetchRequest !== undefined) options.onError?.(error, fetchRequest);
    if (!response.headersSent && !response.destroyed) {
      await writeReply(
        request,
        response,
        rejectionResponse(
          new HttpRejection(500, "INTERNAL_ERROR", "internal error"),
        ),
      ).catch(() => response.destroy());
    } else {
      response.destroy();
    }
  }
}

/** The path of `request` (without its query), as routing sees it. */
function pathOf(request: IncomingMessage): string {
  const url = requestUrl(request);
  return url === undefined ? "" : url.pathname;
}

/** A host header's value that cannot change the URL's path: `host[:port]`. */
const HOST = /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/;

/** The URL `request` asked for, or `undefined` when its target is no path. */
function requestUrl(request: IncomingMessage): URL | undefined {
  const target = request.url ?? "/";
  try {
    // An absolute target (`GET http://host/path`, as sent to proxies).
    if (/^https?:\/\//i.test(target)) return new URL(target);
    if (!target.startsWith("/")) return undefined;
    const encrypted = (request.socket as { encrypted?: boolean }).encrypted;
    const scheme = encrypted === true ? "https" : "http";
    const host = request.headers.host;
    const origin =
      host !== undefined && HOST.test(host)
        ? `${scheme}://${host}`
        : `${scheme}://localhost`;
    return new URL(origin + target);
  } catch {
    return undefined;
  }
}

/** Methods `new Request` refuses: Node's server takes them, the Fetch API does not. */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/**
 * `request` as a Fetch API `Request` whose body streams from it, or the reply
 * to a request that cannot be one.
 */
function toFetchRequest(
  request: IncomingMessage,
  body: Uint8Array | undefined,
  signal: AbortSignal,
): Request | Response {
  const method = request.method ?? "GET";
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) {
    return rejectionResponse(
      new HttpRejection(
        501,
        "NOT_IMPLEMENTED",
        `the method ${method} is not supported`,
      ),
    );
  }
  const url = requestUrl(request);
  if (url === undefined) {
    return rejectionResponse(
      new HttpRejection(
        400,
        "INVALID_REQUEST",
        `the request target \`${request.url ?? ""}\` is not a path`,
      ),
    );
  }
  const headers = new Headers();
  const raw = request.rawHeaders;
  try {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i] ?? "";
      // HTTP/2's pseudo-headers (`:path`) are the request line's parts.
      if (!name.startsWith(":")) headers.append(name, raw[i + 1] ?? "");
    }
  } catch {
    return rejectionResponse(
      new HttpRejection(
        400,
        "INVALID_REQUEST",
        "a request header is not a valid HTTP header",
      ),
    );
  }
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal };
  if (method !== "GET" && method !== "HEAD") {
    if (body !== undefined) {
      init.body = new Uint8Array(body);
      // The bytes an earlier reader kept, whatever the wire said.
      headers.delete("content-length");
      headers.delete("transfer-encoding");
    } else {
      init.body = bodyStream(request);
      init.duplex = "half";
    }
  }
  return new Request(url, init);
}

/**
 * The request's body as a stream that reads from the socket only as fast as
 * the handler reads from it. Cancelled (the handler refused the body), it lets
 * the rest flow by unread until the reply is sent: `request.destroy()` would
 * reset the connection under the reply.
 */
function bodyStream(request: IncomingMessage): ReadableStream<Uint8Array> {
  let settled = false;
  const settle = (): boolean => {
    const first = !settled;
    settled = true;
    return first;
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      request.on("data", (chunk: Buffer | string) => {
        if (settled) return;
        controller.enqueue(
          typeof chunk === "string" ? Buffer.from(chunk) : chunk,
        );
        if ((controller.desiredSize ?? 0) <= 0) request.pause();
      });
      request.once("end", () => {
        if (settle()) controller.close();
      });
      const failed = () => {
        if (settle()) {
          controller.error(
            new Error("the client closed the connection while sending"),
          );
        }
      };
      request.once("error", failed);
      request.once("close", () => {
        if (!request.complete) failed();
      });
    },
    pull() {
      request.resume();
    },
    cancel() {
      settle();
      request.resume();
    },
  });
}

/**
 * Writes `reply`. One that closes the connection while the client is still
 * sending is written whole, then the connection lingers until the client is
 * done (at most `LINGER_MS` and `LINGER_BYTES`), and only then ends.
 */
async function writeReply(
  request: IncomingMessage,
  response: ServerResponse,
  reply: Response,
): Promise<void> {
  if (response.destroyed) {
    await reply.body?.cancel().catch(() => {});
    return;
  }
  response.statusCode = reply.status;
  reply.headers.forEach((value, name) => {
    if (name !== "set-cookie") response.setHeader(name, value);
  });
  const cookies = reply.headers.getSetCookie();
  if (cookies.length > 0) response.setHeader("set-cookie", cookies);
  const closing = reply.headers.get("connection")?.toLowerCase() === "close";
  if (closing && !request.complete) {
    const bytes = new Uint8Array(await reply.arrayBuffer());
    response.setHeader("content-length", bytes.byteLength);
    response.write(bytes);
    await linger(request);
    response.end();
    return;
  }
  if (reply.body === null) {
    response.end();
    return;
  }
  const reader = reply.body.getReader();
  const first = await reader.read();
  if (first.done) {
    response.end();
    return;
  }
  const second = await reader.read();
  if (second.done) {
    // In one piece: sent with its Content-Length.
    response.end(first.value);
    return;
  }
  let chunk: Uint8Array = first.value;
  let next: ReadableStreamReadResult<Uint8Array> = second;
  for (;;) {
    if (response.destroyed) {
      await reader.cancel().catch(() => {});
      return;
    }
    if (!response.write(chunk)) await drained(response);
    if (next.done) break;
    chunk = next.value;
    next = await reader.read();
  }
  response.end();
}

/** Resolves when `response` can take more, or is gone. */
function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}

/**
 * Reads and discards what the client still sends of `request`, until it is
 * done, goes away, or passes `LINGER_MS` or `LINGER_BYTES`.
 */
function linger(request: IncomingMessage): Promise<void> {
  if (request.complete || request.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      request.off("data", count);
      request.off("end", done);
      request.off("close", done);
      request.off("error", done);
      resolve();
    };
    const count = (chunk: Buffer | string) => {
      seen += chunk.length;
      if (seen > LINGER_BYTES) done();
    };
    const timer = setTimeout(done, LINGER_MS);
    timer.unref();
    request.on("data", count);
    request.once("end", done);
    request.once("close", done);
    request.once("error", done);
    request.resume();
  });
}
