// A small in-memory implementation of the generated handler interface.

import type {
  Checked,
  CrudTransaction,
  PowerSyncWriteApiHandler,
  UploadDataReceivedRequest,
  UploadDataResponse,
  WriteBatch,
} from "powersync-write-api";

export const GOOD_TOKEN = "good-token";

/** What the implementation received: the batch as sent, and each transaction checked. */
export interface Received {
  user: string;
  batch: WriteBatch;
  checked: Checked<CrudTransaction>[];
}

/**
 * Accepts GOOD_TOKEN only (as user "user-1"), answers every valid transaction with
 * success and every invalid one with a fatal INVALID_REQUEST, and keeps what it
 * received. A batch touching table "busy" is answered 429 with Retry-After: 7.
 */
export class Memory implements PowerSyncWriteApiHandler<string> {
  readonly received: Received[] = [];

  async authenticate(credentials: { scheme: string; secret: string }) {
    return credentials.scheme === "bearerAuth" &&
      credentials.secret === GOOD_TOKEN
      ? "user-1"
      : null;
  }

  async uploadData(
    request: UploadDataReceivedRequest,
    context: { principal: string },
  ): Promise<UploadDataResponse> {
    const checked = request.body.transactions;
    const batch = {
      ...request.body,
      transactions: checked.map((t) => t.value),
    } as WriteBatch;
    const valid = checked.flatMap((t) => (t.valid ? [t.value] : []));
    if (valid.some((t) => t.crud.some((e) => e.table === "busy"))) {
      return {
        status: 429,
        body: { code: "BUSY", message: "try later" },
        headers: { retryAfter: 7 },
      };
    }
    this.received.push({ user: context.principal, batch, checked });
    return {
      status: 200,
      body: {
        results: checked.map((t) =>
          t.valid
            ? {
                status: "success" as const,
                write_checkpoint: String(this.received.length),
              }
            : {
                status: "fatal_error" as const,
                requires_client_handling: false,
                failed_operation: {
                  error_code: "INVALID_REQUEST",
                  message: "the transaction does not match the schema",
                  details: { violations: t.violations },
                  operation_index: 0,
                },
              },
        ),
      },
    };
  }

  async health() {
    return { status: 200 as const, body: { status: "ok" } };
  }

  async ready() {
    return { status: 200 as const, body: { status: "ok" } };
  }
}
