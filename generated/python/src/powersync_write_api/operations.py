# Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
"""Every operation of the spec: its typed request and one typed response per
status, shared by the server handler and the clients, and the table
(`OPERATIONS`) the server core and the client transport run on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from pydantic import TypeAdapter

from . import models
from .serve import DecodedRequest, typed_items
from .specs import (
    BodySpec,
    HeaderSpec,
    OperationSpec,
    ResponseSpec,
    SecuritySchemeSpec,
    SecurityUse,
)
from .validator import Checked


@dataclass(frozen=True)
class UploadDataRequest:
    """The request of `uploadData`: `POST /api/data`.

    The body: The transactions to apply, oldest first, 1 to 50 per request.
    """

    body: models.WriteBatch


@dataclass(frozen=True)
class UploadDataReceivedBody:
    """The body of `uploadData` as the server hands it to the handler: the items of `transactions` are each checked on their own (`x-per-item-validation`), so an invalid one arrives as `Invalid`, with its violations and its JSON as received, instead of refusing the request."""

    transactions: list[Checked[models.CrudTransaction]]
    """The transactions to apply, in upload-queue order (oldest first): 1 to 50
    per request. Each is applied atomically; the reply has one result per
    transaction, in this order.

    Each transaction is validated on its own (`x-per-item-validation`), so
    that one malformed transaction (an `op` from a newer SDK, an empty
    `table`, an `op_id` that is not an integer) cannot block the device's
    queue: it gets a `fatal_error` result with error code `INVALID_REQUEST`
    and its violations in `failed_operation.details.violations`, and the
    other transactions are processed as usual. Only the envelope (a body
    that is not an object, `transactions` missing, not an array, or not 1 to
    50 items) is answered `400`.
    """

    client_id: str | None = None
    """The PowerSync client id of the local database the writes come from (the
    SDK's `getClientId()`). Send it whenever available: together with each
    entry's `op_id` it lets the backend recognise a transaction it has already
    applied (after a lost reply or a retry) and answer `success` with
    `duplicate: true` instead of applying it twice. Omit the property rather
    than sending `null`.
    """

    @classmethod
    def receive(cls, decoded: DecodedRequest) -> UploadDataReceivedBody:
        """The received body from the server core's decoded request."""
        envelope = models.WriteBatch.model_validate(
            {**decoded.body, **dict.fromkeys(decoded.items, [])}
        )
        return cls(
            client_id=envelope.client_id,
            transactions=typed_items(
                TypeAdapter(models.CrudTransaction).validate_python,
                decoded.items.get("transactions"),
            )
            or [],
        )


@dataclass(frozen=True)
class UploadDataReceivedRequest:
    """The request of `uploadData` as the server hands it to the handler."""

    body: UploadDataReceivedBody


@dataclass(frozen=True)
class UploadData200:
    """The `200` response of `uploadData`: The batch was processed. `results` has exactly one entry per transaction of
    the request, in the same order. Act on each result as described in
    `TransactionResult`, in order.
    """

    body: models.WriteBatchResponse

    status: Literal[200] = 200


@dataclass(frozen=True)
class UploadData400:
    """The `400` response of `uploadData`: The body's envelope is not a valid `WriteBatch`: malformed JSON, not an
    object, `transactions` missing or not an array, or not 1 to 50
    transactions. (A malformed transaction inside a valid envelope is not a
    `400`: it gets its own `fatal_error` result, see `WriteBatch.transactions`.)
    `violations` lists the problems found in the whole body, at most the first
    100, and `violations_omitted` counts the others. Nothing was applied.
    Sending the same body again fails again: if the number of transactions was
    exceeded, send fewer transactions per request; otherwise this is a client
    bug, so report it to the app (error hook, logs) and stop uploading instead
    of retrying in a loop.
    """

    body: models.ErrorResponse

    status: Literal[400] = 400


@dataclass(frozen=True)
class UploadData401:
    """The `401` response of `uploadData`: The bearer token is missing, malformed, expired or not accepted. Nothing was
    applied. Fetch fresh credentials and send the same batch again; if a fresh
    token is refused too, tell the app (the user probably has to sign in again) and
    keep the queue intact.
    """

    body: models.ErrorResponse

    status: Literal[401] = 401


@dataclass(frozen=True)
class UploadData403:
    """The `403` response of `uploadData`: The token is valid but this user may not upload at all. Nothing was applied.
    Retrying will not help until the user's permissions change: keep the queue
    intact and tell the app. (A refusal of a single transaction is not a `403`: it
    is a `fatal_error` result with error code `UNAUTHORIZED`.)
    """

    body: models.ErrorResponse

    status: Literal[403] = 403


@dataclass(frozen=True)
class UploadData413:
    """The `413` response of `uploadData`: The body exceeds the backend's size limit. Nothing was applied. Send the same
    transactions again in smaller requests (fewer transactions each, never
    splitting a transaction). If a single transaction alone is too large, hand it
    to the app: it cannot be uploaded as it is.
    """

    body: models.ErrorResponse

    status: Literal[413] = 413


@dataclass(frozen=True)
class UploadData415:
    """The `415` response of `uploadData`: The request's `Content-Type` is not `application/json`. Nothing was applied.
    This is a client bug: send the body as JSON with `Content-Type:
    application/json`.
    """

    body: models.ErrorResponse

    status: Literal[415] = 415


@dataclass(frozen=True)
class UploadData429:
    """The `429` response of `uploadData`: Rate limited. Nothing was applied. Wait the number of seconds given by
    `Retry-After` (or, if it is absent or not an integer, the client's own back-off
    delay) and send the same batch again.
    """

    body: models.ErrorResponse

    retry_after: int | None = None
    """The `Retry-After` header. Seconds to wait before sending again. Sent by this protocol's backends on
    every `429`; a proxy's reply may lack it, so clients fall back to their own
    back-off delay.
    """

    status: Literal[429] = 429


@dataclass(frozen=True)
class UploadData500:
    """The `500` response of `uploadData`: An unexpected failure in the backend (a bug: every expected failure is
    reported per transaction in a `200` reply). Transactions before the failure may
    have been applied. Send the same batch again after a back-off delay, increasing
    the delay on repeated failures; with `client_id` and `op_id`s sent, already
    applied transactions come back as `success` with `duplicate: true`.
    """

    body: models.ErrorResponse

    status: Literal[500] = 500


@dataclass(frozen=True)
class UploadData503:
    """The `503` response of `uploadData`: The backend is not ready (starting, shutting down, or its database is
    unreachable: `NOT_READY`) or holds as many batches as it can (`BUSY`). For
    an upload: nothing was applied; wait the number of seconds
    given by `Retry-After` (or the client's own back-off delay) and send the same
    batch again. For `/ready`: do not route uploads to this instance for now.
    """

    body: models.ErrorResponse

    retry_after: int | None = None
    """The `Retry-After` header. Seconds to wait before sending again. Optional: when absent, use the
    client's own back-off delay.
    """

    status: Literal[503] = 503


UploadDataResponse: TypeAlias = (
    UploadData200
    | UploadData400
    | UploadData401
    | UploadData403
    | UploadData413
    | UploadData415
    | UploadData429
    | UploadData500
    | UploadData503
)
"""The responses of `uploadData`, one class per status."""


@dataclass(frozen=True)
class Health200:
    """The `200` response of `health`: The process is alive."""

    body: models.HealthStatus

    status: Literal[200] = 200


HealthResponse: TypeAlias = Health200
"""The responses of `health`, one class per status."""


@dataclass(frozen=True)
class Ready200:
    """The `200` response of `ready`: The backend is ready to accept uploads."""

    body: models.HealthStatus

    status: Literal[200] = 200


@dataclass(frozen=True)
class Ready503:
    """The `503` response of `ready`: The backend is not ready (starting, shutting down, or its database is
    unreachable: `NOT_READY`) or holds as many batches as it can (`BUSY`). For
    an upload: nothing was applied; wait the number of seconds
    given by `Retry-After` (or the client's own back-off delay) and send the same
    batch again. For `/ready`: do not route uploads to this instance for now.
    """

    body: models.ErrorResponse

    retry_after: int | None = None
    """The `Retry-After` header. Seconds to wait before sending again. Optional: when absent, use the
    client's own back-off delay.
    """

    status: Literal[503] = 503


ReadyResponse: TypeAlias = Ready200 | Ready503
"""The responses of `ready`, one class per status."""


SECURITY_SCHEMES: dict[str, SecuritySchemeSpec] = {
    "bearerAuth": SecuritySchemeSpec("bearer"),
}
"""Every security scheme of the spec, by name."""

OPERATIONS: dict[str, OperationSpec] = {
    "uploadData": OperationSpec(
        id="uploadData",
        method="POST",
        path="/api/data",
        security=((SecurityUse("bearerAuth", ()),),),
        responses={
            200: ResponseSpec(
                make=UploadData200,
                body={"type": "ref", "name": "WriteBatchResponse"},
                content_type="application/json",
                decode=TypeAdapter(models.WriteBatchResponse).validate_python,
            ),
            400: ResponseSpec(
                make=UploadData400,
                body={"type": "ref", "name": "ErrorResponse"},
                content_type="application/json",
                decode=TypeAdapter(models.ErrorResponse).validate_python,
            ),
            401: ResponseSpec(
                make=UploadData401,
                body={"type": "ref", "name": "ErrorResponse"},
                content_type="application/json",
                decode=TypeAdapter(models.ErrorResponse).validate_python,
            ),
            403: ResponseSpec(
                make=UploadData403,
                body={"type": "ref", "name": "ErrorResponse"},
                content_type="application/json",
                decode=TypeAdapter(models.ErrorResponse).validate_python,
            ),
            413: ResponseSpec(
                make=UploadData413,
                body={"type": "ref", "name": "ErrorResponse"},
                content_type="application/json",
                decode=TypeAdapter(models.ErrorResponse).validate_python,
            ),
            415: ResponseSpec(
                make=UploadData415,
                body={"type": "ref", "name": "ErrorResponse"},
                content_type="application/json",
                decode=TypeAdapter(models.ErrorResponse).validate_python,
            ),
            429: ResponseSpec(
                make=UploadData429,
                body={"type": "ref", "name": "ErrorResponse"},
                content_type="application/json",
                decode=TypeAdapter(models.ErrorResponse).validate_python,
                headers=(
                    HeaderSpec(
                        "Retry-After",
                        "retry_after",
                        False,
                        {
                            "type": "integer",
                            "format": "int32",
                            "minimum": {"value": 0, "exclusive": False},
                        },
                    ),
                ),
            ),
            500: ResponseSpec(
                make=UploadData500,
                body={"type": "ref", "name": "ErrorResponse"},
                content_type="application/json",
                decode=TypeAdapter(models.ErrorResponse).validate_python,
            ),
            503: ResponseSpec(
                make=UploadData503,
                body={"type": "ref", "name": "ErrorResponse"},
                content_type="application/json",
                decode=TypeAdapter(models.ErrorResponse).validate_python,
                headers=(
                    HeaderSpec(
                        "Retry-After",
                        "retry_after",
                        False,
                        {
                            "type": "integer",
                            "format": "int32",
                            "minimum": {"value": 0, "exclusive": False},
                        },
                    ),
                ),
            ),
        },
        body=BodySpec({"type": "ref", "name": "WriteBatch"}, True, "application/json"),
    ),
    "health": OperationSpec(
        id="health",
        method="GET",
        path="/health",
        security=(),
        responses={
            200: ResponseSpec(
                make=Health200,
                body={"type": "ref", "name": "HealthStatus"},
                content_type="application/json",
                decode=TypeAdapter(models.HealthStatus).validate_python,
            )
        },
    ),
    "ready": OperationSpec(
        id="ready",
        method="GET",
        path="/ready",
        security=(),
        responses={
            200: ResponseSpec(
                make=Ready200,
                body={"type": "ref", "name": "HealthStatus"},
                content_type="application/json",
                decode=TypeAdapter(models.HealthStatus).validate_python,
            ),
            503: ResponseSpec(
                make=Ready503,
                body={"type": "ref", "name": "ErrorResponse"},
                content_type="application/json",
                decode=TypeAdapter(models.ErrorResponse).validate_python,
                headers=(
                    HeaderSpec(
                        "Retry-After",
                        "retry_after",
                        False,
                        {
                            "type": "integer",
                            "format": "int32",
                            "minimum": {"value": 0, "exclusive": False},
                        },
                    ),
                ),
            ),
        },
    ),
}
"""Every operation of the spec, by operation id."""
