# Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
"""The shape of the generated operation table (`operations.OPERATIONS`) that the
server core and the client transport run on: the same for every spec."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .validator import Schema


@dataclass(frozen=True)
class SecurityUse:
    """A security scheme an operation accepts, with the scopes it requires."""

    scheme: str
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SecuritySchemeSpec:
    """How a credential is sent: a bearer token (`Authorization: Bearer ...`) or an
    API key in a header or the query."""

    type: Literal["bearer", "apiKey"]
    location: Literal["header", "query"] = "header"
    name: str = "Authorization"


@dataclass(frozen=True)
class HeaderSpec:
    """A response header: its wire name, the response's attribute, its schema."""

    name: str
    key: str
    required: bool
    schema: Schema


@dataclass(frozen=True)
class ParameterSpec:
    """A parameter: its wire name and location, the request's attribute, and how
    an array's items are written: joined by `separator` in one value (`,` in the
    path and headers, and in the query with `explode: false`; `" "` and `|` with
    `spaceDelimited` and `pipeDelimited`), or, with none, the query key repeated
    per item."""

    name: str
    location: Literal["path", "query", "header"]
    key: str
    required: bool
    schema: Schema
    separator: str | None = None


BodyEncoding = Literal["json", "form", "multipart", "binary", "text"]
"""How a body travels: JSON; a form (`application/x-www-form-urlencoded`, requests
only); `multipart/form-data` (requests only); raw bytes (`application/octet-stream`,
`image/png`, ...); UTF-8 text (`text/*`)."""


@dataclass(frozen=True)
class BodySpec:
    """An operation's request body: its schema, whether it is required, its media
    type and encoding, and for multipart the properties that are files."""

    schema: Schema
    required: bool
    content_type: str
    encoding: BodyEncoding = "json"
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseSpec:
    """One status (or `default`) of an operation.

    A body is JSON, text (`str`) or raw bytes (`bytes`), as `encoding` says.
    `make` builds the typed response from `status`, `body` (when the response has
    one, already decoded by `decode`) and the headers by key."""

    make: Callable[..., Any]
    headers: tuple[HeaderSpec, ...] = ()
    body: Schema | None = None
    content_type: str | None = None
    decode: Callable[[Any], Any] | None = None
    encoding: BodyEncoding = "json"


@dataclass(frozen=True)
class OperationSpec:
    """An operation as the server core and the client run it."""

    id: str
    method: str
    path: str
    security: tuple[tuple[SecurityUse, ...], ...]
    """Alternatives: satisfying every scheme of any one entry is enough; none: open."""
    responses: Mapping[int | Literal["default"], ResponseSpec]
    body: BodySpec | None = None
    parameters: tuple[ParameterSpec, ...] = ()
