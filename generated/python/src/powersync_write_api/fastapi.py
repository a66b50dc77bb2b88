# Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
"""A FastAPI `APIRouter` over the server core: include it in an app
(`app.include_router(router(core), prefix="/powersync")`). It owns the spec's
paths (every method on them, so a wrong method is the core's 405) and answers
exactly as the core does. Needs the `fastapi` extra."""

from __future__ import annotations

import itertools
import re
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi import Request as FastApiRequest
from fastapi import Response as FastApiResponse

from .asgi import read_request
from .serve import Core

H = TypeVar("H")

_METHODS = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH"]


def router(core: Core[H], **kwargs: Any) -> APIRouter:
    """An `APIRouter` serving `core`'s operations; `kwargs` go to `APIRouter`
    (`prefix`, `tags`, `dependencies`, ...). The routes are left out of the app's
    OpenAPI document: the spec is the document."""
    api = APIRouter(**kwargs)
    for path in dict.fromkeys(route.spec.path for route in core.routes):
        # Parameters renamed `p0`, `p1`, ...: a spec's name (`user-name`) need not
        # be one Starlette accepts, and the core reads the values itself.
        api.add_api_route(
            _numbered(path),
            _endpoint(core, path),
            methods=_METHODS,
            include_in_schema=False,
        )
    return api


def _numbered(path: str) -> str:
    count = itertools.count()
    return re.sub(r"\{[^}]+\}", lambda _: f"{{p{next(count)}}}", path)


def _endpoint(core: Core[H], template: str) -> Any:
    # The route's own path is the last segments of the request's, as many as the
    # template has (a path parameter never holds `/`), whatever prefix the router
    # or the app adds.
    segments = template.count("/")

    async def endpoint(request: FastApiRequest) -> FastApiResponse:
        read = await read_request(
            request.scope, request.receive, core.options.body_limit
        )
        relative = "/" + "/".join(read.path.split("/")[-segments:])
        path = core.options.base_path.rstrip("/") + relative
        response = await core.handle(
            type(read)(read.method, path, read.query, read.headers, read.body)
        )
        reply = FastApiResponse(content=response.body, status_code=response.status)
        for name, value in response.headers:
            reply.headers[name] = value
        return reply

    return endpoint
