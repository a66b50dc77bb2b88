"""The server core, the wire model and the client's reply reading on a small
operation table of their own: API keys in a header and the query, an optional
body, a `default` response."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import pytest

from support.serve import (
    AuthenticatedContext,
    Core,
    Credentials,
    DecodedRequest,
    Request,
    Route,
)
from support.specs import (
    BodySpec,
    OperationSpec,
    ResponseSpec,
    SecuritySchemeSpec,
    SecurityUse,
)
from support.transport import InvalidResponse, UnexpectedResponse, read_reply
from support.wire import WireModel


@dataclass(frozen=True)
class Echo200:
    body: Any
    status: int = 200


@dataclass(frozen=True)
class EchoDefault:
    status: int
    body: Any


SCHEMES = {
    "header": SecuritySchemeSpec("apiKey", "header", "X-Key"),
    "query": SecuritySchemeSpec("apiKey", "query", "key"),
}
ECHO = OperationSpec(
    id="echo",
    method="PUT",
    path="/echo/{id}",
    security=((SecurityUse("header"),), (SecurityUse("query", ("read",)),)),
    responses={
        200: ResponseSpec(
            make=Echo200, body={"type": "any"}, content_type="application/json"
        ),
        "default": ResponseSpec(
            make=EchoDefault, body={"type": "string"}, content_type="application/json"
        ),
    },
    body=BodySpec({"type": "any"}, False, "application/json"),
)


class Handler:
    def __init__(self) -> None:
        self.credentials: list[Credentials] = []

    async def authenticate(
        self, credentials: Credentials, request: Request
    ) -> str | None:
        self.credentials.append(credentials)
        return credentials.secret if credentials.secret.startswith("ok") else None


async def invoke(
    handler: Handler, decoded: DecodedRequest, context: AuthenticatedContext[Any]
) -> Any:
    if decoded.body == "fail":
        return EchoDefault(status=599, body="failed")
    return Echo200(body={"got": decoded.body, "principal": context.principal})


async def authenticate(
    handler: Handler, credentials: Credentials, request: Request
) -> Any:
    return await handler.authenticate(credentials, request)


def answer(handler: Handler, request: Request) -> tuple[int, Any]:
    core: Core[Handler] = Core(handler, [Route(ECHO, invoke)], SCHEMES, authenticate)
    response = asyncio.run(core.handle(request))
    return response.status, json.loads(response.body) if response.body else None


def test_api_keys_are_read_from_a_header_or_the_query_in_the_specs_order() -> None:
    handler = Handler()
    status, body = answer(
        handler, Request("PUT", "/echo/1", "key=ok-q", {"x-key": "bad"})
    )
    assert status == 200 and body == {"got": None, "principal": "ok-q"}
    assert [(c.scheme, c.secret, c.scopes) for c in handler.credentials] == [
        ("header", "bad", ()),
        ("query", "ok-q", ("read",)),
    ]
    assert answer(Handler(), Request("PUT", "/echo/1"))[0] == 401


def test_an_optional_body_may_be_absent_and_a_default_response_keeps_its_status() -> (
    None
):
    headers = {"x-key": "ok", "content-type": "application/json"}
    assert answer(Handler(), Request("PUT", "/echo/x", "", headers, b'"fail"')) == (
        599,
        "failed",
    )
    assert answer(Handler(), Request("PUT", "/echo/x", "", headers, b"[1]"))[1][
        "got"
    ] == [1]


def test_a_path_template_matches_one_segment() -> None:
    assert answer(Handler(), Request("PUT", "/echo/a/b", "", {"x-key": "ok"}))[0] == 404


class Thing(WireModel):
    wire_optional: ClassVar[frozenset[str]] = frozenset({"maybe", "nullable"})
    wire_nullable: ClassVar[frozenset[str]] = frozenset({"nullable"})
    name: str
    maybe: int | None = None
    nullable: str | None = None


def test_the_wire_model_leaves_out_what_was_not_set_and_null_where_not_nullable() -> (
    None
):
    assert Thing(name="a").to_json_value() == {"name": "a"}
    assert Thing(name="a", maybe=None, nullable=None).to_json_value() == {
        "name": "a",
        "nullable": None,
    }
    assert json.loads(Thing(name="a", maybe=2).to_json()) == {"name": "a", "maybe": 2}
    assert Thing.model_validate({"name": "a", "other": 1}).to_json_value() == {
        "name": "a"
    }


def test_replies_are_read_liberally() -> None:
    headers = httpx.Headers({"content-type": "application/json"})
    assert read_reply(ECHO, 200, headers, b'{"a": 1}') == Echo200(body={"a": 1})
    assert read_reply(ECHO, 503, headers, b'"x"') == EchoDefault(status=503, body="x")
    with pytest.raises(InvalidResponse):
        read_reply(ECHO, 503, headers, b"1")
    spec = OperationSpec(id="x", method="GET", path="/", security=(), responses={})
    with pytest.raises(UnexpectedResponse):
        read_reply(spec, 200, headers, b"")
