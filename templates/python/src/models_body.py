{%- for c in classes %}


class {{ c.name }}(WireModel):
{%- if c.doc.is_empty() %}
    """`{{ c.name }}`."""
{%- else %}
    """{% for line in c.doc %}{% if !loop.first %}
{% if !line.is_empty() %}    {% endif %}{% endif %}{{ line }}{% endfor %}
    """
{%- endif %}
{%- if c.extra %}

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())
{%- endif %}
{%- if !c.optional.is_empty() %}

    wire_optional: ClassVar[frozenset[str]] = frozenset({{ c.optional }})
{%- endif %}
{%- if !c.nullable.is_empty() %}
    wire_nullable: ClassVar[frozenset[str]] = frozenset({{ c.nullable }})
{%- endif %}
{%- for f in c.fields %}

    {{ f.name }}: {{ f.annotation }}{{ f.default }}
{%- if !f.doc.is_empty() %}
    """{% for line in f.doc %}{% if !loop.first %}
{% if !line.is_empty() %}    {% endif %}{% endif %}{{ line }}{% endfor %}
    """
{%- endif %}
{%- endfor %}
{%- endfor %}
{%- for a in aliases %}


{{ a.name }}: TypeAlias = {{ a.value }}
{%- if !a.doc.is_empty() %}
"""{% for line in a.doc %}{% if !loop.first %}
{% if !line.is_empty() %}{% endif %}{% endif %}{{ line }}{% endfor %}
"""
{%- endif %}
{%- endfor %}
{%- if !class_names.is_empty() %}

for _model in ({% for name in class_names %}{{ name }}, {% endfor %}):
    _model.model_rebuild()
{%- endif %}
