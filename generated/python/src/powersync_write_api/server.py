# Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
"""The server side: implement `PowerSyncWriteApiHandler`, then serve it with
`create_asgi_app` (any ASGI server; Starlette, FastAPI and Django ASGI apps can
mount it) or include `powersync_write_api.fastapi.router(create_core(handler))` in a
FastAPI app. `create_core` gives the framework-free core: a request as (method,
path, query, headers, body bytes) in, (status, headers, body bytes) out."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from . import operations as ops
from .asgi import AsgiApp
from .serve import (
    AuthenticatedContext,
    Core,
    Credentials,
    DecodedRequest,
    Options,
    Request,
    RequestContext,
    Route,
)

Principal = TypeVar("Principal")


class PowerSyncWriteApiHandler(Protocol[Principal]):
    """The operations of PowerSync Write API, one async method per operation. Each gets its
    typed, already validated request and returns one of its typed responses.
    """

    async def authenticate(
        self, credentials: Credentials, request: Request
    ) -> Principal | None:
        """Checks the credentials of a request to an operation that requires them:
        return who made it, or `None` to refuse it (401). Missing or malformed
        credentials are refused without calling it. Refuse a token that does not
        grant every scope in `credentials.scopes`. When an operation accepts several
        schemes, each credential found is tried in the spec's order until one is
        accepted. Raise an `HttpRejection` to answer otherwise (403, 503, ...).
        """
        ...

    async def upload_data(
        self,
        request: ops.UploadDataReceivedRequest,
        context: AuthenticatedContext[Principal],
    ) -> ops.UploadDataResponse:
        """Upload a batch of queued local transactions

        Applies each transaction of the batch atomically, in order, and answers one
        result per transaction. The reply to a batch that was processed is always `200`,
        whatever happened to the individual transactions: read `results`. Within a
        batch, the backend stops at the first transaction that ends in
        `retryable_error` (later ones are `not_attempted`); after a `fatal_error` it
        either stops the same way or, under a skip policy, goes on with the next
        transaction.

        `POST /api/data` (`uploadData`).
        """
        ...

    async def health(self, context: RequestContext) -> ops.HealthResponse:
        """Liveness probe

        Answers `200` while the process is running and able to serve HTTP, without
        touching the database. Use it to decide whether to restart the process, not
        whether to send it traffic (use `/ready` for that). Needs no credentials.

        `GET /health` (`health`).
        """
        ...

    async def ready(self, context: RequestContext) -> ops.ReadyResponse:
        """Readiness probe

        Answers `200` when the backend can accept uploads (in particular, its database
        is reachable and holds the backend's own tables at the version it needs),
        `503` otherwise. Load balancers should route uploads only to ready instances.
        Needs no credentials.

        `GET /ready` (`ready`).
        """
        ...


async def _invoke_upload_data(
    handler: PowerSyncWriteApiHandler[Any],
    decoded: DecodedRequest,
    context: AuthenticatedContext[Any],
) -> ops.UploadDataResponse:
    request = ops.UploadDataReceivedRequest(
        body=ops.UploadDataReceivedBody.receive(decoded)
    )
    return await handler.upload_data(request, context)


async def _invoke_health(
    handler: PowerSyncWriteApiHandler[Any],
    decoded: DecodedRequest,
    context: AuthenticatedContext[Any],
) -> ops.HealthResponse:
    return await handler.health(context)


async def _invoke_ready(
    handler: PowerSyncWriteApiHandler[Any],
    decoded: DecodedRequest,
    context: AuthenticatedContext[Any],
) -> ops.ReadyResponse:
    return await handler.ready(context)


async def _authenticate(
    handler: PowerSyncWriteApiHandler[Any], credentials: Credentials, request: Request
) -> Any:
    return await handler.authenticate(credentials, request)


ROUTES: list[Route[PowerSyncWriteApiHandler[Any]]] = [
    Route(ops.OPERATIONS["uploadData"], _invoke_upload_data),
    Route(ops.OPERATIONS["health"], _invoke_health),
    Route(ops.OPERATIONS["ready"], _invoke_ready),
]
"""Every operation the core serves."""


def create_core(
    handler: PowerSyncWriteApiHandler[Any], options: Options | None = None
) -> Core[PowerSyncWriteApiHandler[Any]]:
    """The framework-free server core for `handler`: `await core.handle(request)`
    answers a `Request` with a `Response`. Unknown paths answer 404, a known path
    with another method 405 (with `Allow`); an operation that requires credentials
    answers 401 without calling the implementation when they are missing or
    `authenticate` refuses them; then 415, 413 and 400 (with the paths of the first
    `MAX_VIOLATIONS` violations and the count of the others) before the
    implementation sees the request."""
    return Core(handler, ROUTES, ops.SECURITY_SCHEMES, _authenticate, options)


def create_asgi_app(
    handler: PowerSyncWriteApiHandler[Any], options: Options | None = None
) -> AsgiApp[PowerSyncWriteApiHandler[Any]]:
    """An ASGI 3 application serving `handler` (see `create_core`)."""
    return AsgiApp(create_core(handler, options))
