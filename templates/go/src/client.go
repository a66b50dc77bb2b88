// {{ header }}

package {{ package }}

import (
{%- if !operations.is_empty() %}
	"context"
{%- endif %}
	"net/http"
)

// ClientOptions are the settings of a Client.
type ClientOptions struct {
	// BaseURL is the server's base URL (`https://api.example.com`); operation
	// paths are appended to it.
	BaseURL string
	// HTTPClient sends the requests (default: http.DefaultClient).
	HTTPClient *http.Client
	// Credentials are the client's credentials, one source per security scheme.
	Credentials ClientCredentials
	// Header holds headers sent with every request.
	Header http.Header
}

// ClientCredentials are the client's credential sources, one per security
// scheme of the spec; a nil one sends nothing for its scheme.
type ClientCredentials struct {
{%- for (field, scheme) in schemes %}
	// {{ field }} is for the scheme {{ scheme }}.
	{{ field }} CredentialSource
{%- endfor %}
}

func (c ClientCredentials) sources() map[string]CredentialSource {
	return map[string]CredentialSource{
{%- for (field, scheme) in schemes %}
		{{ scheme }}: c.{{ field }},
{%- endfor %}
	}
}

// Client is a typed client of {{ title }}. A method returns the typed response
// of a status the spec lists; an *UnexpectedResponseError for another status,
// an *InvalidResponseError for a body that does not match the spec, an
// *InvalidRequestError for a request that cannot be written, or the HTTP
// client's error.
type Client struct {
	transport *transport
}

// NewClient is a client for the server at options.BaseURL.
func NewClient(options ClientOptions) (*Client, error) {
	t, err := newTransport(options.BaseURL, options.HTTPClient, options.Header, options.Credentials.sources())
	if err != nil {
		return nil, err
	}
	return &Client{transport: t}, nil
}
{%- for op in operations %}

{% for line in op.doc -%}
//{% if !line.is_empty() %} {{ line }}{% endif %}
{% endfor -%}
func (c *Client) {{ op.method }}(ctx context.Context{% if op.has_request %}, request {{ op.method }}Request{% endif %}) ({{ op.method }}Response, error) {
	got, err := c.transport.call(ctx, {{ op.spec_var }}, []any{ {{- op.params_list() -}} }, {% if let Some(body) = op.body_field %}request.{{ body }}, true{% else %}nil, false{% endif %})
	if err != nil {
		return nil, err
	}
	switch got.status {
{%- for r in op.responses %}
	{{ r.case }}:
		var r {{ r.type_name }}
{%- if r.is_default %}
		r.StatusCode = got.status
{%- endif %}
{%- if r.body.is_some() %}
		if err := got.decode(&r.Body); err != nil {
			return nil, err
		}
{%- endif %}
{%- if let Some((_, fields)) = r.headers %}
{%- for f in fields %}
		if err := got.headerValue({{ loop.index0 }}, &r.Headers.{{ f.name }}); err != nil {
			return nil, err
		}
{%- endfor %}
{%- endif %}
		return r, nil
{%- endfor %}
	}
{%- if !op.has_default() %}
	return nil, got.unexpected()
{%- endif %}
}
{%- endfor %}
