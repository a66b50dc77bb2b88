{#- Macros shared by the TypeScript templates. -#}

{#- `head(args)tail` (an `operations::Call`) on one line, which prettier breaks when
    too wide. Starts with the line break that ends the line before. -#}
{%- macro call(c) %}
{{ c.pad }}{{ c.head }}({{ c.args|join(", ") }}){{ c.tail }}
{%- endmacro %}
