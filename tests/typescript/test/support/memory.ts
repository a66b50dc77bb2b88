// A small in-memory implementation of the generated handler interface.

import type {
  PowerSyncWriteApiHandler,
  UploadDataRequest,
  UploadDataResponse,
  WriteBatch,
} from "powersync-write-api";

export const GOOD_TOKEN = "good-token";

/**
 * Accepts GOOD_TOKEN only (as user "user-1"), answers every transaction with
 * success, and keeps what it received. A batch touching table "busy" is answered
 * 429 with Retry-After: 7.
 */
export class Memory implements PowerSyncWriteApiHandler<string> {
  readonly received: { user: string; batch: WriteBatch }[] = [];

  async authenticate(credentials: { scheme: string; secret: string }) {
    return credentials.scheme === "bearerAuth" &&
      credentials.secret === GOOD_TOKEN
      ? "user-1"
      : null;
  }

  async uploadData(
    request: UploadDataRequest,
    context: { principal: string },
  ): Promise<UploadDataResponse> {
    const batch = request.body;
    if (
      batch.transactions.some((t) => t.crud.some((e) => e.table === "busy"))
    ) {
      return {
        status: 429,
        body: { code: "BUSY", message: "try later" },
        headers: { retryAfter: 7 },
      };
    }
    this.received.push({ user: context.principal, batch });
    return {
      status: 200,
      body: {
        results: batch.transactions.map(() => ({
          status: "success" as const,
          write_checkpoint: String(this.received.length),
        })),
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
