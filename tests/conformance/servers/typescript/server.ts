/**
 * The TypeScript conformance server: the generated Fetch API handler over the
 * in-memory implementation of `tests/conformance/README.md`, served by Node's
 * `http` through the Express-free bridge below on `127.0.0.1:$PORT`.
 */
import { createServer } from "node:http";

import {
  createFetchHandler,
  type PowerSyncWriteApiHandler,
  type TransactionResult,
} from "powersync-write-api";

const handler: PowerSyncWriteApiHandler<string> = {
  authenticate(credentials) {
    return Promise.resolve(
      credentials.secret === "conformance-token" ? "conformance-user" : null,
    );
  },
  uploadData(request) {
    const results: TransactionResult[] = request.body.transactions.map(
      (transaction): TransactionResult =>
        transaction.valid
          ? {
              status: "success",
              write_checkpoint: String(transaction.value.crud.length),
            }
          : {
              status: "fatal_error",
              requires_client_handling: false,
              failed_operation: {
                error_code: "INVALID_REQUEST",
                message: "the transaction does not match the schema",
                details: {
                  violations: transaction.violations.map((v) => ({
                    path: v.path,
                    keyword: v.keyword,
                  })),
                  violations_omitted: transaction.violationsOmitted,
                },
              },
            },
    );
    return Promise.resolve({ status: 200, body: { results } });
  },
  health() {
    return Promise.resolve({ status: 200, body: { status: "ok" } });
  },
  ready() {
    return Promise.resolve({ status: 200, body: { status: "ok" } });
  },
};

const fetchHandler = createFetchHandler(handler, { bodyLimit: 65536 });

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined) continue;
      headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const init: RequestInit = { method: request.method ?? "GET", headers };
    if (init.method !== "GET" && init.method !== "HEAD") {
      init.body = Buffer.concat(chunks);
      headers.delete("content-length");
      headers.delete("transfer-encoding");
    }
    const url = `http://127.0.0.1${request.url ?? "/"}`;
    fetchHandler(new Request(url, init))
      .then(async (reply) => {
        response.writeHead(reply.status, Object.fromEntries(reply.headers));
        response.end(Buffer.from(await reply.arrayBuffer()));
      })
      .catch((error: unknown) => {
        console.error(error);
        response.writeHead(500).end();
      });
  });
});

server.listen(Number(process.env["PORT"]), "127.0.0.1");
