// {{ header }}
{%- for t in types %}
{# one blank line between declarations #}
{%- if !t.doc.is_empty() %}
/**
{%- for line in t.doc %}
 *{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
 */
{%- endif %}
{%- match t.body %}
{%- when TypeBody::Interface(i) %}
{%- if i.is_empty() %}
export interface {{ i.name }} {}
{%- else %}
export interface {{ i.name }} {
{%- if let Some(tag) = i.tag %}
  {{ tag.0 }}: {{ tag.1 }};
{%- endif %}
{%- for m in i.members %}
{%- if !m.doc.is_empty() %}
  /**
{%- for line in m.doc %}
   *{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
   */
{%- endif %}
{{ m.line }}
{%- endfor %}
{%- if i.extra %}
  /** Properties the schema does not name. */
  [property: string]: unknown;
{%- endif %}
}
{%- endif %}
{%- when TypeBody::Alias(text) %}
{{ text }}
{%- endmatch %}
{%- endfor %}
