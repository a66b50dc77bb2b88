// {{ header }}

// The names by which the support modules (the files that are the same for every
// spec) reach this one. Not exported from the package's index.

export type { {{ handler_name }} as Handler } from "./server.ts";
{%- if let Some(write_path) = write_path %}
{%- for list in write_path.exports %}
{{ list.keyword }} { {{ list.items|join(", ") }} } from "{{ list.from }}";
{%- endfor %}

/** The security scheme the connector sends the PowerSync token with. */
export const BEARER_SCHEME = {{ write_path.bearer_scheme }};
{%- endif %}
