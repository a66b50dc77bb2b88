"""The generated httpx clients against scripted replies (httpx.MockTransport):
what they send, typed replies of every status, Retry-After, and the unexpected
and invalid replies they refuse."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from powersync_write_api import models
from powersync_write_api import operations as ops
from powersync_write_api.client import (
    AsyncPowerSyncWriteApiClient,
    InvalidResponse,
    PowerSyncWriteApiClient,
    UnexpectedResponse,
)

REQUEST = ops.UploadDataRequest(
    body=models.WriteBatch(
        transactions=[
            models.CrudTransaction(
                transaction_id=7,
                crud=[
                    models.CrudEntry(op="PUT", table="todos", id="t1", op_data={"a": 1})
                ],
            )
        ]
    )
)
ERROR = {"code": "X", "message": "nope"}


def scripted(
    status: int,
    body: Any = None,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    seen: list[httpx.Request] | None = None,
) -> Callable[[httpx.Request], httpx.Response]:
    def reply(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return reply


def client(reply: Callable[[httpx.Request], httpx.Response]) -> PowerSyncWriteApiClient:
    http = httpx.Client(transport=httpx.MockTransport(reply))
    return PowerSyncWriteApiClient(
        "http://server/base/", credentials={"bearerAuth": "tok"}, http=http
    )


def test_the_request_is_sent_as_the_spec_says() -> None:
    seen: list[httpx.Request] = []
    ok = {"results": [{"status": "success", "write_checkpoint": "1"}]}
    with client(scripted(200, ok, seen=seen)) as c:
        c.upload_data(REQUEST, headers={"x-extra": "1"})
    [sent] = seen
    assert sent.method == "POST"
    assert str(sent.url) == "http://server/base/api/data"
    assert sent.headers["authorization"] == "Bearer tok"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["x-extra"] == "1"
    # Unset optional properties are not sent.
    assert json.loads(sent.content) == {
        "transactions": [
            {
                "transaction_id": 7,
                "crud": [
                    {"op": "PUT", "table": "todos", "id": "t1", "op_data": {"a": 1}}
                ],
            }
        ]
    }


def test_a_credential_function_is_called_per_request() -> None:
    seen: list[httpx.Request] = []
    tokens = iter(["one", "two"])
    ok: dict[str, list[Any]] = {"results": []}
    http = httpx.Client(transport=httpx.MockTransport(scripted(200, ok, seen=seen)))
    c = PowerSyncWriteApiClient(
        "http://server", credentials={"bearerAuth": lambda: next(tokens)}, http=http
    )
    c.upload_data(REQUEST)
    c.upload_data(REQUEST)
    assert [r.headers["authorization"] for r in seen] == ["Bearer one", "Bearer two"]


def test_an_operation_without_security_sends_no_credentials() -> None:
    seen: list[httpx.Request] = []
    with client(scripted(200, {"status": "ok"}, seen=seen)) as c:
        reply = c.health()
    assert isinstance(reply, ops.Health200) and reply.body.status == "ok"
    assert "authorization" not in seen[0].headers
    assert seen[0].method == "GET" and seen[0].content == b""


def test_a_200_is_typed() -> None:
    ok = {
        "results": [
            {"status": "success", "write_checkpoint": "1", "unknown": True},
            {"status": "retryable_error", "retry_after_ms": 5},
        ]
    }
    with client(scripted(200, ok)) as c:
        reply = c.upload_data(REQUEST)
    assert isinstance(reply, ops.UploadData200)
    assert reply.status == 200
    first, second = reply.body.results
    assert (
        isinstance(first, models.TransactionSuccess) and first.write_checkpoint == "1"
    )
    assert (
        isinstance(second, models.TransactionRetryableError)
        and second.retry_after_ms == 5
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ops.UploadData400),
        (401, ops.UploadData401),
        (403, ops.UploadData403),
        (413, ops.UploadData413),
        (415, ops.UploadData415),
        (429, ops.UploadData429),
        (500, ops.UploadData500),
        (503, ops.UploadData503),
    ],
)
def test_every_error_status_is_typed(status: int, cls: type) -> None:
    with client(scripted(status, ERROR)) as c:
        reply = c.upload_data(REQUEST)
    assert type(reply) is cls
    assert reply.status == status
    assert isinstance(reply.body, models.ErrorResponse) and reply.body.message == "nope"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7), (" 12 ", 12), ("soon", None), ("1.5", None), (None, None)],
)
def test_retry_after_is_read_where_declared(
    header: str | None, expected: int | None
) -> None:
    headers = {"retry-after": header} if header is not None else {}
    for status in (429, 503):
        with client(scripted(status, ERROR, headers)) as c:
            reply = c.upload_data(REQUEST)
        assert isinstance(reply, ops.UploadData429 | ops.UploadData503)
        assert reply.retry_after == expected


def test_an_unlisted_status_is_unexpected() -> None:
    with (
        client(scripted(418, content=b"teapot")) as c,
        pytest.raises(UnexpectedResponse) as raised,
    ):
        c.upload_data(REQUEST)
    assert raised.value.status == 418 and raised.value.body == b"teapot"
    with client(scripted(404, ERROR)) as c, pytest.raises(UnexpectedResponse):
        c.health()


def test_a_body_that_is_not_json_is_invalid() -> None:
    headers = {"retry-after": "3"}
    with (
        client(scripted(503, content=b"<html>", headers=headers)) as c,
        pytest.raises(InvalidResponse) as raised,
    ):
        c.upload_data(REQUEST)
    assert raised.value.status == 503
    assert raised.value.headers["retry-after"] == "3"
    assert raised.value.retry_after == 3
    assert raised.value.violations == []


def test_a_body_that_does_not_match_is_invalid_with_its_violations() -> None:
    with client(scripted(200, {"results": [{"status": "maybe"}]})) as c:
        with pytest.raises(InvalidResponse) as raised:
            c.upload_data(REQUEST)
    assert raised.value.status == 200
    assert [(v.path, v.keyword) for v in raised.value.violations] == [
        ("$.results[0].status", "discriminator")
    ]
    with client(scripted(401, {})) as c, pytest.raises(InvalidResponse) as raised:
        c.upload_data(REQUEST)
    assert [(v.path, v.keyword) for v in raised.value.violations] == [
        ("$.message", "required")
    ]


def test_the_async_client_reads_replies_the_same_way() -> None:
    seen: list[httpx.Request] = []

    async def token() -> str:
        return "async-tok"

    async def run() -> tuple[Any, Any]:
        ok = {"results": [{"status": "not_attempted"}]}
        http = httpx.AsyncClient(
            transport=httpx.MockTransport(scripted(200, ok, seen=seen))
        )
        async with AsyncPowerSyncWriteApiClient(
            "http://server", credentials={"bearerAuth": token}, http=http
        ) as c:
            first = await c.upload_data(REQUEST)
        http = httpx.AsyncClient(
            transport=httpx.MockTransport(scripted(429, ERROR, {"retry-after": "9"}))
        )
        async with AsyncPowerSyncWriteApiClient("http://server", http=http) as c:
            second = await c.upload_data(REQUEST)
        return first, second

    first, second = asyncio.run(run())
    assert isinstance(first, ops.UploadData200)
    assert isinstance(first.body.results[0], models.TransactionNotAttempted)
    assert seen[0].headers["authorization"] == "Bearer async-tok"
    assert isinstance(second, ops.UploadData429) and second.retry_after == 9
