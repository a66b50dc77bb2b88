"""The Python conformance client (tests/conformance/README.md): for each case of
the cases file, the generated sync client calls the case's operation against
`$CONFORMANCE_BASE_URL/<name>` with the bearer token `conformance-token`, and one
line of JSON says what it gave back.

Run from the repository root:
`.venv/bin/python tests/conformance/clients/python/client.py cases.json`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "generated" / "python" / "src"))

import httpx  # noqa: E402

from powersync_write_api import models  # noqa: E402
from powersync_write_api import operations as ops  # noqa: E402
from powersync_write_api.client import (  # noqa: E402
    InvalidResponse,
    PowerSyncWriteApiClient,
    UnexpectedResponse,
)
from powersync_write_api.serve import to_json_value  # noqa: E402

REQUEST = ops.UploadDataRequest(
    body=models.WriteBatch(
        client_id="conformance-client",
        transactions=[
            models.CrudTransaction(
                transaction_id=7,
                crud=[
                    models.CrudEntry(
                        op="PUT",
                        table="todos",
                        id="t1",
                        op_id=1,
                        op_data={"description": "buy milk", "done": False},
                    )
                ],
            )
        ],
    )
)


def call(client: PowerSyncWriteApiClient, operation: str) -> Any:
    if operation == "uploadData":
        return client.upload_data(REQUEST)
    if operation == "health":
        return client.health()
    if operation == "ready":
        return client.ready()
    raise ValueError(f"unknown operation {operation!r}")


def outcome(name: str, operation: str, base_url: str) -> dict[str, Any]:
    with PowerSyncWriteApiClient(
        f"{base_url}/{name}", credentials={"bearerAuth": "conformance-token"}
    ) as client:
        try:
            response = call(client, operation)
        except UnexpectedResponse as error:
            return {
                "case": name,
                "outcome": "unexpected_status",
                "status": error.status,
            }
        except InvalidResponse as error:
            return {"case": name, "outcome": "invalid_response", "status": error.status}
        except httpx.TransportError:
            return {"case": name, "outcome": "transport_error"}
    line: dict[str, Any] = {
        "case": name,
        "outcome": "response",
        "status": response.status,
        "body": to_json_value(getattr(response, "body", None)),
    }
    if hasattr(response, "retry_after"):
        line["retry_after"] = response.retry_after
    return line


def main() -> None:
    base_url = os.environ["CONFORMANCE_BASE_URL"]
    cases = json.loads(Path(sys.argv[1]).read_text("utf-8"))
    for case in cases:
        line = outcome(case["name"], case["operation"], base_url)
        print(json.dumps(line, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
