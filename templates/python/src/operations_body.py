{%- for op in operations %}
{%- if let Some(r) = op.request %}


@dataclass(frozen=True)
class {{ op.stem }}Request:
    """{% for line in r.doc %}{% if !loop.first %}
{% if !line.is_empty() %}    {% endif %}{% endif %}{{ line }}{% endfor %}
    """
{%- for a in r.attrs %}

    {{ a.name }}: {{ a.annotation }}{{ a.default }}
{%- if !a.doc.is_empty() %}
    """{% for line in a.doc %}{% if !loop.first %}
{% if !line.is_empty() %}    {% endif %}{% endif %}{{ line }}{% endfor %}
    """
{%- endif %}
{%- endfor %}
{%- endif %}
{%- if let Some(rb) = op.received %}


@dataclass(frozen=True)
class {{ rb.class_name }}:
    """{% for line in rb.doc %}{% if !loop.first %}
{% if !line.is_empty() %}    {% endif %}{% endif %}{{ line }}{% endfor %}
    """
{%- for a in rb.attrs %}

    {{ a.name }}: {{ a.annotation }}{{ a.default }}
{%- if !a.doc.is_empty() %}
    """{% for line in a.doc %}{% if !loop.first %}
{% if !line.is_empty() %}    {% endif %}{% endif %}{{ line }}{% endfor %}
    """
{%- endif %}
{%- endfor %}

    @classmethod
    def receive(cls, decoded: DecodedRequest) -> {{ rb.class_name }}:
        """The received body from the server core's decoded request."""
        envelope = {{ rb.model }}.model_validate({**decoded.body, **dict.fromkeys(decoded.items, [])})
        return cls(
{%- for name in rb.copied %}
            {{ name }}=envelope.{{ name }},
{%- endfor %}
{%- for i in rb.items %}
            {{ i.name }}=typed_items(TypeAdapter({{ i.item }}).validate_python, decoded.items.get({{ i.wire }})){% if i.required %} or []{% endif %},
{%- endfor %}
        )


@dataclass(frozen=True)
class {{ op.stem }}ReceivedRequest:
    """The request of `{{ op.id_doc }}` as the server hands it to the handler."""
{%- if let Some(r) = op.request %}
{%- for a in r.attrs %}

{%- if a.name == "body" %}
    body: {{ rb.class_name }}{% if !op.body_required %} | None = None{% endif %}
{%- else %}
    {{ a.name }}: {{ a.annotation }}{{ a.default }}
{%- endif %}
{%- endfor %}
{%- endif %}
{%- endif %}
{%- for r in op.responses %}


@dataclass(frozen=True)
class {{ r.class_name }}:
    """{% for line in r.doc %}{% if !loop.first %}
{% if !line.is_empty() %}    {% endif %}{% endif %}{{ line }}{% endfor %}
    """
{%- for a in r.attrs %}

    {{ a.name }}: {{ a.annotation }}{{ a.default }}
{%- if !a.doc.is_empty() %}
    """{% for line in a.doc %}{% if !loop.first %}
{% if !line.is_empty() %}    {% endif %}{% endif %}{{ line }}{% endfor %}
    """
{%- endif %}
{%- endfor %}
{%- endfor %}


{{ op.stem }}Response: TypeAlias = {{ op.response_union }}
"""The responses of `{{ op.id_doc }}`, one class per status."""
{%- endfor %}


SECURITY_SCHEMES: dict[str, SecuritySchemeSpec] = {
{%- for s in security_schemes %}
    {{ s }},
{%- endfor %}
}
"""Every security scheme of the spec, by name."""

OPERATIONS: dict[str, OperationSpec] = {
{%- for op in operations %}
    {{ op.id_lit }}: {{ op.spec }},
{%- endfor %}
}
"""Every operation of the spec, by operation id."""
