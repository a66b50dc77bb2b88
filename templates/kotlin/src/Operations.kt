{%- import "kotlin/macros.kt.in" as m -%}
// {{ header }}

package {{ package }}
{%- if !imports.is_empty() %}
{% for import in imports %}
import {{ import }}
{%- endfor %}
{%- endif %}
{%- for o in operations %}
{%- if let Some(request) = o.request %}

/** The request of `{{ o.method }}`: its parameters{% if o.body_arg.is_some() %} and body{% endif %}. */
data class {{ request }}(
{%- for p in o.request_fields %}
{%- call m::kdoc(&p.doc, "    ") %}{% endcall %}
{%- call m::property(p) %}{% endcall %}
{%- endfor %}
)
{%- endif %}

/** The replies of `{{ o.method }}`, one class per status the spec lists. */
sealed interface {{ o.response }} {
    /** The reply's HTTP status. */
    val status: Int
{%- for r in o.responses %}
{% call m::kdoc(&r.doc, "    ") %}{% endcall %}
{%- if r.body.is_none() && r.headers.is_none() && r.status.is_some() %}
    data object {{ r.variant }} : {{ o.response }} {
        override val status: Int get() = {{ r.status.unwrap() }}
    }
{%- else %}
    data class {{ r.variant }}(
{%- if r.status.is_none() %}
        override val status: Int,
{%- endif %}
{%- if let Some(body) = r.body %}
        val body: {{ body }},
{%- endif %}
{%- if let Some((headers, _)) = r.headers %}
        val headers: {{ headers }},
{%- endif %}
{%- if let Some(status) = r.status %}
    ) : {{ o.response }} {
        override val status: Int get() = {{ status }}
    }
{%- else %}
    ) : {{ o.response }}
{%- endif %}
{%- endif %}
{%- endfor %}
}
{%- for r in o.responses %}
{%- if let Some((headers, fields)) = r.headers %}

/** The headers of `{{ o.method }}`'s {% if let Some(status) = r.status %}{{ status }}{% else %}default{% endif %} reply. */
data class {{ headers }}(
{%- for p in fields %}
{%- call m::kdoc(&p.doc, "    ") %}{% endcall %}
{%- call m::property(p) %}{% endcall %}
{%- endfor %}
)
{%- endif %}
{%- endfor %}
{%- endfor %}
