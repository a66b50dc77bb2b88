/**
 * A real HTTP server on 127.0.0.1 that answers a scripted list of replies, one
 * per request in order, and records every request. Tests of the connector use
 * it instead of mocking fetch, so the generated client's real wire handling
 * (status mapping, headers, JSON parsing, aborts) is exercised too.
 */

import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

/** One scripted reply. */
export interface ScriptedReply {
  /** Default 200. */
  status?: number;
  /** Sent as JSON unless it is a string, which is sent as is. */
  body?: unknown;
  /** Extra headers, e.g. `{ "retry-after": "1" }`. */
  headers?: Record<string, string>;
  /** Never answer (the connection stays open until the server closes). */
  hang?: boolean;
  /** Close the connection without answering (a network failure). */
  close?: boolean;
  /** The content type of a string body (default `text/plain`). */
  contentType?: string;
}

/** A reply, or a function computing it from the request it answers. */
export type Reply =
  ScriptedReply | ((request: RecordedRequest) => ScriptedReply);

/** One request as the server received it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body. */
  text: string;
  /** The body parsed as JSON (undefined if it is not JSON). */
  json: unknown;
  /** `performance.now()` when the body had arrived. */
  receivedAt: number;
}

export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  /** `performance.now()` when the last reply was sent, if any. */
  lastReplyAt: number | undefined;
  private readonly script: Reply[];
  private readonly hanging: ServerResponse[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    script: Reply[],
  ) {
    this.script = script;
  }

  /** Starts a server on an ephemeral port answering `script` in order. */
  static async start(script: Reply[] = []): Promise<FakeServer> {
    let self: FakeServer | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () =>
        self?.answer(
          req.method ?? "",
          req.url ?? "",
          req.headers,
          Buffer.concat(chunks).toString("utf8"),
          res,
        ),
      );
    });
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", resolve),
    );
    const { port } = server.address() as AddressInfo;
    self = new FakeServer(server, `http://127.0.0.1:${port}`, script);
    return self;
  }

  /** Appends replies to the script. */
  push(...replies: Reply[]): void {
    this.script.push(...replies);
  }

  /** The parsed bodies of all requests so far. */
  bodies<T = unknown>(): T[] {
    return this.requests.map((request) => request.json as T);
  }

  /** Scripted replies not used yet. */
  get unused(): number {
    return this.script.length;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    text: string,
    res: ServerResponse,
  ): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const request: RecordedRequest = {
      method,
      url,
      headers,
      text,
      json,
      receivedAt: performance.now(),
    };
    this.requests.push(request);
    const next = this.script.shift();
    // An unscripted request is a test failure: answer something the client
    // rejects loudly, and let the test see it in `requests`.
    const reply: ScriptedReply =
      next === undefined
        ? { status: 599, body: "unscripted request" }
        : typeof next === "function"
          ? next(request)
          : next;
    if (reply.hang === true) {
      this.hanging.push(res);
      return;
    }
    if (reply.close === true) {
      res.socket?.destroy();
      return;
    }
    const body =
      typeof reply.body === "string"
        ? reply.body
        : JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status ?? 200, {
      "content-type":
        typeof reply.body === "string"
          ? (reply.contentType ?? "text/plain")
          : "application/json",
      ...reply.headers,
    });
    res.end(body);
    this.lastReplyAt = performance.now();
  }
}

// --- Reply builders -------------------------------------------------------

export const success = (writeCheckpoint?: string, duplicate?: boolean) => ({
  status: "success",
  ...(writeCheckpoint !== undefined
    ? { write_checkpoint: writeCheckpoint }
    : {}),
  ...(duplicate !== undefined ? { duplicate } : {}),
});

export const retryable = (retryAfterMs: number, message = "deadlock") => ({
  status: "retryable_error",
  message,
  retry_after_ms: retryAfterMs,
});

export const fatal = (
  requiresClientHandling: boolean,
  operationIndex = 0,
  errorCode = "UNIQUE_VIOLATION",
  deadLetterId?: string,
) => ({
  status: "fatal_error",
  requires_client_handling: requiresClientHandling,
  failed_operation: {
    error_code: errorCode,
    message: `${errorCode} at operation ${operationIndex}`,
    operation_index: operationIndex,
  },
  ...(deadLetterId !== undefined ? { dead_letter_id: deadLetterId } : {}),
});

export const notAttempted = () => ({
  status: "not_attempted",
  message: "an earlier transaction of this batch was not applied",
});

/** A 200 reply with these results. */
export const results = (...items: unknown[]): ScriptedReply => ({
  status: 200,
  body: { results: items },
});

/** A 200 reply answering every transaction of the request with `success`. */
export const allSuccess =
  (checkpointBase?: number): Reply =>
  (request) => {
    const transactions = (request.json as { transactions: unknown[] })
      .transactions;
    return results(
      ...transactions.map((_, index) =>
        success(
          checkpointBase !== undefined
            ? String(checkpointBase + index)
            : undefined,
        ),
      ),
    );
  };

/** An error reply with the protocol's error body. */
export const errorReply = (
  status: number,
  code: string,
  headers?: Record<string, string>,
): ScriptedReply => ({
  status,
  body: { code, message: `${code} (scripted)` },
  ...(headers !== undefined ? { headers } : {}),
});
