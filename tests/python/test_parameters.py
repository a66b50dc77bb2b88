"""Parameters, on the `form_arrays` feature fixture's package: path, query and
header parameters in every style, read by the server core and written by the
client, and a full round trip through the ASGI app."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from types import ModuleType
from typing import Any

import httpx
import pytest

from conftest import ROOT

PACKAGE = ROOT / "generator/tests/fixtures/features/form_arrays/python/src"


@pytest.fixture(scope="module")
def pkg() -> ModuleType:
    sys.path.insert(0, str(PACKAGE))
    try:
        module = importlib.import_module("feature_form_arrays")
        importlib.import_module("feature_form_arrays.client")
        return module
    finally:
        sys.path.remove(str(PACKAGE))


class Recorder:
    def __init__(self) -> None:
        self.requests: list[Any] = []

    async def list_cards(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        ops: Any = sys.modules["feature_form_arrays.operations"]
        return ops.ListCards204()


def answer(
    pkg: ModuleType, path: str, query: str = "", headers: dict[str, str] | None = None
) -> tuple[int, Any, Recorder]:
    recorder = Recorder()
    core = pkg.create_core(recorder)
    request = pkg.Request("GET", path, query, headers or {})
    response = asyncio.run(core.handle(request))
    body = json.loads(response.body) if response.body else None
    return response.status, body, recorder


def test_every_style_is_read_into_its_type(pkg: ModuleType) -> None:
    status, _, recorder = answer(
        pkg,
        "/boards/1,2/cards",
        "ids=3,4&names=a,b&tags=x&tags=y&sizes=1.5%202&colors=red|blue&limit=7",
        {"x-flags": "true, false"},
    )
    assert status == 204
    [request] = recorder.requests
    assert request.board_ids == [1, 2]
    assert request.ids == [3, 4]
    assert request.names == ["a", "b"]
    assert request.tags == ["x", "y"]
    assert request.sizes == [1.5, 2]
    assert request.colors == ["red", "blue"]
    assert request.x_flags == [True, False]
    assert request.limit == 7


def test_optional_parameters_may_be_absent(pkg: ModuleType) -> None:
    status, _, recorder = answer(pkg, "/boards/5/cards", "ids=")
    assert status == 204
    [request] = recorder.requests
    assert request.ids == [] and request.names is None and request.x_flags is None


def test_parameter_violations_are_400_with_their_paths(pkg: ModuleType) -> None:
    status, body, recorder = answer(pkg, "/boards/a,2/cards", "colors=pink&limit=1.5")
    assert status == 400
    assert [(v["path"], v["keyword"]) for v in body["violations"]] == [
        ("path.board_ids[0]", "type"),
        ("query.ids", "required"),
        ("query.colors[0]", "enum"),
        ("query.limit", "type"),
    ]
    assert recorder.requests == []


def test_a_path_parameter_that_is_not_utf8_is_a_400(pkg: ModuleType) -> None:
    status, body, _ = answer(pkg, "/boards/%ff/cards", "ids=1")
    assert status == 400
    assert [(v["path"], v["keyword"]) for v in body["violations"]] == [
        ("path.board_ids", "type")
    ]


def test_the_client_writes_every_style(pkg: ModuleType) -> None:
    seen: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    ops: Any = pkg.operations
    client_module: Any = sys.modules["feature_form_arrays.client"]
    http = httpx.Client(transport=httpx.MockTransport(reply))
    client = client_module.FormArraysClient("http://server", http=http)
    reply_ = client.list_cards(
        ops.ListCardsRequest(
            board_ids=[1, 2],
            ids=[3],
            names=["a b"],
            tags=["x", "y"],
            sizes=[1.5],
            colors=["red", "green"],
            x_flags=[True, False],
        )
    )
    assert reply_.status == 204
    [sent] = seen
    assert sent.url.path == "/boards/1,2/cards"
    assert sent.url.params.get_list("tags") == ["x", "y"]
    assert sent.url.params["ids"] == "3"
    assert sent.url.params["names"] == "a b"
    assert sent.url.params["colors"] == "red|green"
    assert sent.headers["x-flags"] == "true,false"
    assert "limit" not in sent.url.params
    with pytest.raises(client_module.InvalidRequest, match="holds `,`"):
        client.list_cards(ops.ListCardsRequest(board_ids=[1], ids=[3], names=["a,b"]))
    with pytest.raises(client_module.InvalidRequest, match="has no items"):
        client.list_cards(ops.ListCardsRequest(board_ids=[], ids=[3]))
    assert len(seen) == 1


def test_the_client_and_the_asgi_app_agree(pkg: ModuleType) -> None:
    recorder = Recorder()
    app = pkg.create_asgi_app(recorder)
    ops: Any = pkg.operations
    client_module: Any = sys.modules["feature_form_arrays.client"]
    sent = ops.ListCardsRequest(
        board_ids=[10, 20],
        ids=[1, 2],
        names=["n 1", "n2"],
        tags=["t"],
        sizes=[0.5, 3],
        colors=["blue"],
        x_flags=[False],
        limit=9,
    )

    async def run() -> Any:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        async with client_module.AsyncFormArraysClient(
            "http://test", http=http
        ) as client:
            return await client.list_cards(sent)

    assert asyncio.run(run()).status == 204
    [received] = recorder.requests
    assert received == sent


def test_the_fastapi_router_serves_any_parameter_name(pkg: ModuleType) -> None:
    from fastapi import FastAPI

    fastapi_module = importlib.import_module("feature_form_arrays.fastapi")
    recorder = Recorder()
    app = FastAPI()
    app.include_router(fastapi_module.router(pkg.create_core(recorder)), prefix="/v1")

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t"
        ) as client:
            return await client.get("/v1/boards/7,8/cards", params={"ids": "1"})

    assert asyncio.run(run()).status_code == 204
    [request] = recorder.requests
    assert request.board_ids == [7, 8] and request.ids == [1]
