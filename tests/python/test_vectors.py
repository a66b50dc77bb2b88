"""Every validation vector of `tests/vectors` through the generated package: the
validator lists exactly the vector's (path, keyword) pairs (as multisets) and its
omitted count, and a valid value decodes into its model and encodes back without
losing anything the schema knows about."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from pydantic import TypeAdapter

from conftest import vectors
from powersync_write_api import MAX_VIOLATIONS, models, validate
from powersync_write_api.serve import to_json_value
from powersync_write_api.validator import Schema, resolve, schemas

CASES = vectors()


def test_there_are_vectors_of_every_kind() -> None:
    names = [name for name, _ in CASES]
    assert len(names) > 80
    assert any("/valid-" in n for n in names) and any("/invalid-" in n for n in names)


@pytest.mark.parametrize(("name", "case"), CASES, ids=[n for n, _ in CASES])
def test_the_validator_lists_the_vectors_violations(
    name: str, case: dict[str, Any]
) -> None:
    found = validate(case["schema"], case["value"])
    listed = Counter((v.path, v.keyword) for v in found.listed)
    expected = Counter((e["path"], e["keyword"]) for e in case["errors"])
    assert listed == expected, name
    assert found.omitted == case.get("omitted", 0), name
    assert len(found.listed) <= MAX_VIOLATIONS
    assert all(v.message for v in found.listed)


def known(schema: Schema, value: Any) -> Any:
    """`value` with what the schema does not name left out (unknown properties of
    objects whose schema lists its properties)."""
    schema = resolve(schema)
    kind = schema.get("type")
    if value is None:
        return None
    if kind == "array":
        return [known(schema["items"], item) for item in value]
    if kind == "map":
        return {k: known(schema["values"], v) for k, v in value.items()}
    if kind == "union":
        variant = schemas()[schema["mapping"][value[schema["discriminator"]]]]
        return known(variant, value)
    if kind == "object":
        properties = schema["properties"]
        kept = {
            k: known(properties[k]["schema"], v)
            for k, v in value.items()
            if k in properties
        }
        if "additionalProperties" in schema:
            extra = schema["additionalProperties"]
            kept.update(
                {k: known(extra, v) for k, v in value.items() if k not in properties}
            )
        return kept
    return value


VALID = [(n, c) for n, c in CASES if not c["errors"]]


def test_there_are_valid_vectors_of_every_schema() -> None:
    # The parametrized round trip below would be skipped, not failed, if none were found.
    assert len(VALID) >= 30, f"only {len(VALID)} valid vectors"
    assert {c["schema"] for _, c in VALID} == {c["schema"] for _, c in CASES}


@pytest.mark.parametrize(("name", "case"), VALID, ids=[n for n, _ in VALID])
def test_a_valid_value_survives_its_model(name: str, case: dict[str, Any]) -> None:
    model = getattr(models, case["schema"])
    decoded = TypeAdapter(model).validate_python(case["value"])
    encoded = to_json_value(decoded)
    assert encoded == known(schemas()[case["schema"]], case["value"]), name


def test_optional_and_nullable_are_kept_apart() -> None:
    entry = models.CrudEntry(op="DELETE", table="todos", id="t1")
    assert entry.to_json_value() == {"op": "DELETE", "table": "todos", "id": "t1"}
    # Nullable: an explicit None is sent as null; optional only: never sent as null.
    entry = models.CrudEntry(
        op="DELETE", table="todos", id="t1", op_data=None, op_id=None
    )
    assert entry.to_json_value() == {
        "op": "DELETE",
        "table": "todos",
        "id": "t1",
        "op_data": None,
    }
    read = models.CrudEntry.model_validate(
        {"op": "PUT", "table": "t", "id": "1", "op_data": None}
    )
    assert "op_data" in read.model_fields_set and read.op_data is None
    assert read.to_json_value()["op_data"] is None


def test_the_result_union_is_discriminated_on_status() -> None:
    reply = models.WriteBatchResponse.model_validate(
        {
            "results": [
                {"status": "success", "write_checkpoint": "7", "extra": 1},
                {"status": "not_attempted"},
                {
                    "status": "fatal_error",
                    "requires_client_handling": False,
                    "failed_operation": {"error_code": "X", "message": "m"},
                },
            ]
        }
    )
    kinds = [type(r) for r in reply.results]
    assert kinds == [
        models.TransactionSuccess,
        models.TransactionNotAttempted,
        models.TransactionFatalError,
    ]
    assert reply.to_json_value()["results"][0] == {
        "status": "success",
        "write_checkpoint": "7",
    }
