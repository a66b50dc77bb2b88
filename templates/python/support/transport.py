"""The client's transport on httpx, the same for every spec: builds a request from
an operation's spec and typed request, adds credentials, and reads the reply
liberally against the spec. The generated `client.py` has one typed method per
operation, sync (`httpx.Client`) and async (`httpx.AsyncClient`). Needs the
`client` extra."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, ValidationError

from . import multipart
from .serve import text_content_type, to_json_value
from .specs import OperationSpec, ParameterSpec, ResponseSpec
from .validator import Violation, resolve, validate_value
from .wire import File

CredentialSource = str | Callable[[], str | None]
"""A credential, or a function returning the current one (called per request)."""

AsyncCredentialSource = (
    str | Callable[[], str | None] | Callable[[], Awaitable[str | None]]
)
"""A credential, or a function (maybe async) returning the current one."""


class UnexpectedResponse(Exception):
    """The server answered with a status the spec does not list for the operation."""

    def __init__(
        self, operation: str, status: int, headers: httpx.Headers, body: bytes
    ) -> None:
        text = body[:200].decode("utf-8", "replace")
        super().__init__(
            f"{operation}: the server answered {status}, which the spec does not list; "
            f"body: {text}"
        )
        self.operation = operation
        self.status = status
        self.headers = headers
        self.body = body


class InvalidRequest(ValueError):
    """The request cannot be written as the spec says, so nothing was sent: an item
    of an array parameter holds the character that separates its items, or an array
    path parameter is empty."""

    def __init__(self, operation: str, detail: str) -> None:
        super().__init__(f"{operation}: the request cannot be sent: {detail}")
        self.operation = operation


class InvalidResponse(Exception):
    """The server's reply has a status the spec lists but a body that does not
    match it: not JSON, or schema violations. `status` and `headers` are the
    reply's, so a caller can still act on the status (and a `Retry-After`) of a
    reply whose body it cannot use."""

    def __init__(
        self,
        operation: str,
        status: int,
        headers: httpx.Headers,
        violations: list[Violation],
        detail: str | None = None,
    ) -> None:
        problems = "; ".join(f"{v.path}: {v.message} ({v.keyword})" for v in violations)
        super().__init__(
            f"{operation}: the {status} reply does not match the spec: {detail or problems}"
        )
        self.operation = operation
        self.status = status
        self.headers = headers
        self.violations = violations
        self.retry_after = _integer(headers.get("retry-after"))


_Params = list[tuple[str, str | int | float | bool | None]]


def _integer(text: str | None) -> int | None:
    if text is None or not re.fullmatch(r"\s*-?[0-9]+\s*", text):
        return None
    return int(text)


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _text(value: Any) -> str:
    """A scalar parameter's text: booleans as `true` / `false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _items(
    spec: OperationSpec, parameter: ParameterSpec, value: list[Any]
) -> list[str]:
    texts = [_text(item) for item in value]
    separator = parameter.separator
    if separator is not None and any(separator in text for text in texts):
        raise InvalidRequest(
            spec.id,
            f"an item of the {parameter.location} parameter `{parameter.name}` holds "
            f"`{separator}`, which separates its items",
        )
    return texts


def _parameters(
    spec: OperationSpec, request: Any, headers: dict[str, str], params: _Params
) -> str:
    """Writes the request's parameters into `headers` and `params`; the path."""
    path = spec.path
    for parameter in spec.parameters:
        value = getattr(request, parameter.key, None)
        if parameter.location == "path":
            if isinstance(value, list):
                items = _items(spec, parameter, value)
                if not items:
                    raise InvalidRequest(
                        spec.id,
                        f"the path parameter `{parameter.name}` has no items, and a path "
                        "segment cannot be empty",
                    )
                text = ",".join(quote(item, safe="") for item in items)
            else:
                text = quote(_text(value), safe="")
            path = path.replace("{" + parameter.name + "}", text)
        elif value is None:
            continue
        elif parameter.location == "query":
            if isinstance(value, list) and parameter.separator is not None:
                params.append(
                    (
                        parameter.name,
                        parameter.separator.join(_items(spec, parameter, value)),
                    )
                )
            elif isinstance(value, list):
                params.extend(
                    (parameter.name, item) for item in _items(spec, parameter, value)
                )
            else:
                params.append((parameter.name, _text(value)))
        else:
            text = (
                ",".join(_items(spec, parameter, value))
                if isinstance(value, list)
                else _text(value)
            )
            headers[parameter.name] = text
    return path


def _fields(body: Any) -> list[tuple[str, Any]]:
    """Every field value of a form or multipart body by its property name: an
    array's items, `None`s left out."""
    if isinstance(body, BaseModel):
        fields = type(body).model_fields
        pairs = [
            (fields[name].serialization_alias or name, getattr(body, name))
            for name in fields
        ]
    else:
        pairs = list(dict(body).items())
    return [
        (name, item)
        for name, value in pairs
        for item in (value if isinstance(value, list) else [value])
        if item is not None
    ]


def _body(spec: OperationSpec, request: Any) -> tuple[dict[str, str], bytes | None]:
    """The request's body as sent and its `Content-Type`: JSON; raw bytes; UTF-8
    text; a form with a `name=value` pair per field (an array one per item); or
    multipart with a part per value, a `File` as a file part."""
    body = getattr(request, "body", None)
    if spec.body is None or body is None:
        return {}, None
    encoding = spec.body.encoding
    content_type = spec.body.content_type
    if encoding == "binary":
        return {"content-type": content_type}, bytes(body)
    if encoding == "text":
        return {"content-type": text_content_type(content_type)}, str(body).encode(
            "utf-8"
        )
    if encoding == "form":
        pairs = [(name, _text(value)) for name, value in _fields(body)]
        return {"content-type": content_type}, urlencode(pairs).encode("ascii")
    if encoding == "multipart":
        parts: list[tuple[str, str | File]] = [
            (name, value if isinstance(value, File) else _text(value))
            for name, value in _fields(body)
        ]
        multipart_type, encoded = multipart.encode(parts)
        return {"content-type": multipart_type}, encoded
    content = json.dumps(to_json_value(body), ensure_ascii=False, separators=(",", ":"))
    return {"content-type": spec.body.content_type}, content.encode("utf-8")


def _schemes(spec: OperationSpec) -> list[str]:
    return list(dict.fromkeys(use.scheme for alt in spec.security for use in alt))


def _authorize(
    headers: dict[str, str],
    params: _Params,
    scheme: Any,
    secret: str | None,
) -> None:
    if not secret:
        return
    if scheme.type == "bearer":
        headers["authorization"] = f"Bearer {secret}"
    elif scheme.location == "header":
        headers[scheme.name] = secret
    else:
        params.append((scheme.name, secret))


def read_reply(
    spec: OperationSpec, status: int, headers: httpx.Headers, content: bytes
) -> Any:
    """The typed response for a reply: `UnexpectedResponse` for a status the spec
    does not list, `InvalidResponse` for a body that is not the listed JSON (or
    UTF-8 text, for a text body), or does not match its schema. Raw bytes are
    taken as they are."""
    declared: ResponseSpec | None = spec.responses.get(status) or spec.responses.get(
        "default"
    )
    if declared is None:
        raise UnexpectedResponse(spec.id, status, headers, content)
    values: dict[str, Any] = {"status": status}
    if declared.body is not None and declared.encoding == "binary":
        values["body"] = content
    elif declared.body is not None:
        try:
            body: Any = (
                content.decode("utf-8")
                if declared.encoding == "text"
                else json.loads(content)
            )
        except ValueError:
            if declared.encoding == "text":
                raise InvalidResponse(
                    spec.id, status, headers, [], "the body is not UTF-8 text"
                ) from None
            text = content[:200].decode("utf-8", "replace")
            raise InvalidResponse(
                spec.id, status, headers, [], f"the body is not JSON: {text}"
            ) from None
        found = validate_value(declared.body, body)
        if not found.valid:
            raise InvalidResponse(spec.id, status, headers, found.listed)
        try:
            values["body"] = (
                declared.decode(body) if declared.decode is not None else body
            )
        except ValidationError as error:
            raise InvalidResponse(spec.id, status, headers, [], str(error)) from None
    for header in declared.headers:
        text = headers.get(header.name)
        if text is None:
            continue
        kind = resolve(header.schema).get("type")
        if kind == "integer":
            parsed: Any = _integer(text)
        elif kind == "number":
            parsed = _number(text.strip())
        elif kind == "boolean":
            parsed = {"true": True, "false": False}.get(text.strip())
        else:
            parsed = text
        if parsed is not None:
            values[header.key] = parsed
    return declared.make(**values)


class Transport:
    """Sends an operation's request with `httpx.Client` and reads the reply."""

    def __init__(
        self,
        base_url: str,
        *,
        credentials: Mapping[str, CredentialSource] | None = None,
        headers: Mapping[str, str] | None = None,
        http: httpx.Client | None = None,
        security_schemes: Mapping[str, Any],
    ) -> None:
        self.base_url = base_url
        self.credentials = dict(credentials or {})
        self.headers = dict(headers or {})
        self.http = http if http is not None else httpx.Client()
        self.security_schemes = security_schemes

    def call(
        self, spec: OperationSpec, request: Any, headers: Mapping[str, str] | None
    ) -> Any:
        sent = {**self.headers, **(headers or {})}
        params: _Params = []
        path = _parameters(spec, request, sent, params)
        for name in _schemes(spec):
            source = self.credentials.get(name)
            secret = source() if callable(source) else source
            _authorize(sent, params, self.security_schemes[name], secret)
        extra, content = _body(spec, request)
        sent.update(extra)
        reply = self.http.request(
            spec.method,
            self.base_url.rstrip("/") + path,
            headers=sent,
            params=params,
            content=content,
        )
        return read_reply(spec, reply.status_code, reply.headers, reply.content)

    def close(self) -> None:
        self.http.close()


class AsyncTransport:
    """Sends an operation's request with `httpx.AsyncClient` and reads the reply."""

    def __init__(
        self,
        base_url: str,
        *,
        credentials: Mapping[str, AsyncCredentialSource] | None = None,
        headers: Mapping[str, str] | None = None,
        http: httpx.AsyncClient | None = None,
        security_schemes: Mapping[str, Any],
    ) -> None:
        self.base_url = base_url
        self.credentials = dict(credentials or {})
        self.headers = dict(headers or {})
        self.http = http if http is not None else httpx.AsyncClient()
        self.security_schemes = security_schemes

    async def call(
        self, spec: OperationSpec, request: Any, headers: Mapping[str, str] | None
    ) -> Any:
        sent = {**self.headers, **(headers or {})}
        params: _Params = []
        path = _parameters(spec, request, sent, params)
        for name in _schemes(spec):
            source = self.credentials.get(name)
            secret: Any = source() if callable(source) else source
            if inspect.isawaitable(secret):
                secret = await secret
            _authorize(sent, params, self.security_schemes[name], secret)
        extra, content = _body(spec, request)
        sent.update(extra)
        reply = await self.http.request(
            spec.method,
            self.base_url.rstrip("/") + path,
            headers=sent,
            params=params,
            content=content,
        )
        return read_reply(spec, reply.status_code, reply.headers, reply.content)

    async def aclose(self) -> None:
        await self.http.aclose()
