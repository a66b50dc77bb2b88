# {{ header }}
"""Typed clients for every operation of the spec, on httpx: `{{ client_name }}`
(sync) and `Async{{ client_name }}`. A reply with a status the spec does not
list raises `UnexpectedResponse`; a listed status with a body that is not the
spec's JSON raises `InvalidResponse` (with the reply's status and headers).
Needs the `client` extra."""

from __future__ import annotations

{{ imports }}


class {{ client_name }}:
    """A client for {{ title_doc }}.

    `credentials` has one source per security scheme of the spec, by scheme name
    ({{ schemes_doc }}): a string, or a function returning the current one, called
    per request. `http` is the `httpx.Client` to send with (a new one by default).
    """

    def __init__(
        self,
        base_url: str,
        *,
        credentials: Mapping[str, CredentialSource] | None = None,
        headers: Mapping[str, str] | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self._transport = Transport(
            base_url,
            credentials=credentials,
            headers=headers,
            http=http,
            security_schemes=ops.SECURITY_SCHEMES,
        )

    def close(self) -> None:
        """Closes the HTTP client."""
        self._transport.close()

    def __enter__(self) -> {{ client_name }}:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
{%- for s in operations %}
{%- let op = s.op %}

    def {{ op.method }}(self, {{ s.client_args }}*, headers: Mapping[str, str] | None = None) -> ops.{{ op.stem }}Response:
        """{% for line in op.doc %}{% if !loop.first %}
{% if !line.is_empty() %}        {% endif %}{% endif %}{{ line }}{% endfor %}
        """
        response: ops.{{ op.stem }}Response = self._transport.call(ops.OPERATIONS[{{ op.id_lit }}], {{ s.client_request }}, headers)
        return response
{%- endfor %}


class Async{{ client_name }}:
    """An async client for {{ title_doc }}, as `{{ client_name }}`; a credential
    function may be async. `http` is the `httpx.AsyncClient` to send with."""

    def __init__(
        self,
        base_url: str,
        *,
        credentials: Mapping[str, AsyncCredentialSource] | None = None,
        headers: Mapping[str, str] | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._transport = AsyncTransport(
            base_url,
            credentials=credentials,
            headers=headers,
            http=http,
            security_schemes=ops.SECURITY_SCHEMES,
        )

    async def aclose(self) -> None:
        """Closes the HTTP client."""
        await self._transport.aclose()

    async def __aenter__(self) -> Async{{ client_name }}:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
{%- for s in operations %}
{%- let op = s.op %}

    async def {{ op.method }}(self, {{ s.client_args }}*, headers: Mapping[str, str] | None = None) -> ops.{{ op.stem }}Response:
        """{% for line in op.doc %}{% if !loop.first %}
{% if !line.is_empty() %}        {% endif %}{% endif %}{{ line }}{% endfor %}
        """
        response: ops.{{ op.stem }}Response = await self._transport.call(ops.OPERATIONS[{{ op.id_lit }}], {{ s.client_request }}, headers)
        return response
{%- endfor %}
