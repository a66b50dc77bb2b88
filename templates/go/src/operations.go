// {{ header }}

// Every operation of the spec: its typed request and per-status responses,
// shared by the server handler and the client, and the description both run on.

package {{ package }}
{% if json %}
import "encoding/json"
{% endif %}
// securitySchemes are the spec's security schemes, by name.
var securitySchemes = map[string]securitySchemeSpec{
{%- for (name, spec) in schemes %}
	{{ name }}: {{ spec }},
{%- endfor %}
}
{%- for op in operations %}
{%- if op.has_request %}

// {{ op.method }}Request is the request of {{ op.method }}.
type {{ op.method }}Request struct {
{%- for f in op.request_fields %}
{%- for line in f.doc %}
	//{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
	{{ f.name }} {{ f.ty }}
{%- endfor %}
}
{%- endif %}
{%- if op.received %}

// {{ op.method }}ReceivedRequest is the request of {{ op.method }} as the server
// hands it to the implementation: the items of its per-item arrays are each
// checked on their own (`x-per-item-validation`), so an invalid one arrives with
// its violations instead of refusing the request.
type {{ op.method }}ReceivedRequest struct {
{%- for f in op.request_fields %}
{%- for line in f.doc %}
	//{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
{%- if op.body_field.as_deref() == Some(f.name.as_str()) %}
	{{ f.name }} {{ op.method }}ReceivedBody
{%- else %}
	{{ f.name }} {{ f.ty }}
{%- endif %}
{%- endfor %}
}

// {{ op.method }}ReceivedBody is the body of {{ op.method }} as the server received it.
type {{ op.method }}ReceivedBody struct {
{%- for f in op.received_fields %}
{%- for line in f.doc %}
	//{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
	{{ f.name }} {{ f.ty }} {{ f.tag }}
{%- endfor %}
}
{%- endif %}

// {{ op.method }}Response is a response of {{ op.method }}, one type per status:
{%- for r in op.responses %} {{ r.type_name }}{% if !loop.last %},{% endif %}{% endfor %}.
type {{ op.method }}Response interface {
	Response
	is{{ op.method }}Response()
}
{%- for r in op.responses %}

// {{ r.type_name }} is the {% if r.is_default %}default response (any status not listed){% else %}{{ r.status }} response{% endif %} of {{ op.method }}.
{%- if !r.description.is_empty() %}
//
{%- for line in r.description %}
//{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
{%- endif %}
type {{ r.type_name }} struct {
{%- if r.is_default %}
	// StatusCode is the response's HTTP status.
	StatusCode int
{%- endif %}
{%- if let Some(body) = r.body %}
	Body {{ body }}
{%- endif %}
{%- if let Some((headers, _)) = r.headers %}
	Headers {{ headers }}
{%- endif %}
}
{%- if let Some((headers, fields)) = r.headers %}

// {{ headers }} are the headers of {{ r.type_name }}.
type {{ headers }} struct {
{%- for f in fields %}
{%- for line in f.doc %}
	//{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
	{{ f.name }} {{ f.ty }}
{%- endfor %}
}
{%- endif %}

func ({{ r.type_name }}) is{{ op.method }}Response() {}

func (r {{ r.type_name }}) reply() reply {
	return reply{status: {{ r.status }}
{%- if r.body.is_some() %}, body: r.Body, hasBody: true{% endif %}
{%- if let Some((_, fields)) = r.headers %}, headers: []any{ {%- for f in fields %}r.Headers.{{ f.name }}{% if !loop.last %}, {% endif %}{% endfor -%} }{% endif %}}
}
{%- endfor %}

// {{ op.spec_var }} is {{ op.method }} as the server and the client run it.
var {{ op.spec_var }} = {{ op.spec }}
{%- endfor %}
