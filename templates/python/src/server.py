# {{ header }}
"""The server side: implement `{{ handler_name }}`, then serve it with
`create_asgi_app` (any ASGI server; Starlette, FastAPI and Django ASGI apps can
mount it) or include `{{ module }}.fastapi.router(create_core(handler))` in a
FastAPI app. `create_core` gives the framework-free core: a request as (method,
path, query, headers, body bytes) in, (status, headers, body bytes) out."""

from __future__ import annotations

{{ imports }}

{%- if secured %}

Principal = TypeVar("Principal")
{%- endif %}


class {{ handler_name }}(Protocol{% if secured %}[Principal]{% endif %}):
    """{% for line in handler_doc %}{% if !loop.first %}
{% if !line.is_empty() %}    {% endif %}{% endif %}{{ line }}{% endfor %}
    """
{%- if secured %}

    async def authenticate(self, credentials: Credentials, request: Request) -> Principal | None:
        """Checks the credentials of a request to an operation that requires them:
        return who made it, or `None` to refuse it (401). Missing or malformed
        credentials are refused without calling it. Refuse a token that does not
        grant every scope in `credentials.scopes`. When an operation accepts several
        schemes, each credential found is tried in the spec's order until one is
        accepted. Raise an `HttpRejection` to answer otherwise (403, 503, ...).
        """
        ...
{%- endif %}
{%- for s in operations %}
{%- let op = s.op %}

    async def {{ op.method }}(self, {{ s.handler_args }}) -> ops.{{ op.stem }}Response:
        """{% for line in op.doc %}{% if !loop.first %}
{% if !line.is_empty() %}        {% endif %}{% endif %}{{ line }}{% endfor %}
        """
        ...
{%- endfor %}
{%- for s in operations %}
{%- let op = s.op %}


async def _invoke_{{ op.method }}(
    handler: {{ handler_ref }}, decoded: DecodedRequest, context: AuthenticatedContext[Any]
) -> ops.{{ op.stem }}Response:
{%- for line in s.invoke %}
    {{ line }}
{%- endfor %}
{%- endfor %}
{%- for s in operations %}
{%- if let Some(adapter) = s.adapter %}


{{ adapter }}
{%- endif %}
{%- endfor %}


async def _authenticate(handler: {{ handler_ref }}, credentials: Credentials, request: Request) -> Any:
{%- if secured %}
    return await handler.authenticate(credentials, request)
{%- else %}
    return None
{%- endif %}


ROUTES: list[Route[{{ handler_ref }}]] = [
{%- for s in operations %}
{%- let op = s.op %}
    Route(ops.OPERATIONS[{{ op.id_lit }}], _invoke_{{ op.method }}),
{%- endfor %}
]
"""Every operation the core serves."""


def create_core(
    handler: {{ handler_ref }}, options: Options | None = None
) -> Core[{{ handler_ref }}]:
    """The framework-free server core for `handler`: `await core.handle(request)`
    answers a `Request` with a `Response`. Unknown paths answer 404, a known path
    with another method 405 (with `Allow`); an operation that requires credentials
    answers 401 without calling the implementation when they are missing or
    `authenticate` refuses them; then 415, 413 and 400 (with the paths of the first
    `MAX_VIOLATIONS` violations and the count of the others) before the
    implementation sees the request."""
    return Core(handler, ROUTES, ops.SECURITY_SCHEMES, _authenticate, options)


def create_asgi_app(
    handler: {{ handler_ref }}, options: Options | None = None
) -> AsgiApp[{{ handler_ref }}]:
    """An ASGI 3 application serving `handler` (see `create_core`)."""
    return AsgiApp(create_core(handler, options))
