// {{ header }}

package {{ package }}

import (
{%- if secured || !operations.is_empty() %}
	"context"
{%- endif %}
	"net/http"
)

// Server is the strict server of {{ title }}: one method per operation. Each
// gets its typed, already validated request and returns one of its typed
// responses, or an error: an *HTTPError is answered as it says, any other
// error with 500 (and Options.OnError).
type Server interface {
{%- if secured %}
	// Authenticate checks the credentials of a request to an operation that
	// requires them: it returns who made it and true, or false to refuse it
	// (401). Missing or malformed credentials are refused without calling it.
	// Refuse a token that does not grant every scope in credentials.Scopes. When
	// an operation accepts several schemes, each credential found is tried in
	// the spec's order until one is accepted. The principal is then
	// PrincipalFrom(ctx) in the operation's method.
	Authenticate(ctx context.Context, credentials Credentials) (principal any, ok bool, err error)
{%- endif %}
{%- for op in operations %}

{%- for line in op.doc %}
	//{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
	{{ op.method }}(ctx context.Context{% if op.has_request %}, request {{ op.server_request() }}{% endif %}) ({{ op.method }}Response, error)
{%- endfor %}
}

// Handler serves impl on net/http. Unknown paths answer 404, a known path with
// another method 405 (with Allow); an operation that requires credentials
// answers 401 without calling impl when they are missing or Authenticate
// refuses them; then 415, 413 and 400 (with the paths of the first
// MaxViolations violations and the count of the others) before impl sees the
// request. Every such answer is the JSON body {code, message, violations?,
// violations_omitted?}.
func Handler(impl Server, options Options) http.Handler {
{%- if secured %}
	return serve(options, impl.Authenticate, []route{
{%- else %}
	return serve(options, nil, []route{
{%- endif %}
{%- for op in operations %}
		{spec: {{ op.spec_var }}, invoke: func(ctx context.Context, in *decoded) (Response, error) {
{%- if op.has_request %}
			var request {{ op.server_request() }}
{%- for f in op.param_fields %}
			if err := in.param({{ loop.index0 }}, &request.{{ f }}); err != nil {
				return nil, err
			}
{%- endfor %}
{%- if let Some(body) = op.body_field %}
			if err := in.decodeBody(&request.{{ body }}); err != nil {
				return nil, err
			}
{%- endif %}
			response, err := impl.{{ op.method }}(ctx, request)
{%- else %}
			response, err := impl.{{ op.method }}(ctx)
{%- endif %}
			if err != nil || response == nil {
				return nil, err
			}
			return response, nil
		}},
{%- endfor %}
	})
}
