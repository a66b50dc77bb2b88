"""The validator interpreter on a small schema table of its own: every keyword,
the path syntax, the cap and the walk order."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from support import validator
from support.validator import MAX_VIOLATIONS, Invalid, Valid, check_items, validate

TABLE: dict[str, Any] = {
    "Item": {
        "type": "object",
        "properties": {
            "name": {
                "schema": {"type": "string", "minLength": 2, "maxLength": 3},
                "required": True,
            },
            "count": {
                "schema": {
                    "type": "integer",
                    "format": "int32",
                    "minimum": {"value": 0, "exclusive": True},
                    "maximum": {"value": 10, "exclusive": False},
                },
                "required": False,
            },
            "it's": {"schema": {"type": "boolean"}, "required": False},
            "tags": {
                "schema": {
                    "type": "array",
                    "items": {"type": "any"},
                    "uniqueItems": True,
                    "maxItems": 3,
                },
                "required": False,
            },
            "code": {
                "schema": {"type": "string", "pattern": "^[A-Z]\\d$", "nullable": True},
                "required": False,
            },
        },
    },
    "Kind": {"type": "integer", "format": "int64", "enum": [1, 2]},
    "Extra": {
        "type": "object",
        "properties": {},
        "additionalProperties": {"type": "number"},
    },
    "Shape": {
        "type": "union",
        "discriminator": "kind",
        "mapping": {"circle": "Circle"},
    },
    "Circle": {
        "type": "object",
        "properties": {
            "kind": {
                "schema": {"type": "string", "enum": ["circle"]},
                "required": True,
            },
            "r": {"schema": {"type": "number"}, "required": True},
        },
    },
    "Many": {"type": "array", "items": {"type": "ref", "name": "Item"}},
}


@pytest.fixture(autouse=True)
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def schemas() -> Mapping[str, Any]:
        return TABLE

    monkeypatch.setattr(validator, "schemas", schemas)
    yield


def pairs(schema: str, value: Any) -> list[tuple[str, str]]:
    return [(v.path, v.keyword) for v in validate(schema, value).listed]


def test_a_valid_value_has_no_violation() -> None:
    value = {
        "name": "ab",
        "count": 10,
        "it's": True,
        "tags": [1, "1", True],
        "code": None,
    }
    assert validate("Item", value).valid


def test_each_keyword_is_reported_at_its_path() -> None:
    value = {"name": "a", "count": 0, "it's": 1, "tags": [1, 2, 1, 4], "code": "a1"}
    assert pairs("Item", value) == [
        ("$.name", "minLength"),
        ("$.count", "minimum"),
        ("$['it\\'s']", "type"),
        ("$.tags", "maxItems"),
        ("$.tags", "uniqueItems"),
        ("$.code", "pattern"),
    ]
    assert pairs("Item", {"count": 2**31}) == [
        ("$.name", "required"),
        ("$.count", "format"),
        ("$.count", "maximum"),
    ]
    assert pairs("Item", {"name": "abcd", "count": 11}) == [
        ("$.name", "maxLength"),
        ("$.count", "maximum"),
    ]


def test_lengths_count_code_points_and_patterns_are_ascii() -> None:
    assert validate("Item", {"name": "😀😀"}).valid
    assert pairs("Item", {"name": "ab", "code": "A٣"}) == [("$.code", "pattern")]


def test_integers_are_numbers_without_fraction_and_never_booleans() -> None:
    assert pairs("Kind", 1.0) == [("$", "type")]
    assert pairs("Kind", True) == [("$", "type")]
    assert pairs("Kind", 3) == [("$", "enum")]
    assert validate("Kind", 2).valid


def test_unique_items_compares_json_values() -> None:
    assert validate("Item", {"name": "ab", "tags": [1, True]}).valid
    assert validate(
        "Item", {"name": "ab", "tags": [{"a": 1, "b": 2}, {"b": 2, "a": 1.5}]}
    ).valid
    assert pairs(
        "Item", {"name": "ab", "tags": [{"a": 1, "b": [2]}, {"b": [2], "a": 1}]}
    ) == [("$.tags", "uniqueItems")]


def test_additional_properties_are_checked_in_the_values_order() -> None:
    assert pairs("Extra", {"b": "x", "a": 1, "c": None}) == [
        ("$.b", "type"),
        ("$.c", "type"),
    ]


def test_a_union_selects_its_variant_by_the_tag() -> None:
    assert validate("Shape", {"kind": "circle", "r": 1}).valid
    assert pairs("Shape", {"r": 1}) == [("$.kind", "required")]
    assert pairs("Shape", {"kind": 1}) == [("$.kind", "type")]
    assert pairs("Shape", {"kind": "square", "r": "x"}) == [("$.kind", "discriminator")]
    assert pairs("Shape", {"kind": "circle"}) == [("$.r", "required")]
    assert pairs("Shape", []) == [("$", "type")]


def test_past_the_cap_violations_are_only_counted() -> None:
    found = validate("Many", [{} for _ in range(MAX_VIOLATIONS + 5)])
    assert len(found.listed) == MAX_VIOLATIONS
    assert found.omitted == 5
    assert found.listed[-1].path == f"$[{MAX_VIOLATIONS - 1}].name"


def test_items_are_checked_one_by_one_with_paths_from_the_root() -> None:
    checked = check_items(
        {"type": "ref", "name": "Item"}, [{"name": "ab"}, {"name": 1}], "$.items"
    )
    assert isinstance(checked[0], Valid) and checked[0].value == {"name": "ab"}
    assert isinstance(checked[1], Invalid)
    assert [(v.path, v.keyword) for v in checked[1].violations] == [
        ("$.items[1].name", "type")
    ]
    assert checked[1].value == {"name": 1} and checked[1].violations_omitted == 0
