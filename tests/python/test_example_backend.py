"""The example backend (`generated/python/examples/fastapi_psycopg.py`): its error
classification against the shared SQLSTATE vectors, and its idempotency ledger on a
throwaway PostgreSQL cluster (the `throwaway-server` binary of `tests/servers`)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastapi_psycopg as example
import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from conftest import ROOT
from powersync_write_api.models import (
    CrudEntry,
    CrudTransaction,
    TransactionResult,
    TransactionSuccess,
)

SQLSTATES = ROOT / "tests" / "postgres-vectors" / "sqlstates.json"


def sqlstate_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(SQLSTATES.read_text("utf-8"))["cases"]
    # A guard against a vector file that lost its cases: the loop below would pass.
    assert len(cases) >= 50, f"{SQLSTATES} has only {len(cases)} cases"
    return cases


@pytest.mark.parametrize(
    "case", sqlstate_cases(), ids=lambda case: repr(case["sqlstate"])
)
def test_a_database_error_is_classified_as_by_the_reference_backend(
    case: dict[str, Any],
) -> None:
    error_type = type("VectorError", (psycopg.Error,), {"sqlstate": case["sqlstate"]})
    code = example.classify(error_type("from the vectors"))
    expected = {"retryable": None, None: "UNCLASSIFIED_ERROR"}.get(
        case["class"], case["class"]
    )
    assert code == expected, case["note"]


def throwaway_server() -> Path:
    given = os.environ.get("THROWAWAY_SERVER")
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    path = Path(given) if given else target / "debug" / "throwaway-server"
    assert path.is_file(), (
        f"the throwaway-server binary {path} does not exist: build it with "
        "`cargo build -p throwaway-servers --bin throwaway-server`, or set "
        "THROWAWAY_SERVER to its path"
    )
    return path


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A fresh database on a throwaway cluster, with a `lists` table; its URL."""
    server = subprocess.Popen(
        [throwaway_server(), "postgres"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        line = server.stdout.readline()
        assert line, f"throwaway-server ended: {server.communicate()[1]}"
        url = json.loads(line)["url"]
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("CREATE DATABASE example")
        url = url.rsplit("/", 1)[0] + "/example"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE lists (id uuid PRIMARY KEY, name text)")
        yield url
    finally:
        server.stdin.close()
        server.wait(timeout=120)


def put_list(list_id: str, name: str, op_id: int) -> CrudTransaction:
    entry = CrudEntry(
        op="PUT", table="lists", id=list_id, op_id=op_id, op_data={"name": name}
    )
    return CrudTransaction(crud=[entry])


async def upload_as(
    url: str, uploads: list[tuple[str, str, CrudTransaction]]
) -> list[TransactionResult]:
    """Each (subject, client_id, transaction) through the example's backend, in turn."""
    async with AsyncConnectionPool(url, min_size=1, max_size=2, open=False) as pool:
        await pool.open(wait=True)
        async with pool.connection() as conn:
            async with conn.transaction():
                await conn.execute(example.SETUP)
            tables = await example.Backend.load_tables(conn, ["lists"])
        backend = example.Backend(pool, tables)
        return [
            await backend.transaction(subject, client_id, tx)
            for subject, client_id, tx in uploads
        ]


def test_the_ledger_is_per_user_so_another_users_client_id_does_not_skip_writes(
    database: str,
) -> None:
    alice, bob = (
        "3b1f0c3e-0000-4000-8000-00000000000a",
        "3b1f0c3e-0000-4000-8000-00000000000b",
    )
    results = asyncio.run(
        upload_as(
            database,
            [
                ("alice", "device-1", put_list(alice, "Alice's", op_id=7)),
                # Bob's client sends the same client_id with a lower op_id.
                ("bob", "device-1", put_list(bob, "Bob's", op_id=3)),
                # Alice's reply was lost: her replay is a duplicate.
                ("alice", "device-1", put_list(alice, "Alice's", op_id=7)),
            ],
        )
    )
    assert results == [
        TransactionSuccess(),
        TransactionSuccess(),
        TransactionSuccess(duplicate=True),
    ]
    with psycopg.connect(database) as conn:
        rows = conn.execute("SELECT id::text, name FROM lists ORDER BY name").fetchall()
    assert rows == [(alice, "Alice's"), (bob, "Bob's")]
