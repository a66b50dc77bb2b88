# Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
"""A complete PowerSync write backend: FastAPI, PostgreSQL through psycopg 3, and
this package for the protocol (validation, error bodies, typed models).

It authenticates the PowerSync token (a JWT signed with HS256 and a shared secret;
`sub` is the user), applies each uploaded transaction atomically (PUT upserts the
columns sent, PATCH updates them, DELETE deletes the row), and answers one result
per transaction, in order:

- `success`, with `duplicate: true` for a transaction the idempotency ledger shows
  as already applied (the client retried after a lost reply);
- `fatal_error` for a write the database refuses for good (a foreign-key violation,
  a value of the wrong type, an unknown table or column) and for a transaction
  that does not match the schema: the transaction is kept in the dead-letter table
  with its JSON and the error, and the reply names it (`dead_letter_id`,
  `requires_client_handling: false`), so the client's queue moves on;
- `retryable_error` when retrying may succeed (connection trouble, serialization
  failure, deadlock): nothing is applied, the batch stops there and the later
  transactions are `not_attempted`.

Configuration (environment):

- `DATABASE_URL`: the PostgreSQL connection string (`postgresql://...`);
- `JWT_SECRET`: the HS256 secret your auth service signs PowerSync tokens with;
- `WRITE_TABLES`: the tables clients may write, comma-separated (`lists,todos`).
  Each needs an `id` primary key; their columns and types are read from the
  database at start, and nothing else can be written.

Run it with `uvicorn fastapi_psycopg:app`. It creates its two tables
(`write_ledger`, `write_dead_letters`) at start if they do not exist.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import jwt
import psycopg
from fastapi import FastAPI
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from powersync_write_api import (
    AuthenticatedContext,
    Credentials,
    PowerSyncWriteApiHandler,
    Request,
    RequestContext,
    create_core,
)
from powersync_write_api import operations as ops
from powersync_write_api.fastapi import router
from powersync_write_api.models import (
    CrudEntry,
    CrudTransaction,
    ErrorResponse,
    FailedOperation,
    HealthStatus,
    TransactionFatalError,
    TransactionNotAttempted,
    TransactionResult,
    TransactionRetryableError,
    TransactionSuccess,
    WriteBatchResponse,
)
from powersync_write_api.validator import Checked, Valid

RETRY_AFTER_MS = 1000
"""How long a client waits before retrying a `retryable_error`."""

SETUP = """
SELECT pg_advisory_xact_lock(7426345);
CREATE TABLE IF NOT EXISTS write_ledger (
  subject text NOT NULL,
  client_id text NOT NULL,
  last_op_id bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject, client_id)
);
CREATE TABLE IF NOT EXISTS write_dead_letters (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  received_at timestamptz NOT NULL DEFAULT now(),
  subject text NOT NULL,
  client_id text,
  last_op_id bigint,
  error_code text NOT NULL,
  message text NOT NULL,
  details jsonb NOT NULL,
  operation_index integer,
  transaction jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS write_dead_letters_replay
  ON write_dead_letters (client_id, last_op_id);
"""

COLUMNS = """
SELECT t.name, a.attname, format_type(a.atttypid, a.atttypmod)
FROM unnest(%s::text[]) AS t(name)
LEFT JOIN pg_attribute a
  ON a.attrelid = to_regclass(quote_ident(t.name)) AND a.attnum > 0 AND NOT a.attisdropped
"""

# Keyed by the token's user as well as the client's id: a client_id is the client's
# own choice, so another user sending it must not make this user's writes duplicates.
CLAIM = """
INSERT INTO write_ledger AS l (subject, client_id, last_op_id) VALUES (%s, %s, %s)
ON CONFLICT (subject, client_id) DO UPDATE SET last_op_id = EXCLUDED.last_op_id, updated_at = now()
WHERE l.last_op_id < EXCLUDED.last_op_id
"""

KEPT_BEFORE = """
SELECT id::text, error_code, message, details, operation_index FROM write_dead_letters
WHERE client_id = %s AND last_op_id = %s AND subject = %s
"""

KEEP = """
INSERT INTO write_dead_letters
  (subject, client_id, last_op_id, error_code, message, details, operation_index, transaction)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
RETURNING id::text
"""


class Fatal(Exception):
    """A transaction that can never be applied as it is."""

    def __init__(
        self, code: str, message: str, details: dict[str, Any], index: int | None
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.details, self.index = (
            code,
            message,
            details,
            index,
        )


class Retryable(Exception):
    """A failure that may pass: nothing was applied, the client sends it again."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: Mapping[str, str]
    """Column name -> its SQL type, as the catalog prints it (`timestamp with time zone`)."""


def classify(error: Exception) -> str | None:
    """The error code of a fatal database error; `None` when retrying may succeed."""
    if isinstance(error, PoolTimeout):
        return None
    state = error.sqlstate if isinstance(error, psycopg.Error) else None
    if state is None:
        connection_lost = isinstance(
            error, (psycopg.OperationalError, psycopg.InterfaceError)
        )
        return None if connection_lost else "UNCLASSIFIED_ERROR"
    fixed = {
        "23502": "NOT_NULL_VIOLATION",
        "23503": "FOREIGN_KEY_VIOLATION",
        "23505": "UNIQUE_VIOLATION",
        "23514": "CHECK_VIOLATION",
        "42501": "UNAUTHORIZED",
        "55P03": None,
        "25006": None,
        # A prepared statement missing on the server connection, or another's of the
        # same name: a pooler in transaction mode, which the next try may pass.
        "26000": None,
        "42P05": None,
    }
    if len(state) != 5:
        return "UNCLASSIFIED_ERROR"
    if state in fixed:
        return fixed[state]
    by_class = {
        "23": "CONSTRAINT_VIOLATION",
        "22": "INVALID_DATA",
        "42": "SCHEMA_MISMATCH",
    }
    if state[:2] in ("08", "40", "53", "57", "58"):
        return None
    return by_class.get(state[:2], "UNCLASSIFIED_ERROR")


def database_failure(
    error: psycopg.Error | PoolTimeout, code: str, table: str | None, index: int | None
) -> Fatal:
    """A fatal database error as the client sees it: the server's primary message
    (never the detail, which can quote other rows' values), table and constraint."""
    diag = error.diag if isinstance(error, psycopg.Error) else None
    details = {"table": table}
    if diag is not None:
        details |= {"constraint": diag.constraint_name, "column": diag.column_name}
    message = (diag.message_primary if diag else None) or str(error)
    return Fatal(code, message, {k: v for k, v in details.items() if v}, index)


def as_text(value: Any) -> str | None:
    """A JSON value as the text PostgreSQL casts to the column's type: SQLite's 0 and 1
    become booleans, ISO text timestamps, JSON text (or an object) json/jsonb."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def last_op_id(crud: Sequence[CrudEntry]) -> int | None:
    """The ledger key of a transaction: its last `op_id`, when every entry has one."""
    ids = [entry.op_id for entry in crud]
    return None if any(i is None for i in ids) else max(i for i in ids if i is not None)


class Backend:
    """Applies uploads to PostgreSQL; one instance serves every request."""

    def __init__(self, pool: AsyncConnectionPool, tables: Mapping[str, Table]) -> None:
        self.pool = pool
        self.tables = tables

    @staticmethod
    async def load_tables(
        conn: psycopg.AsyncConnection[Any], names: list[str]
    ) -> dict[str, Table]:
        """Reads the columns of the writable tables; fails naming a missing table."""
        columns: dict[str, dict[str, str]] = {name: {} for name in names}
        for table, column, sql_type in await (
            await conn.execute(COLUMNS, (names,))
        ).fetchall():
            if column is not None:
                columns[table][column] = sql_type
        for name, found in columns.items():
            if "id" not in found:
                raise RuntimeError(
                    f"WRITE_TABLES names `{name}`, but the database has no table `{name}` "
                    "with an `id` column (create it, or remove it from WRITE_TABLES)"
                )
        return {name: Table(name, found) for name, found in columns.items()}

    async def upload(
        self,
        subject: str,
        client_id: str | None,
        transactions: Sequence[Checked[CrudTransaction]],
    ) -> list[TransactionResult]:
        """One result per transaction, in order; stops after a retryable failure."""
        results: list[TransactionResult] = []
        for item in transactions:
            if results and isinstance(
                results[-1], (TransactionRetryableError, TransactionNotAttempted)
            ):
                results.append(TransactionNotAttempted())
                continue
            if isinstance(item, Valid):
                results.append(await self.transaction(subject, client_id, item.value))
            else:
                details = {
                    "violations": [v.to_json() for v in item.violations],
                    "violations_omitted": item.violations_omitted,
                }
                failure = Fatal(
                    "INVALID_REQUEST",
                    "the transaction does not match the schema",
                    details,
                    None,
                )
                results.append(
                    await self.keep(subject, client_id, None, item.value, failure)
                )
        return results

    async def transaction(
        self, subject: str, client_id: str | None, tx: CrudTransaction
    ) -> TransactionResult:
        """Applies one transaction atomically, or keeps it, or answers retryable."""
        key = last_op_id(tx.crud) if client_id is not None else None
        index: int | None = None
        try:
            async with self.pool.connection() as conn, conn.transaction():
                if key is not None:
                    claimed = await conn.execute(CLAIM, (subject, client_id, key))
                    if claimed.rowcount == 0:
                        return await self.replayed(conn, subject, client_id, key)
                for index, entry in enumerate(tx.crud):
                    await self.write(conn, entry, index)
                index = None
            return TransactionSuccess()
        except Fatal as failure:
            refused = failure
        except (psycopg.Error, PoolTimeout) as error:
            code = classify(error)
            if code is None:
                return retryable(f"the database failed ({error}); nothing was applied")
            table = tx.crud[index].table if index is not None else None
            refused = database_failure(error, code, table, index)
        return await self.keep(subject, client_id, key, tx.to_json_value(), refused)

    async def write(
        self, conn: psycopg.AsyncConnection[Any], entry: CrudEntry, index: int
    ) -> None:
        """One entry as one statement; table and column names come from the catalog."""
        table = self.tables.get(entry.table)
        if table is None:
            raise Fatal(
                "SCHEMA_MISMATCH",
                f"the table `{entry.table}` is not writable",
                {"table": entry.table},
                index,
            )
        data = entry.op_data or {}
        for column in data:
            if column not in table.columns or column == "id":
                raise Fatal(
                    "SCHEMA_MISMATCH",
                    f"the table `{table.name}` has no writable column `{column}`",
                    {"table": table.name, "column": column},
                    index,
                )
        names = list(data)
        values = [as_text(data[name]) for name in names]

        def cast(column: str) -> sql.Composable:
            return sql.SQL("%s::text::{}").format(sql.SQL(table.columns[column]))

        target, key = sql.Identifier(table.name), sql.Identifier("id")
        statement: sql.Composable
        if entry.op == "PUT":
            columns = sql.SQL(", ").join(sql.Identifier(n) for n in ["id", *names])
            update = sql.SQL(", ").join(
                sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(n), sql.Identifier(n))
                for n in names
            )
            statement = sql.SQL(
                "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO {}"
            ).format(
                target,
                columns,
                sql.SQL(", ").join(cast(n) for n in ["id", *names]),
                key,
                sql.SQL("UPDATE SET {}").format(update)
                if names
                else sql.SQL("NOTHING"),
            )
            await conn.execute(statement, [entry.id, *values])
        elif entry.op == "PATCH":
            if not names:
                return
            assignments = sql.SQL(", ").join(
                sql.SQL("{} = {}").format(sql.Identifier(n), cast(n)) for n in names
            )
            statement = sql.SQL("UPDATE {} SET {} WHERE {} = {}").format(
                target, assignments, key, cast("id")
            )
            await conn.execute(statement, [*values, entry.id])
        else:
            statement = sql.SQL("DELETE FROM {} WHERE {} = {}").format(
                target, key, cast("id")
            )
            await conn.execute(statement, [entry.id])

    async def replayed(
        self,
        conn: psycopg.AsyncConnection[Any],
        subject: str,
        client_id: str | None,
        key: int,
    ) -> TransactionResult:
        """A transaction seen before: the same fatal answer if it was kept, else success."""
        row = await (
            await conn.execute(KEPT_BEFORE, (client_id, key, subject))
        ).fetchone()
        if row is None:
            return TransactionSuccess(duplicate=True)
        letter_id, code, message, details, index = row
        return fatal(letter_id, Fatal(code, message, details, index))

    async def keep(
        self,
        subject: str,
        client_id: str | None,
        key: int | None,
        raw: Any,
        failure: Fatal,
    ) -> TransactionResult:
        """Stores a failed transaction as a dead letter, in its own database transaction,
        and advances the ledger past it; if that fails, the client retries instead."""
        try:
            async with self.pool.connection() as conn, conn.transaction():
                if key is not None and client_id is not None:
                    claimed = await conn.execute(CLAIM, (subject, client_id, key))
                    if claimed.rowcount == 0:
                        return await self.replayed(conn, subject, client_id, key)
                params = (
                    subject,
                    client_id,
                    key,
                    failure.code,
                    failure.message,
                    Jsonb(failure.details),
                    failure.index,
                    Jsonb(raw),
                )
                row = await (await conn.execute(KEEP, params)).fetchone()
                assert row is not None
                return fatal(row[0], failure)
        except (psycopg.Error, PoolTimeout) as error:
            return retryable(
                f"the transaction failed ({failure.code}) and could not be kept ({error})"
            )


def fatal(letter_id: str, failure: Fatal) -> TransactionResult:
    return TransactionFatalError(
        requires_client_handling=False,
        dead_letter_id=letter_id,
        failed_operation=FailedOperation(
            error_code=failure.code,
            message=failure.message,
            details=failure.details,
            operation_index=failure.index if failure.index is not None else 0,
        ),
    )


def retryable(message: str) -> TransactionResult:
    return TransactionRetryableError(message=message, retry_after_ms=RETRY_AFTER_MS)


class Handler(PowerSyncWriteApiHandler[str]):
    """The generated handler interface, implemented on `Backend`; the principal
    is the user (`sub`)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.backend: Backend | None = None

    async def authenticate(
        self, credentials: Credentials, request: Request
    ) -> str | None:
        """The user of a valid token; `None` refuses the request (401)."""
        try:
            claims = jwt.decode(
                credentials.secret,
                self.secret,
                algorithms=["HS256"],
                options={"require": ["sub", "exp"]},
                leeway=30,
            )
        except jwt.InvalidTokenError:
            return None
        subject = claims["sub"]
        return subject if isinstance(subject, str) and subject else None

    async def upload_data(
        self, request: ops.UploadDataReceivedRequest, context: AuthenticatedContext[str]
    ) -> ops.UploadDataResponse:
        assert self.backend is not None, "the app's lifespan has not started"
        body = request.body
        results = await self.backend.upload(
            context.principal, body.client_id, body.transactions
        )
        return ops.UploadData200(body=WriteBatchResponse(results=results))

    async def health(self, context: RequestContext) -> ops.HealthResponse:
        return ops.Health200(body=HealthStatus(status="ok"))

    async def ready(self, context: RequestContext) -> ops.ReadyResponse:
        try:
            assert self.backend is not None, "the app's lifespan has not started"
            async with self.backend.pool.connection(timeout=2) as conn:
                await conn.execute("SELECT 1")
        except (AssertionError, psycopg.Error, PoolTimeout) as error:
            message = f"the database is not reachable: {error}"
            return ops.Ready503(body=ErrorResponse(code="NOT_READY", message=message))
        return ops.Ready200(body=HealthStatus(status="ok"))


handler = Handler(os.environ.get("JWT_SECRET", ""))


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    if not handler.secret:
        raise RuntimeError(
            "set JWT_SECRET to the secret your PowerSync tokens are signed with"
        )
    names = [
        name.strip()
        for name in os.environ.get("WRITE_TABLES", "").split(",")
        if name.strip()
    ]
    if not names:
        raise RuntimeError(
            "set WRITE_TABLES to the tables clients may write, e.g. lists,todos"
        )
    async with AsyncConnectionPool(
        os.environ["DATABASE_URL"], min_size=2, max_size=16, open=False
    ) as pool:
        await pool.open(wait=True)
        async with pool.connection() as conn:
            async with conn.transaction():
                await conn.execute(SETUP)
            tables = await Backend.load_tables(conn, names)
        handler.backend = Backend(pool, tables)
        yield


app = FastAPI(lifespan=lifespan)
app.include_router(router(create_core(handler)))
