"""The Python conformance server (tests/conformance/README.md): the generated
package's ASGI app, body limit 65536, wired to the suite's in-memory
implementation, served by uvicorn on 127.0.0.1:$PORT until killed.

Run from the repository root: `.venv/bin/python tests/conformance/servers/python/server.py`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "generated" / "python" / "src"))

import uvicorn  # noqa: E402

from powersync_write_api import (  # noqa: E402
    AuthenticatedContext,
    Credentials,
    Options,
    PowerSyncWriteApiHandler,
    Request,
    RequestContext,
    create_asgi_app,
    models,
)
from powersync_write_api import operations as ops  # noqa: E402
from powersync_write_api.validator import Valid  # noqa: E402

TOKEN = "conformance-token"
PRINCIPAL = "conformance-user"
BODY_LIMIT = 65536


class ConformanceHandler(PowerSyncWriteApiHandler[str]):
    """The in-memory implementation every language's conformance server has."""

    async def authenticate(
        self, credentials: Credentials, request: Request
    ) -> str | None:
        return PRINCIPAL if credentials.secret == TOKEN else None

    async def upload_data(
        self, request: ops.UploadDataReceivedRequest, context: AuthenticatedContext[str]
    ) -> ops.UploadDataResponse:
        results: list[models.TransactionResult] = []
        for item in request.body.transactions:
            if isinstance(item, Valid):
                checkpoint = str(len(item.value.crud))
                results.append(models.TransactionSuccess(write_checkpoint=checkpoint))
            else:
                violations = [
                    {"path": v.path, "keyword": v.keyword} for v in item.violations
                ]
                results.append(
                    models.TransactionFatalError(
                        requires_client_handling=False,
                        failed_operation=models.FailedOperation(
                            error_code="INVALID_REQUEST",
                            message="the transaction does not match the schema",
                            details={
                                "violations": violations,
                                "violations_omitted": item.violations_omitted,
                            },
                        ),
                    )
                )
        return ops.UploadData200(body=models.WriteBatchResponse(results=results))

    async def health(self, context: RequestContext) -> ops.HealthResponse:
        return ops.Health200(body=models.HealthStatus(status="ok"))

    async def ready(self, context: RequestContext) -> ops.ReadyResponse:
        return ops.Ready200(body=models.HealthStatus(status="ok"))


def main() -> None:
    port = int(os.environ["PORT"])
    app = create_asgi_app(ConformanceHandler(), Options(body_limit=BODY_LIMIT))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
