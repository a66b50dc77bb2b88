# {{ header }}
"""{{ title }}: models, validation, a server core with ASGI and FastAPI adapters,
and a typed httpx client, generated from the OpenAPI spec.

The FastAPI router (`{{ module }}.fastapi`) needs the `fastapi` extra and the
clients (`{{ module }}.client`) the `client` extra; nothing here imports them.
"""

from . import models, operations
{%- if !model_imports.is_empty() %}
from .models import {{ model_imports }}
{%- endif %}
{%- if !operation_imports.is_empty() %}
from .operations import {{ operation_imports }}
{%- endif %}
from .serve import (
    DEFAULT_BODY_LIMIT,
    AuthenticatedContext,
    Credentials,
    HttpRejection,
    Options,
    Request,
    RequestContext,
    Response,
)
from .server import {{ handler_name }}, create_asgi_app, create_core
from .validator import MAX_VIOLATIONS, Checked, Invalid, Valid, validate
from .wire import File

__all__ = [
{%- for name in all %}
    "{{ name }}",
{%- endfor %}
]
