# Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
"""Typed clients for every operation of the spec, on httpx: `PowerSyncWriteApiClient`
(sync) and `AsyncPowerSyncWriteApiClient`. A reply with a status the spec does not
list raises `UnexpectedResponse`; a listed status with a body that is not the
spec's JSON raises `InvalidResponse` (with the reply's status and headers).
Needs the `client` extra."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from . import operations as ops
from .transport import (
    AsyncCredentialSource,
    AsyncTransport,
    CredentialSource,
    InvalidRequest,
    InvalidResponse,
    Transport,
    UnexpectedResponse,
)

__all__ = [
    "AsyncPowerSyncWriteApiClient",
    "PowerSyncWriteApiClient",
    "InvalidRequest",
    "InvalidResponse",
    "UnexpectedResponse",
]


class PowerSyncWriteApiClient:
    """A client for PowerSync Write API.

    `credentials` has one source per security scheme of the spec, by scheme name
    (`bearerAuth`): a string, or a function returning the current one, called
    per request. `http` is the `httpx.Client` to send with (a new one by default).
    """

    def __init__(
        self,
        base_url: str,
        *,
        credentials: Mapping[str, CredentialSource] | None = None,
        headers: Mapping[str, str] | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self._transport = Transport(
            base_url,
            credentials=credentials,
            headers=headers,
            http=http,
            security_schemes=ops.SECURITY_SCHEMES,
        )

    def close(self) -> None:
        """Closes the HTTP client."""
        self._transport.close()

    def __enter__(self) -> PowerSyncWriteApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def upload_data(
        self,
        request: ops.UploadDataRequest,
        *,
        headers: Mapping[str, str] | None = None,
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
        response: ops.UploadDataResponse = self._transport.call(
            ops.OPERATIONS["uploadData"], request, headers
        )
        return response

    def health(self, *, headers: Mapping[str, str] | None = None) -> ops.HealthResponse:
        """Liveness probe

        Answers `200` while the process is running and able to serve HTTP, without
        touching the database. Use it to decide whether to restart the process, not
        whether to send it traffic (use `/ready` for that). Needs no credentials.

        `GET /health` (`health`).
        """
        response: ops.HealthResponse = self._transport.call(
            ops.OPERATIONS["health"], None, headers
        )
        return response

    def ready(self, *, headers: Mapping[str, str] | None = None) -> ops.ReadyResponse:
        """Readiness probe

        Answers `200` when the backend can accept uploads (in particular, its database
        is reachable and holds the backend's own tables at the version it needs),
        `503` otherwise. Load balancers should route uploads only to ready instances.
        Needs no credentials.

        `GET /ready` (`ready`).
        """
        response: ops.ReadyResponse = self._transport.call(
            ops.OPERATIONS["ready"], None, headers
        )
        return response


class AsyncPowerSyncWriteApiClient:
    """An async client for PowerSync Write API, as `PowerSyncWriteApiClient`; a credential
    function may be async. `http` is the `httpx.AsyncClient` to send with."""

    def __init__(
        self,
        base_url: str,
        *,
        credentials: Mapping[str, AsyncCredentialSource] | None = None,
        headers: Mapping[str, str] | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._transport = AsyncTransport(
            base_url,
            credentials=credentials,
            headers=headers,
            http=http,
            security_schemes=ops.SECURITY_SCHEMES,
        )

    async def aclose(self) -> None:
        """Closes the HTTP client."""
        await self._transport.aclose()

    async def __aenter__(self) -> AsyncPowerSyncWriteApiClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def upload_data(
        self,
        request: ops.UploadDataRequest,
        *,
        headers: Mapping[str, str] | None = None,
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
        response: ops.UploadDataResponse = await self._transport.call(
            ops.OPERATIONS["uploadData"], request, headers
        )
        return response

    async def health(
        self, *, headers: Mapping[str, str] | None = None
    ) -> ops.HealthResponse:
        """Liveness probe

        Answers `200` while the process is running and able to serve HTTP, without
        touching the database. Use it to decide whether to restart the process, not
        whether to send it traffic (use `/ready` for that). Needs no credentials.

        `GET /health` (`health`).
        """
        response: ops.HealthResponse = await self._transport.call(
            ops.OPERATIONS["health"], None, headers
        )
        return response

    async def ready(
        self, *, headers: Mapping[str, str] | None = None
    ) -> ops.ReadyResponse:
        """Readiness probe

        Answers `200` when the backend can accept uploads (in particular, its database
        is reachable and holds the backend's own tables at the version it needs),
        `503` otherwise. Load balancers should route uploads only to ready instances.
        Needs no credentials.

        `GET /ready` (`ready`).
        """
        response: ops.ReadyResponse = await self._transport.call(
            ops.OPERATIONS["ready"], None, headers
        )
        return response
