/**
 * The in-memory implementation of `tests/conformance/README.md` and the
 * handler's options, shared by the TypeScript server programs: `server.ts`
 * (Node, through the package's Node adapter), `deno.ts` (`Deno.serve`) and
 * `bun.ts` (`Bun.serve`).
 */
import type {
  HandlerOptions,
  PowerSyncWriteApiHandler,
  TransactionResult,
} from "powersync-write-api";

/** The origin the runtimes test's CORS cases send (README.md). */
export const PAGE_ORIGIN = "http://app.conformance.test";

export const options: HandlerOptions = {
  bodyLimit: 65536,
  cors: { allowedOrigins: [PAGE_ORIGIN] },
};

export const implementation: PowerSyncWriteApiHandler<string> = {
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
