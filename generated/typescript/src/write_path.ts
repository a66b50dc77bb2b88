// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

// What the connector (`connector.ts`) uses of this spec, under the names it uses.

export { PowerSyncWriteApiClient as WritePathClient } from "./client.js";
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
} from "./models.js";
export type { UploadDataResponse as UploadResponse } from "./operations.js";

/** The security scheme the connector sends the PowerSync token with. */
export const BEARER_SCHEME = "bearerAuth";
