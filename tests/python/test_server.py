"""The generated server core and its adapters: every refusal with its status and
body, the per-transaction validation of `WriteBatch` vectors, the ASGI app and the
FastAPI router."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from conftest import vectors
from powersync_write_api import (
    AuthenticatedContext,
    Credentials,
    HttpRejection,
    Options,
    PowerSyncWriteApiHandler,
    Request,
    RequestContext,
    Response,
    create_asgi_app,
    create_core,
    models,
)
from powersync_write_api import operations as ops
from powersync_write_api.fastapi import router
from powersync_write_api.validator import Invalid, Valid

TOKEN = "good-token"
AUTH = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}


class Handler(PowerSyncWriteApiHandler[str]):
    """Records what it was given; answers one success per valid transaction and a
    fatal error naming the violations of an invalid one."""

    def __init__(self) -> None:
        self.received: list[ops.UploadDataReceivedRequest] = []
        self.principals: list[str] = []
        self.fail_with: Exception | None = None
        self.ready_status = 200

    async def authenticate(
        self, credentials: Credentials, request: Request
    ) -> str | None:
        return "user-1" if credentials.secret == TOKEN else None

    async def upload_data(
        self, request: ops.UploadDataReceivedRequest, context: AuthenticatedContext[str]
    ) -> ops.UploadDataResponse:
        if self.fail_with is not None:
            raise self.fail_with
        self.received.append(request)
        self.principals.append(context.principal)
        results: list[models.TransactionResult] = []
        for item in request.body.transactions:
            if isinstance(item, Valid):
                results.append(
                    models.TransactionSuccess(
                        write_checkpoint=str(len(item.value.crud))
                    )
                )
            else:
                results.append(
                    models.TransactionFatalError(
                        requires_client_handling=False,
                        failed_operation=models.FailedOperation(
                            error_code="INVALID_REQUEST",
                            details=[[v.path, v.keyword] for v in item.violations],
                        ),
                    )
                )
        return ops.UploadData200(body=models.WriteBatchResponse(results=results))

    async def health(self, context: RequestContext) -> ops.HealthResponse:
        return ops.Health200(body=models.HealthStatus(status="ok"))

    async def ready(self, context: RequestContext) -> ops.ReadyResponse:
        if self.ready_status == 503:
            return ops.Ready503(
                body=models.ErrorResponse(code="NOT_READY", message="starting"),
                retry_after=5,
            )
        return ops.Ready200(body=models.HealthStatus(status="ok"))


def serve(
    handler: Handler,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    options: Options | None = None,
) -> Response:
    core = create_core(handler, options)
    return asyncio.run(core.handle(Request(method, path, "", headers or {}, body)))


def body_of(response: Response) -> Any:
    return json.loads(response.body)


def test_health_answers_without_credentials() -> None:
    response = serve(Handler(), "GET", "/health")
    assert response.status == 200
    assert ("content-type", "application/json") in response.headers
    assert body_of(response) == {"status": "ok"}


def test_a_declared_header_is_written() -> None:
    handler = Handler()
    handler.ready_status = 503
    response = serve(handler, "GET", "/ready")
    assert response.status == 503
    assert ("retry-after", "5") in response.headers
    assert body_of(response) == {"code": "NOT_READY", "message": "starting"}


def test_an_unknown_path_is_404() -> None:
    response = serve(Handler(), "GET", "/nope")
    assert response.status == 404
    assert body_of(response) == {
        "code": "NOT_FOUND",
        "message": "no operation at /nope",
    }


def test_a_wrong_method_is_405_with_allow() -> None:
    response = serve(Handler(), "DELETE", "/api/data")
    assert response.status == 405
    assert ("allow", "POST") in response.headers
    assert body_of(response)["code"] == "METHOD_NOT_ALLOWED"


def test_head_on_a_get_operation_is_its_get_reply_without_the_body() -> None:
    get = serve(Handler(), "GET", "/health")
    assert get.status == 200 and body_of(get) == {"status": "ok"}
    head = serve(Handler(), "HEAD", "/health")
    assert head.status == 200
    assert head.body == b""
    assert head.headers == get.headers
    wrong = serve(Handler(), "POST", "/health")
    assert ("allow", "GET, HEAD") in wrong.headers


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "missing or malformed credentials"),
        ({"authorization": "Basic abc"}, "missing or malformed credentials"),
        ({"authorization": "Bearer"}, "missing or malformed credentials"),
        ({"authorization": "Bearer wrong"}, "the credentials were refused"),
    ],
)
def test_missing_malformed_and_refused_credentials_are_401(
    headers: dict[str, str], message: str
) -> None:
    handler = Handler()
    headers = {**headers, "content-type": "application/json"}
    response = serve(handler, "POST", "/api/data", b"{}", headers)
    assert response.status == 401
    assert body_of(response) == {"code": "UNAUTHENTICATED", "message": message}
    assert handler.received == []


def test_the_bearer_scheme_is_case_insensitive() -> None:
    batch = b'{"transactions": [{"crud": [{"op": "PUT", "table": "t", "id": "1"}]}]}'
    headers = {"authorization": f"bearer {TOKEN}", "content-type": "application/json"}
    assert serve(Handler(), "POST", "/api/data", batch, headers).status == 200


@pytest.mark.parametrize(
    ("content_type", "found"),
    [(None, "found none"), ("text/plain", "found `text/plain`")],
)
def test_a_body_that_is_not_json_is_415(content_type: str | None, found: str) -> None:
    headers = {"authorization": f"Bearer {TOKEN}"}
    if content_type is not None:
        headers["content-type"] = content_type
    response = serve(Handler(), "POST", "/api/data", b"{}", headers)
    assert response.status == 415
    body = body_of(response)
    assert body["code"] == "UNSUPPORTED_MEDIA_TYPE" and body["message"].endswith(found)


def test_a_json_suffix_media_type_is_json() -> None:
    headers = {**AUTH, "content-type": "application/vnd.x+json; charset=utf-8"}
    response = serve(Handler(), "POST", "/api/data", b"{}", headers)
    assert response.status == 400


def test_a_body_over_the_limit_is_413() -> None:
    options = Options(body_limit=10)
    response = serve(Handler(), "POST", "/api/data", b" " * 11, AUTH, options)
    assert response.status == 413
    assert body_of(response) == {
        "code": "PAYLOAD_TOO_LARGE",
        "message": "the body exceeds 10 bytes",
    }
    declared = {**AUTH, "content-length": "11"}
    assert serve(Handler(), "POST", "/api/data", b"", declared, options).status == 413


@pytest.mark.parametrize("body", [b"{", b"", b"NaN", b'{"a": Infinity}', b"\xff"])
def test_a_body_that_does_not_parse_is_400(body: bytes) -> None:
    response = serve(Handler(), "POST", "/api/data", body, AUTH)
    assert response.status == 400
    assert body_of(response)["message"].startswith("the body is not valid JSON")


def test_a_body_nested_too_deeply_is_400_not_a_crash() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    response = serve(Handler(), "POST", "/api/data", body, AUTH)
    assert response.status == 400
    assert body_of(response)["code"] == "INVALID_REQUEST"


def test_an_implementation_error_is_500_and_reported() -> None:
    handler = Handler()
    handler.fail_with = RuntimeError("boom")
    seen: list[BaseException] = []
    options = Options(on_error=lambda error, request: seen.append(error))
    batch = b'{"transactions": [{"crud": [{"op": "PUT", "table": "t", "id": "1"}]}]}'
    response = serve(handler, "POST", "/api/data", batch, AUTH, options)
    assert response.status == 500
    assert body_of(response) == {"code": "INTERNAL_ERROR", "message": "internal error"}
    assert [str(e) for e in seen] == ["boom"]


def test_an_implementation_rejection_is_answered_as_raised() -> None:
    handler = Handler()
    handler.fail_with = HttpRejection(
        403, "FORBIDDEN", "no uploads", headers={"x-why": "1"}
    )
    batch = b'{"transactions": [{"crud": [{"op": "PUT", "table": "t", "id": "1"}]}]}'
    response = serve(handler, "POST", "/api/data", batch, AUTH)
    assert response.status == 403
    assert ("x-why", "1") in response.headers
    assert body_of(response) == {"code": "FORBIDDEN", "message": "no uploads"}


def test_the_base_path_is_stripped() -> None:
    response = serve(
        Handler(), "GET", "/sync/health", options=Options(base_path="/sync/")
    )
    assert response.status == 200
    assert create_core(Handler(), Options(base_path="/sync")).serves_path(
        "/sync/api/data"
    )


TRANSACTION = re.compile(r"^\$\.transactions\[(\d+)\]($|[.\[])")
BATCHES = [(n, c) for n, c in vectors() if c["schema"] == "WriteBatch"]


def test_there_are_write_batch_vectors_to_serve() -> None:
    # The parametrized test below would be skipped, not failed, if none were found.
    assert len(BATCHES) >= 10, f"only {len(BATCHES)} WriteBatch vectors"


@pytest.mark.parametrize(("name", "case"), BATCHES, ids=[n for n, _ in BATCHES])
def test_write_batch_vectors_are_served_one_transaction_at_a_time(
    name: str, case: dict[str, Any]
) -> None:
    handler = Handler()
    body = json.dumps(case["value"]).encode()
    response = serve(handler, "POST", "/api/data", body, AUTH)
    errors = case["errors"]
    envelope = [e for e in errors if not TRANSACTION.match(e["path"])]
    if envelope:
        assert response.status == 400, name
        reply = body_of(response)
        assert reply["code"] == "INVALID_REQUEST"
        listed = Counter((v["path"], v["keyword"]) for v in reply["violations"])
        assert listed == Counter((e["path"], e["keyword"]) for e in errors), name
        assert reply.get("violations_omitted", 0) == case.get("omitted", 0)
        assert "violations_omitted" not in reply or reply["violations_omitted"] > 0
        assert handler.received == []
        return
    assert response.status == 200, name
    [request] = handler.received
    assert handler.principals == ["user-1"]
    items = request.body.transactions
    assert len(items) == len(case["value"]["transactions"])
    for index, item in enumerate(items):
        own = [
            (e["path"], e["keyword"])
            for e in errors
            if int(TRANSACTION.match(e["path"]).group(1)) == index  # type: ignore[union-attr]
        ]
        if own:
            assert isinstance(item, Invalid), (name, index)
            assert Counter((v.path, v.keyword) for v in item.violations) == Counter(own)
            assert item.value == case["value"]["transactions"][index]
            # A vector over the cap has one invalid transaction: its count is the vector's.
            assert item.violations_omitted == case.get("omitted", 0)
        else:
            assert isinstance(item, Valid), (name, index)
            assert isinstance(item.value, models.CrudTransaction)
    results = body_of(response)["results"]
    assert [r["status"] for r in results] == [
        "success" if isinstance(i, Valid) else "fatal_error" for i in items
    ]


def test_the_envelope_of_a_received_batch_is_typed() -> None:
    handler = Handler()
    batch = {
        "client_id": "c1",
        "transactions": [
            {"crud": [{"op": "PATCH", "table": "t", "id": "1", "op_data": {}}]}
        ],
    }
    serve(handler, "POST", "/api/data", json.dumps(batch).encode(), AUTH)
    [request] = handler.received
    assert request.body.client_id == "c1"
    [item] = request.body.transactions
    assert isinstance(item, Valid)
    assert item.value.crud[0].op == "PATCH" and item.value.crud[0].op_data == {}


async def through(app: Any, method: str, url: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, url, **kwargs)


def test_the_asgi_app_serves_the_core() -> None:
    app = create_asgi_app(Handler(), Options(body_limit=100))
    reply = asyncio.run(through(app, "GET", "/health"))
    assert reply.status_code == 200 and reply.json() == {"status": "ok"}
    big = asyncio.run(
        through(app, "POST", "/api/data", content=b" " * 101, headers=AUTH)
    )
    assert big.status_code == 413
    batch = {"transactions": [{"crud": [{"op": "PUT", "table": "t", "id": "1"}]}]}
    ok = asyncio.run(through(app, "POST", "/api/data", json=batch, headers=AUTH))
    assert ok.json() == {"results": [{"status": "success", "write_checkpoint": "1"}]}
    wrong = asyncio.run(through(app, "PUT", "/api/data"))
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"


def test_the_asgi_app_strips_the_mount_root_path() -> None:
    app = create_asgi_app(Handler())

    async def mounted(scope: Any, receive: Any, send: Any) -> None:
        await app({**scope, "root_path": "/mount"}, receive, send)

    reply = asyncio.run(through(mounted, "GET", "/mount/health"))
    assert reply.status_code == 200


def test_the_fastapi_router_serves_the_core_under_a_prefix() -> None:
    app = FastAPI()
    app.include_router(router(create_core(Handler())), prefix="/powersync")
    reply = asyncio.run(through(app, "GET", "/powersync/health"))
    assert reply.status_code == 200 and reply.json() == {"status": "ok"}
    refused = asyncio.run(through(app, "POST", "/powersync/api/data", json={}))
    assert refused.status_code == 401
    assert refused.json()["code"] == "UNAUTHENTICATED"
    wrong = asyncio.run(through(app, "GET", "/powersync/api/data"))
    assert wrong.status_code == 405 and wrong.json()["code"] == "METHOD_NOT_ALLOWED"
    invalid = asyncio.run(
        through(app, "POST", "/powersync/api/data", json={}, headers=AUTH)
    )
    assert invalid.status_code == 400
    assert invalid.json()["violations"][0]["path"] == "$.transactions"
