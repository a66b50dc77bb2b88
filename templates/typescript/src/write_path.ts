// {{ header }}

// What the connector (`connector.ts`) uses of this spec, under the names it uses.
{% for list in exports %}
{%- if list.flat %}
{{ list.keyword }} { {{ list.items|join(", ") }} } from "{{ list.from }}";
{%- else %}
{{ list.keyword }} {
{%- for item in list.items %}
  {{ item }},
{%- endfor %}
} from "{{ list.from }}";
{%- endif %}
{%- endfor %}

/** The security scheme the connector sends the PowerSync token with. */
export const BEARER_SCHEME = {{ bearer_scheme }};
