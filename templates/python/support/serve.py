"""The framework-free server core that serves every spec's operations: routing,
credentials, request decoding and validation, response encoding.

It takes a request as (method, path, query, headers, body bytes) and returns
(status, headers, body bytes); the ASGI app (`asgi.py`) and the FastAPI router
(`fastapi.py`) are thin adapters over it. The generated `server.py` gives it the
spec's routes and the handler interface.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, parse_qsl, unquote_to_bytes

from pydantic_core import to_jsonable_python

from . import multipart
from .multipart import MultipartError, Part
from .specs import (
    BodySpec,
    OperationSpec,
    ParameterSpec,
    SecuritySchemeSpec,
    SecurityUse,
)
from .validator import (
    Checked,
    Schema,
    Valid,
    Violation,
    Violations,
    check_items,
    per_item_arrays,
    property_path,
    resolve,
    validate_envelope,
    validate_value,
)
from .wire import File

DEFAULT_BODY_LIMIT = 4 * 1024 * 1024
"""The default body limit: 4 MiB."""

Principal = TypeVar("Principal")
H = TypeVar("H")


@dataclass(frozen=True)
class Request:
    """An HTTP request as the core reads it. Header names are in lower case; a
    header sent several times has its values joined with `, `."""

    method: str
    path: str
    """The path as sent, still percent-encoded, without the query."""
    query: str = ""
    """The query string, without `?`."""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Response:
    """An HTTP response as the core writes it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Credentials:
    """A credential taken from a request: the security scheme's name and its
    secret (the bearer token or API key), and the scopes the operation requires
    of this scheme: `authenticate` must refuse a token that does not grant them."""

    scheme: str
    secret: str
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestContext:
    """What a handler method gets besides its typed request."""

    request: Request
    """The original request, for anything the spec does not describe."""


@dataclass(frozen=True)
class AuthenticatedContext(RequestContext, Generic[Principal]):
    """The context of an operation that requires credentials."""

    principal: Principal
    """Who made the request, as `authenticate` decided."""


class HttpRejection(Exception):
    """A request refused before (or instead of) reaching the implementation; also
    raised by an implementation to answer with an error status. The body is
    `{code, message, violations?, violations_omitted?}`, the shape of the spec's
    error response: `violations_omitted` (sent when above 0) counts the violations
    found beyond the listed ones, which the core caps at `MAX_VIOLATIONS`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        violations: Sequence[Violation] = (),
        headers: Mapping[str, str] | None = None,
        violations_omitted: int = 0,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.violations = list(violations)
        self.headers = dict(headers or {})
        self.violations_omitted = violations_omitted

    def to_json(self) -> dict[str, Any]:
        """The JSON body sent for this rejection."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.violations:
            body["violations"] = [v.to_json() for v in self.violations]
        if self.violations_omitted > 0:
            body["violations_omitted"] = self.violations_omitted
        return body

    def response(self) -> Response:
        """The JSON response for this rejection."""
        headers = [(name.lower(), value) for name, value in self.headers.items()]
        headers.append(("content-type", "application/json"))
        return Response(self.status, headers, _json_bytes(self.to_json()))


@dataclass(frozen=True)
class Options:
    """Settings of the server core and its adapters."""

    body_limit: int = DEFAULT_BODY_LIMIT
    """The largest accepted request body in bytes; larger ones get 413."""
    base_path: str = ""
    """A prefix to strip from request paths (`/powersync`), if any."""
    on_error: Callable[[BaseException, Request], None] | None = None
    """Called with an error raised by the implementation (answered with 500)."""


@dataclass(frozen=True)
class DecodedRequest:
    """The request as the core decoded and validated it, before the generated code
    types it: the JSON body, and for `x-per-item-validation` arrays, their items
    each checked on their own (the body then holds them as received)."""

    body: Any = None
    items: dict[str, list[Checked[Any]]] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    """The parameters present, by the request's attribute name, as their types."""


Invoke = Callable[[H, DecodedRequest, AuthenticatedContext[Any]], Awaitable[Any]]
"""Calls the handler's method for one operation (generated per operation)."""

AuthenticateWith = Callable[[H, Credentials, Request], Awaitable[Any]]
"""The handler's `authenticate` (generated)."""


@dataclass(frozen=True)
class Route(Generic[H]):
    """An operation the core serves."""

    spec: OperationSpec
    invoke: Invoke[H]
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        parts = re.split(r"(\{[^}]+\})", self.spec.path)
        source = "".join(
            "([^/]+)" if p.startswith("{") and p.endswith("}") else re.escape(p)
            for p in parts
        )
        object.__setattr__(self, "pattern", re.compile(source))


class Core(Generic[H]):
    """Serves a handler: unknown paths answer 404, a known path with another method
    405 (with `Allow`), HEAD on a GET operation its GET reply without the body; an operation that requires credentials answers 401 without
    calling the implementation when they are missing or `authenticate` refuses
    them; then 415, 413 and 400 (with the paths of the first `MAX_VIOLATIONS`
    violations and the count of the others) before the implementation sees the
    request."""

    def __init__(
        self,
        handler: H,
        routes: Sequence[Route[H]],
        security_schemes: Mapping[str, SecuritySchemeSpec],
        authenticate_with: AuthenticateWith[H],
        options: Options | None = None,
    ) -> None:
        self.handler = handler
        self.routes = list(routes)
        self.security_schemes = security_schemes
        self.authenticate_with = authenticate_with
        self.options = options or Options()

    def serves_path(self, path: str) -> bool:
        """Whether `path` (below `options.base_path`) is the path of an operation."""
        relative = _strip_base(path, self.options.base_path)
        return any(r.pattern.fullmatch(relative) for r in self.routes)

    async def handle(self, request: Request) -> Response:
        """Answers one request; never raises."""
        try:
            return await self._handle(request)
        except HttpRejection as rejection:
            return rejection.response()
        except RecursionError:
            return HttpRejection(
                400, "INVALID_REQUEST", "the body is nested too deeply to be read"
            ).response()
        except Exception as error:  # the implementation failed: 500, reported
            if self.options.on_error is not None:
                self.options.on_error(error, request)
            return HttpRejection(500, "INTERNAL_ERROR", "internal error").response()

    async def _handle(self, request: Request) -> Response:
        path = _strip_base(request.path, self.options.base_path)
        matches = [r for r in self.routes if r.pattern.fullmatch(path)]
        if not matches:
            raise HttpRejection(404, "NOT_FOUND", f"no operation at {path}")
        # HEAD is answered as GET without the body, as HTTP asks of every server.
        head = request.method == "HEAD"
        method = "GET" if head else request.method
        found = next((r for r in matches if r.spec.method == method), None)
        if found is None:
            allow = ", ".join(
                m
                for r in matches
                for m in (
                    ("GET", "HEAD") if r.spec.method == "GET" else (r.spec.method,)
                )
            )
            raise HttpRejection(
                405,
                "METHOD_NOT_ALLOWED",
                f"{request.method} is not allowed on {path}; use {allow}",
                headers={"allow": allow},
            )
        principal = await self._authenticate(found.spec, request)
        problems = Violations()
        params = _parameters(found, path, request, problems)
        decoded = self._decode(found.spec, request, problems)
        if not problems.valid:
            raise _invalid(problems)
        decoded.params.update(params)
        context: AuthenticatedContext[Any] = AuthenticatedContext(request, principal)
        response = await found.invoke(self.handler, decoded, context)
        encoded = _encode(found.spec, response)
        return Response(encoded.status, encoded.headers, b"") if head else encoded

    def _credential(self, use: SecurityUse, request: Request) -> Credentials | None:
        scheme = self.security_schemes.get(use.scheme)
        if scheme is None:
            return None
        secret: str | None
        if scheme.type == "bearer":
            match = _BEARER.match(request.headers.get("authorization", ""))
            secret = match.group(1) if match else None
        elif scheme.location == "header":
            secret = request.headers.get(scheme.name.lower())
        else:
            values = parse_qs(request.query, keep_blank_values=True).get(
                scheme.name, []
            )
            secret = values[0] if values else None
        if not secret:
            return None
        return Credentials(use.scheme, secret, use.scopes)

    async def _authenticate(self, spec: OperationSpec, request: Request) -> Any:
        """The principal of the first security alternative whose credentials are
        all present and accepted, tried in the spec's order; else 401."""
        if not spec.security:
            return None
        refused = False
        for alternative in spec.security:
            # An empty alternative (`{}` in the spec) makes credentials optional.
            if not alternative:
                return None
            found = [self._credential(use, request) for use in alternative]
            if any(c is None for c in found):
                continue
            principal: Any = None
            accepted_all = True
            for credentials in found:
                assert credentials is not None
                accepted = await self.authenticate_with(
                    self.handler, credentials, request
                )
                if accepted is None:
                    refused = True
                    accepted_all = False
                    break
                if principal is None:
                    principal = accepted
            if accepted_all:
                return principal
        message = (
            "the credentials were refused"
            if refused
            else "missing or malformed credentials"
        )
        raise HttpRejection(401, "UNAUTHENTICATED", message)

    def _decode(
        self, spec: OperationSpec, request: Request, problems: Violations
    ) -> DecodedRequest:
        body_spec = spec.body
        if body_spec is None:
            return DecodedRequest()
        limit = self.options.body_limit
        declared = request.headers.get("content-length", "").strip()
        if (declared.isdigit() and int(declared) > limit) or len(request.body) > limit:
            raise HttpRejection(
                413, "PAYLOAD_TOO_LARGE", f"the body exceeds {limit} bytes"
            )
        content_type = request.headers.get("content-type")
        if body_spec.encoding != "json":
            return _decode_other(body_spec, content_type, request.body, problems)
        if content_type is None:
            if not request.body and not body_spec.required:
                return DecodedRequest()
            raise HttpRejection(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "expected a JSON content type, found none",
            )
        if not _is_json(content_type):
            raise HttpRejection(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                f"expected a JSON content type, found `{content_type}`",
            )
        if not request.body and not body_spec.required:
            return DecodedRequest()
        try:
            value = json.loads(request.body, parse_constant=_refuse_constant)
        except ValueError as error:
            raise HttpRejection(
                400, "INVALID_REQUEST", f"the body is not valid JSON: {error}"
            ) from None
        arrays = per_item_arrays(body_spec.schema)
        if not arrays or not validate_envelope(body_spec.schema, value).valid:
            validate_value(body_spec.schema, value, "$", problems)
            return DecodedRequest(body=value)
        items: dict[str, list[Checked[Any]]] = {}
        for name, item_schema in arrays:
            if name in value:
                items[name] = check_items(
                    item_schema, value[name], property_path("$", name)
                )
        return DecodedRequest(body=value, items=items)


def _decode_other(
    spec: BodySpec, content_type: str | None, body: bytes, problems: Violations
) -> DecodedRequest:
    """A body that is not JSON: 415 unless its media type is the operation's
    (parameters such as `charset` aside), then read by its encoding; a form's or
    multipart body's fields are validated as the JSON object they stand for, text
    against its schema."""
    if content_type is None:
        if not body and not spec.required:
            return DecodedRequest()
        raise _wrong_media_type(spec.content_type, None)
    if _essence(content_type) != _essence(spec.content_type):
        raise _wrong_media_type(spec.content_type, content_type)
    if spec.encoding == "binary":
        return DecodedRequest(body=body)
    if spec.encoding == "text":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise HttpRejection(
                400, "INVALID_REQUEST", f"the body is not UTF-8 text: {error}"
            ) from None
        validate_value(spec.schema, text, "$", problems)
        return DecodedRequest(body=text)
    fields: list[tuple[str, str | Part]]
    if spec.encoding == "form":
        text = body.decode("utf-8", "replace")
        fields = list(parse_qsl(text, keep_blank_values=True))
    else:
        try:
            fields = [(part.name, part) for part in multipart.parse(content_type, body)]
        except MultipartError as error:
            raise HttpRejection(
                400, "INVALID_REQUEST", f"the multipart body is malformed: {error}"
            ) from None
    return DecodedRequest(body=_form_value(spec, fields, problems))


def _form_value(
    spec: BodySpec, fields: list[tuple[str, str | Part]], problems: Violations
) -> dict[str, Any]:
    """The value a form or multipart body stands for: each property of the schema
    once (an array with every value of its name), its text read as the property's
    scalar type, validated into `problems` like a JSON body (a file as an empty
    string). Then a file property gets its `File` (an array of files, every part
    of its name). Names the schema does not declare are ignored."""
    schema = resolve(spec.schema)
    value: dict[str, Any] = {}
    if schema.get("type") != "object":
        return value
    files: dict[str, list[File]] = {}
    for name, prop in schema["properties"].items():
        values = [v for key, v in fields if key == name]
        if not values:
            continue
        kind = resolve(prop["schema"])
        is_array = kind.get("type") == "array"
        if name in spec.files:
            # A file part sent without a file name is a file all the same.
            files[name] = [
                v.file() if isinstance(v, Part) else File(v.encode("utf-8"))
                for v in values
            ]
            value[name] = [""] * len(values) if is_array else ""
        elif is_array:
            items = resolve(kind["items"])
            value[name] = [_field_value(items, _field_text(v)) for v in values]
        else:
            value[name] = _field_value(kind, _field_text(values[0]))
    validate_value(spec.schema, value, "$", problems)
    for name, found in files.items():
        value[name] = found if isinstance(value[name], list) else found[0]
    return value


def _field_text(value: str | Part) -> str:
    """A field's text: a part sent with a file name to a property that is not a
    file is read as text."""
    return value.text() if isinstance(value, Part) else value


_FIELD_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")


def _field_value(schema: Schema, text: str) -> Any:
    """The JSON value a field's text stands for: a number or boolean when it reads
    as one (spaces around it aside), else the text, which the validator then
    refuses where it expects a number or boolean."""
    trimmed = text.strip()
    kind = schema.get("type")
    if kind in ("integer", "number") and _FIELD_NUMBER.fullmatch(trimmed):
        if re.fullmatch(r"-?(0|[1-9]\d*)", trimmed):
            return int(trimmed)
        number = float(trimmed)
        return number if math.isfinite(number) else text
    if kind == "boolean" and trimmed in ("true", "false"):
        return trimmed == "true"
    return text


def _essence(content_type: str) -> str:
    """A media type without its parameters, in lower case."""
    return content_type.split(";")[0].strip().lower()


def _wrong_media_type(expected: str, found: str | None) -> HttpRejection:
    return HttpRejection(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        f"expected the content type `{expected}`, found "
        + ("none" if found is None else f"`{found}`"),
    )


def text_content_type(content_type: str) -> str:
    """A text media type as sent: with `charset=utf-8` unless it has parameters."""
    return content_type if ";" in content_type else f"{content_type}; charset=utf-8"


def _parameters(
    route: Route[Any], path: str, request: Request, problems: Violations
) -> dict[str, Any]:
    """The parameters of a request, read as their schemas' types and validated
    into `problems` (paths `path.<name>`, `query.<name>`, `header.<name>`)."""
    spec = route.spec
    names = re.findall(r"\{([^}]+)\}", spec.path)
    match = route.pattern.fullmatch(path)
    query = parse_qs(request.query, keep_blank_values=True) if request.query else {}
    found: dict[str, Any] = {}
    for parameter in spec.parameters:
        at = f"{parameter.location}.{parameter.name}"
        texts: list[str]
        if parameter.location == "path":
            raw = match.group(names.index(parameter.name) + 1) if match else ""
            try:
                texts = [unquote_to_bytes(raw).decode("utf-8")]
            except UnicodeDecodeError:
                message = f"the path parameter `{parameter.name}` is not valid percent-encoded UTF-8"
                problems.add(_violation(at, "type", message))
                continue
        elif parameter.location == "query":
            texts = query.get(parameter.name, [])
        else:
            header = request.headers.get(parameter.name.lower())
            texts = [] if header is None else [header]
        if not texts:
            if parameter.required:
                problems.add(_missing(at, parameter))
            continue
        value = _from_text(parameter, texts)
        validate_value(parameter.schema, value, at, problems)
        found[parameter.key] = value
    return found


def _missing(at: str, parameter: ParameterSpec) -> Callable[[], Violation]:
    return lambda: Violation(
        at,
        "required",
        f"the {parameter.location} parameter `{parameter.name}` is required",
    )


def _violation(path: str, keyword: str, message: str) -> Callable[[], Violation]:
    return lambda: Violation(path, keyword, message)


def _from_text(parameter: ParameterSpec, texts: list[str]) -> Any:
    """A parameter's text as the value its schema describes."""
    schema = parameter.schema
    if schema.get("type") == "array":
        items = schema["items"]
        separator = parameter.separator
        if separator is None:
            return [_scalar(items, text) for text in texts]
        header = parameter.location == "header"
        parts = [
            part.strip() if header else part
            for text in texts
            if (text.strip() if header else text) != ""
            for part in text.split(separator)
        ]
        return [_scalar(items, part) for part in parts]
    return _scalar(schema, texts[0])


_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def _scalar(schema: Any, text: str) -> Any:
    """A scalar's text as its schema's type; text that does not read as one stays
    text, which the validator then refuses."""
    kind = resolve(schema).get("type")
    if kind in ("integer", "number") and _NUMBER.fullmatch(text):
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        number = float(text)
        return int(number) if number.is_integer() and kind == "integer" else number
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


_BEARER = re.compile(r"^Bearer +(\S+) *$", re.IGNORECASE)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"`{name}` is not JSON")


def _invalid(found: Violations) -> HttpRejection:
    return HttpRejection(
        400,
        "INVALID_REQUEST",
        "the request does not match the schema",
        found.listed,
        violations_omitted=found.omitted,
    )


def _strip_base(path: str, base_path: str) -> str:
    base = base_path.rstrip("/")
    if not base or not path.startswith(base):
        return path
    return path[len(base) :] or "/"


def _is_json(content_type: str) -> bool:
    essence = content_type.split(";")[0].strip().lower()
    return essence == "application/json" or (
        essence.startswith("application/") and essence.endswith("+json")
    )


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def to_json_value(value: Any) -> Any:
    """A typed value (models, lists, dicts, scalars) as plain JSON data, with the
    spec's property names."""
    return to_jsonable_python(value, by_alias=True)


def _encode(spec: OperationSpec, response: Any) -> Response:
    status = getattr(response, "status", None)
    if not isinstance(status, int) or isinstance(status, bool):
        raise TypeError(
            f"{spec.id}: the implementation returned {response!r}, not a response"
        )
    declared = spec.responses.get(status) or spec.responses.get("default")
    headers: list[tuple[str, str]] = []
    for header in declared.headers if declared is not None else ():
        value = getattr(response, header.key, None)
        if value is None:
            continue
        if isinstance(value, list):
            text = ",".join(_header_text(v) for v in value)
        else:
            text = _header_text(value)
        headers.append((header.name.lower(), text))
    body = getattr(response, "body", None)
    if declared is None or declared.body is None or body is None:
        return Response(status, headers, b"")
    if declared.encoding == "binary":
        headers.append(
            ("content-type", declared.content_type or "application/octet-stream")
        )
        return Response(status, headers, bytes(body))
    if declared.encoding == "text":
        content_type = text_content_type(declared.content_type or "text/plain")
        headers.append(("content-type", content_type))
        return Response(status, headers, str(body).encode("utf-8"))
    headers.append(("content-type", declared.content_type or "application/json"))
    return Response(status, headers, _json_bytes(to_json_value(body)))


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


T = TypeVar("T")


def typed_items(
    decode: Callable[[Any], T], items: list[Checked[Any]] | None
) -> list[Checked[T]] | None:
    """The checked items of an `x-per-item-validation` array with each valid one's
    value decoded into its type (generated code calls it with the item's model)."""
    if items is None:
        return None
    return [
        Valid(decode(item.value)) if isinstance(item, Valid) else item for item in items
    ]
