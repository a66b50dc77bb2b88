// {{ header }}

/**
 * The spec's schemas as the validator (`validator.ts`) walks them. Exported from
 * the package through `validation.ts`.
 */

import type { {{ validator_imports }} } from "./validator.ts";

{{ schema_names }}

/** Every named schema of the spec, by name. */
export const schemas: Readonly<Record<SchemaName, Schema>> = {{ schemas }};
