// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

/**
 * The spec's schemas as the validator (`validator.ts`) walks them. Exported from
 * the package through `validation.ts`.
 */

import type { Schema } from "./validator.ts";

/** The name of a schema of the spec (`components/schemas`). */
export type SchemaName =
  | "WriteBatch"
  | "CrudTransaction"
  | "CrudEntry"
  | "UpdateType"
  | "WriteBatchResponse"
  | "TransactionResult"
  | "TransactionSuccess"
  | "TransactionRetryableError"
  | "TransactionFatalError"
  | "TransactionNotAttempted"
  | "FailedOperation"
  | "ErrorResponse"
  | "Violation"
  | "HealthStatus";

/** Every named schema of the spec, by name. */
export const schemas: Readonly<Record<SchemaName, Schema>> = {
  WriteBatch: {
    type: "object",
    properties: {
      client_id: {
        schema: {
          type: "string",
        },
        required: false,
      },
      transactions: {
        schema: {
          type: "array",
          items: {
            type: "ref",
            name: "CrudTransaction",
          },
          minItems: 1,
          maxItems: 50,
          perItem: true,
        },
        required: true,
      },
    },
  },
  CrudTransaction: {
    type: "object",
    properties: {
      transaction_id: {
        schema: {
          type: "integer",
          format: "int64",
        },
        required: false,
      },
      crud: {
        schema: {
          type: "array",
          items: {
            type: "ref",
            name: "CrudEntry",
          },
          minItems: 1,
          maxItems: 10000,
        },
        required: true,
      },
    },
  },
  CrudEntry: {
    type: "object",
    properties: {
      op: {
        schema: {
          type: "ref",
          name: "UpdateType",
        },
        required: true,
      },
      table: {
        schema: {
          type: "string",
          minLength: 1,
        },
        required: true,
      },
      id: {
        schema: {
          type: "string",
          minLength: 1,
        },
        required: true,
      },
      op_id: {
        schema: {
          type: "integer",
          format: "int64",
        },
        required: false,
      },
      transaction_id: {
        schema: {
          type: "integer",
          format: "int64",
        },
        required: false,
      },
      op_data: {
        schema: {
          type: "map",
          values: {
            type: "any",
          },
          nullable: true,
        },
        required: false,
      },
      previous_values: {
        schema: {
          type: "map",
          values: {
            type: "any",
          },
          nullable: true,
        },
        required: false,
      },
      metadata: {
        schema: {
          type: "string",
          nullable: true,
        },
        required: false,
      },
    },
  },
  UpdateType: {
    type: "string",
    enum: ["PUT", "PATCH", "DELETE"],
  },
  WriteBatchResponse: {
    type: "object",
    properties: {
      results: {
        schema: {
          type: "array",
          items: {
            type: "ref",
            name: "TransactionResult",
          },
        },
        required: true,
      },
    },
  },
  TransactionResult: {
    type: "union",
    discriminator: "status",
    mapping: {
      success: "TransactionSuccess",
      retryable_error: "TransactionRetryableError",
      fatal_error: "TransactionFatalError",
      not_attempted: "TransactionNotAttempted",
    },
  },
  TransactionSuccess: {
    type: "object",
    properties: {
      status: {
        schema: {
          type: "string",
          enum: ["success"],
        },
        required: true,
      },
      write_checkpoint: {
        schema: {
          type: "string",
        },
        required: false,
      },
      duplicate: {
        schema: {
          type: "boolean",
        },
        required: false,
      },
    },
  },
  TransactionRetryableError: {
    type: "object",
    properties: {
      status: {
        schema: {
          type: "string",
          enum: ["retryable_error"],
        },
        required: true,
      },
      message: {
        schema: {
          type: "string",
        },
        required: false,
      },
      retry_after_ms: {
        schema: {
          type: "integer",
          format: "int64",
          minimum: {
            value: 0,
            exclusive: false,
          },
        },
        required: false,
      },
    },
  },
  TransactionFatalError: {
    type: "object",
    properties: {
      status: {
        schema: {
          type: "string",
          enum: ["fatal_error"],
        },
        required: true,
      },
      requires_client_handling: {
        schema: {
          type: "boolean",
        },
        required: true,
      },
      failed_operation: {
        schema: {
          type: "ref",
          name: "FailedOperation",
        },
        required: true,
      },
      dead_letter_id: {
        schema: {
          type: "string",
        },
        required: false,
      },
    },
  },
  TransactionNotAttempted: {
    type: "object",
    properties: {
      status: {
        schema: {
          type: "string",
          enum: ["not_attempted"],
        },
        required: true,
      },
      message: {
        schema: {
          type: "string",
        },
        required: false,
      },
    },
  },
  FailedOperation: {
    type: "object",
    properties: {
      error_code: {
        schema: {
          type: "string",
        },
        required: true,
      },
      message: {
        schema: {
          type: "string",
        },
        required: false,
      },
      details: {
        schema: {
          type: "any",
        },
        required: false,
      },
      operation_index: {
        schema: {
          type: "integer",
          format: "int32",
          minimum: {
            value: 0,
            exclusive: false,
          },
        },
        required: false,
      },
    },
  },
  ErrorResponse: {
    type: "object",
    properties: {
      code: {
        schema: {
          type: "string",
        },
        required: false,
      },
      message: {
        schema: {
          type: "string",
        },
        required: true,
      },
      violations: {
        schema: {
          type: "array",
          items: {
            type: "ref",
            name: "Violation",
          },
        },
        required: false,
      },
      violations_omitted: {
        schema: {
          type: "integer",
          format: "int64",
          minimum: {
            value: 0,
            exclusive: false,
          },
        },
        required: false,
      },
    },
  },
  Violation: {
    type: "object",
    properties: {
      path: {
        schema: {
          type: "string",
        },
        required: true,
      },
      keyword: {
        schema: {
          type: "string",
        },
        required: true,
      },
      message: {
        schema: {
          type: "string",
        },
        required: true,
      },
    },
  },
  HealthStatus: {
    type: "object",
    properties: {
      status: {
        schema: {
          type: "string",
        },
        required: true,
      },
    },
  },
};
