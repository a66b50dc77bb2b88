// {{ header }}

/**
 * Validation of raw JSON values against the spec's schemas. Each violation is
 * reported with its path in the value (`$.transactions[0].crud[2].op`) and the JSON
 * Schema keyword that failed, as every language of this project reports them.
 * Nothing below a `type` violation is checked. A validation lists at most
 * {@link MAX_VIOLATIONS} violations, the first ones found while walking the value in
 * schema order, and only counts the others: an invalid value of any size gives a
 * bounded report.
 */
{% if !validators.is_empty() %}
import { validate, type Violations } from "./validator.ts";
{% endif %}
export * from "./validator.ts";
export { schemas, type SchemaName } from "./schemas.ts";
{% for f in validators %}
/** The violations of `value` against `{{ f.schema }}`; none listed when valid. */
{{ f.signature }} {
  return validate({{ f.schema_literal }}, value);
}
{% endfor %}
