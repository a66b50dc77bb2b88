/**
 * The TypeScript conformance client: calls the generated fetch client once per
 * case of the file given as its argument and prints one outcome per line, as
 * `tests/conformance/README.md` says.
 */
import { readFileSync } from "node:fs";

import {
  InvalidResponseError,
  PowerSyncWriteApiClient,
  UnexpectedResponseError,
  type WriteBatch,
} from "powersync-write-api";

/** The request every client sends (README.md). */
const REQUEST: WriteBatch = {
  client_id: "conformance-client",
  transactions: [
    {
      transaction_id: 7,
      crud: [
        {
          op: "PUT",
          table: "todos",
          id: "t1",
          op_id: 1,
          op_data: { description: "buy milk", done: false },
        },
      ],
    },
  ],
};

interface Case {
  name: string;
  operation: "uploadData" | "health" | "ready";
}

type Reply = { status: number; body: unknown; headers?: object };

function outcome(reply: Reply): Record<string, unknown> {
  const out: Record<string, unknown> = {
    outcome: "response",
    status: reply.status,
    body: reply.body ?? null,
  };
  if (reply.headers !== undefined && "retryAfter" in reply.headers) {
    out["retry_after"] = reply.headers.retryAfter ?? null;
  } else if (reply.headers !== undefined) {
    out["retry_after"] = null;
  }
  return out;
}

function failure(error: unknown): Record<string, unknown> {
  if (error instanceof UnexpectedResponseError) {
    return { outcome: "unexpected_status", status: error.status };
  }
  if (error instanceof InvalidResponseError) {
    return { outcome: "invalid_response", status: error.status };
  }
  return { outcome: "transport_error" };
}

async function main(): Promise<void> {
  const base = process.env["CONFORMANCE_BASE_URL"] ?? "";
  const file = process.argv[2];
  if (file === undefined) throw new Error("usage: client.js <cases.json>");
  const cases = JSON.parse(readFileSync(file, "utf8")) as Case[];
  for (const c of cases) {
    const client = new PowerSyncWriteApiClient({
      baseUrl: `${base}/${c.name}`,
      credentials: { bearerAuth: "conformance-token" },
    });
    let result: Record<string, unknown>;
    try {
      const reply: Reply =
        c.operation === "uploadData"
          ? await client.uploadData({ body: REQUEST })
          : c.operation === "health"
            ? await client.health()
            : await client.ready();
      result = outcome(reply);
    } catch (error) {
      result = failure(error);
    }
    console.log(JSON.stringify({ ...result, case: c.name }));
  }
}

await main();
