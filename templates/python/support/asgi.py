"""A plain ASGI 3 application over the server core, so any ASGI server (uvicorn,
hypercorn) serves it and Starlette, FastAPI or Django (ASGI) apps can mount it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Generic, TypeVar

from .serve import Core, Request

H = TypeVar("H")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class AsgiApp(Generic[H]):
    """Serves a core as an ASGI application. When mounted (Starlette `Mount`,
    Django URL routing), the mount's `root_path` is stripped from the path; the
    core's `base_path` option strips a further prefix. The body is read up to the
    core's body limit and no further: a larger one is answered 413."""

    def __init__(self, core: Core[H]) -> None:
        self.core = core

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise ValueError(f"this ASGI app serves HTTP only, not {scope['type']}")
        request = await read_request(scope, receive, self.core.options.body_limit)
        response = await self.core.handle(request)
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [
                    (name.encode("latin-1"), value.encode("latin-1"))
                    for name, value in response.headers
                ],
            }
        )
        await send({"type": "http.response.body", "body": response.body})


async def read_request(scope: Scope, receive: Receive, body_limit: int) -> Request:
    """The core's request for an ASGI HTTP scope: the raw (still percent-encoded)
    path below the mount's `root_path`, the headers joined by name, and at most
    `body_limit + 1` bytes of the body (the core answers 413 past the limit)."""
    raw = scope.get("raw_path")
    path = raw.decode("latin-1").split("?", 1)[0] if raw else scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    headers: dict[str, str] = {}
    for name_bytes, value_bytes in scope.get("headers", []):
        name = name_bytes.decode("latin-1").lower()
        value = value_bytes.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    chunks: list[bytes] = []
    size = 0
    declared = headers.get("content-length", "").strip()
    if not (declared.isdigit() and int(declared) > body_limit):
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if size > body_limit or not message.get("more_body", False):
                break
    return Request(
        method=scope["method"],
        path=path,
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=b"".join(chunks),
    )


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
