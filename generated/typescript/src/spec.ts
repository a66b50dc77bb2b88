// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

// The names by which the support modules (the files that are the same for every
// spec) reach this one. Not exported from the package's index.

export type { PowerSyncWriteApiHandler as Handler } from "./server.ts";
export { PowerSyncWriteApiClient as WritePathClient } from "./client.ts";
export type {
  CrudEntry,
  CrudTransaction,
  ErrorResponse,
  FailedOperation,
  TransactionFatalError,
  UpdateType,
  Violation,
  WriteBatch,
  WriteBatchResponse,
} from "./models.ts";
export type { UploadDataResponse as UploadResponse } from "./operations.ts";

/** The security scheme the connector sends the PowerSync token with. */
export const BEARER_SCHEME = "bearerAuth";
