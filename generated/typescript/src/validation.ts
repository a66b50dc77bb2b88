// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

/**
 * Validation of raw JSON values against the spec's schemas. Each violation is
 * reported with its path in the value (`$.transactions[0].crud[2].op`) and the JSON
 * Schema keyword that failed, as every language of this project reports them.
 * Nothing below a `type` violation is checked. A validation lists at most
 * {@link MAX_VIOLATIONS} violations, the first ones found while walking the value in
 * schema order, and only counts the others: an invalid value of any size gives a
 * bounded report.
 */

import { validate, type Violations } from "./validator.ts";

export * from "./validator.ts";
export { schemas, type SchemaName } from "./schemas.ts";

/** The violations of `value` against `WriteBatch`; none listed when valid. */
export function validateWriteBatch(value: unknown): Violations {
  return validate("WriteBatch", value);
}

/** The violations of `value` against `CrudTransaction`; none listed when valid. */
export function validateCrudTransaction(value: unknown): Violations {
  return validate("CrudTransaction", value);
}

/** The violations of `value` against `CrudEntry`; none listed when valid. */
export function validateCrudEntry(value: unknown): Violations {
  return validate("CrudEntry", value);
}

/** The violations of `value` against `UpdateType`; none listed when valid. */
export function validateUpdateType(value: unknown): Violations {
  return validate("UpdateType", value);
}

/** The violations of `value` against `WriteBatchResponse`; none listed when valid. */
export function validateWriteBatchResponse(value: unknown): Violations {
  return validate("WriteBatchResponse", value);
}

/** The violations of `value` against `TransactionResult`; none listed when valid. */
export function validateTransactionResult(value: unknown): Violations {
  return validate("TransactionResult", value);
}

/** The violations of `value` against `TransactionSuccess`; none listed when valid. */
export function validateTransactionSuccess(value: unknown): Violations {
  return validate("TransactionSuccess", value);
}

/** The violations of `value` against `TransactionRetryableError`; none listed when valid. */
export function validateTransactionRetryableError(value: unknown): Violations {
  return validate("TransactionRetryableError", value);
}

/** The violations of `value` against `TransactionFatalError`; none listed when valid. */
export function validateTransactionFatalError(value: unknown): Violations {
  return validate("TransactionFatalError", value);
}

/** The violations of `value` against `TransactionNotAttempted`; none listed when valid. */
export function validateTransactionNotAttempted(value: unknown): Violations {
  return validate("TransactionNotAttempted", value);
}

/** The violations of `value` against `FailedOperation`; none listed when valid. */
export function validateFailedOperation(value: unknown): Violations {
  return validate("FailedOperation", value);
}

/** The violations of `value` against `ErrorResponse`; none listed when valid. */
export function validateErrorResponse(value: unknown): Violations {
  return validate("ErrorResponse", value);
}

/** The violations of `value` against `Violation`; none listed when valid. */
export function validateViolation(value: unknown): Violations {
  return validate("Violation", value);
}

/** The violations of `value` against `HealthStatus`; none listed when valid. */
export function validateHealthStatus(value: unknown): Violations {
  return validate("HealthStatus", value);
}
