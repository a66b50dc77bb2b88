{#- Macros shared by the TypeScript templates. -#}

{#- `head(args)tail` (an `operations::Call`): on one line when it fits, else one
    argument per line. Starts with the line break that ends the line before. -#}
{%- macro call(c) %}
{%- if c.flat %}
{{ c.pad }}{{ c.head }}({% for arg in c.args %}{% if !loop.first %}, {% endif %}{{ arg }}{% endfor %}){{ c.tail }}
{%- else %}
{{ c.pad }}{{ c.head }}(
{%- for arg in c.args %}
{{ c.pad }}  {{ arg }},
{%- endfor %}
{{ c.pad }}){{ c.tail }}
{%- endif %}
{%- endmacro %}
