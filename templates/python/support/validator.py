"""Validation of raw JSON values against the spec's schemas.

Each violation is reported with its path in the value (`$.transactions[0].crud[2].op`)
and the JSON Schema keyword that failed, as every language of this project reports
them. Nothing below a `type` violation is checked. A validation lists at most
`MAX_VIOLATIONS` violations, the first ones found while walking the value in schema
order, and only counts the others: an invalid value of any size gives a bounded
report.

The schemas are the package's `schemas.json`, the table every language's validator
shares. A value is what `json.loads` returns: `dict`, `list`, `str`, `int`, `float`,
`bool` or `None`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Generic, Literal, TypeAlias, TypeVar

MAX_VIOLATIONS = 100
"""The most violations one validation lists; it only counts the ones after them.

The same in every language this project generates."""

Schema: TypeAlias = Mapping[str, Any]
"""A schema as the validator walks it: an entry of `schemas.json` or a part of one."""

T = TypeVar("T")


@dataclass(frozen=True)
class Violation:
    """One problem found in a value."""

    path: str
    """Where: `$` is the value itself, `.name` a property, `[i]` an array element."""
    keyword: str
    """The schema keyword that failed (`type`, `required`, `enum`, ...)."""
    message: str
    """What is wrong, for people."""

    def to_json(self) -> dict[str, str]:
        """The violation as JSON: `{path, keyword, message}`."""
        return {"path": self.path, "keyword": self.keyword, "message": self.message}


@dataclass
class Violations:
    """What a validation found."""

    listed: list[Violation] = field(default_factory=list)
    """The first `MAX_VIOLATIONS` violations at most, in the order found."""
    omitted: int = 0
    """How many violations were found beyond `listed`."""

    @property
    def valid(self) -> bool:
        """Whether no violation was found."""
        return not self.listed

    def add(self, make: Callable[[], Violation]) -> None:
        """Records a violation: listed while fewer than `MAX_VIOLATIONS` are, else
        only counted. `make` runs only when the violation is listed."""
        if len(self.listed) < MAX_VIOLATIONS:
            self.listed.append(make())
        else:
            self.omitted += 1


@dataclass(frozen=True)
class Valid(Generic[T]):
    """An item of an `x-per-item-validation` array that matches its schema."""

    value: T
    valid: Literal[True] = True


@dataclass(frozen=True)
class Invalid:
    """An item of an `x-per-item-validation` array that does not match its schema:
    its JSON as received, and its violations (paths from the request body's root,
    the first `MAX_VIOLATIONS` listed, `violations_omitted` more counted)."""

    value: Any
    violations: list[Violation]
    violations_omitted: int
    valid: Literal[False] = False


Checked: TypeAlias = Valid[T] | Invalid
"""An item a server validated on its own: valid and typed, or invalid as received."""


@cache
def schemas() -> Mapping[str, Schema]:
    """Every named schema of the spec, by name (the package's `schemas.json`)."""
    text = (
        resources.files(__package__ or __name__)
        .joinpath("schemas.json")
        .read_text("utf-8")
    )
    table: dict[str, Schema] = json.loads(text)
    return table


def resolve(schema: Schema) -> Schema:
    """`schema`, or the named schema it refers to (followed to the end)."""
    resolved = schema
    while resolved.get("type") == "ref":
        resolved = schemas()[resolved["name"]]
    return resolved


def validate(name: str, value: Any) -> Violations:
    """Validates `value` against the named schema; nothing listed means valid."""
    return validate_value(schemas()[name], value)


def validate_value(
    schema: Schema, value: Any, path: str = "$", into: Violations | None = None
) -> Violations:
    """Validates `value` against a schema, reporting paths from `path`, and adds the
    violations to `into` (a new one by default), which it returns."""
    out = Violations() if into is None else into
    _check(schema, value, path, out, False)
    return out


def validate_envelope(
    schema: Schema, value: Any, path: str = "$", into: Violations | None = None
) -> Violations:
    """Validates `value` without the items of its `x-per-item-validation` arrays:
    what can make a request `400` when those items are validated one by one."""
    out = Violations() if into is None else into
    _check(schema, value, path, out, True)
    return out


def per_item_arrays(schema: Schema) -> list[tuple[str, Schema]]:
    """The `x-per-item-validation` arrays of a body schema: each property's name
    and its items' schema."""
    resolved = resolve(schema)
    if resolved.get("type") != "object":
        return []
    found: list[tuple[str, Schema]] = []
    for name, prop in resolved["properties"].items():
        inner = prop["schema"]
        if inner.get("type") == "array" and inner.get("perItem") is True:
            found.append((name, inner["items"]))
    return found


def check_items(items: Schema, values: Sequence[Any], path: str) -> list[Checked[Any]]:
    """Validates each item of an `x-per-item-validation` array on its own, with
    paths from `path`, the array's own path."""
    checked: list[Checked[Any]] = []
    for index, value in enumerate(values):
        found = validate_value(items, value, f"{path}[{index}]")
        if found.valid:
            checked.append(Valid(value))
        else:
            checked.append(Invalid(value, found.listed, found.omitted))
    return checked


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def property_path(path: str, name: str) -> str:
    """The path of property `name` below `path`."""
    if _IDENTIFIER.fullmatch(name):
        return f"{path}.{name}"
    escaped = name.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{escaped}']"


def type_of(value: Any) -> str:
    """The JSON type of a parsed value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _type_violation(out: Violations, path: str, expected: str, value: Any) -> None:
    out.add(
        lambda: Violation(path, "type", f"expected {expected}, found {type_of(value)}")
    )


def _check(
    schema: Schema, value: Any, path: str, out: Violations, envelope: bool
) -> None:
    kind = schema.get("type")
    if kind == "any":
        return
    if value is None and schema.get("nullable") is True:
        return
    if kind == "ref":
        _check(schemas()[schema["name"]], value, path, out, envelope)
    elif kind == "boolean":
        if not isinstance(value, bool):
            _type_violation(out, path, "boolean", value)
    elif kind == "integer":
        _check_integer(schema, value, path, out)
    elif kind == "number":
        if not _is_number(value):
            _type_violation(out, path, "number", value)
        elif "enum" in schema:
            _check_enum(schema["enum"], value, path, out)
        else:
            _check_bounds(schema, value, path, out)
    elif kind == "string":
        _check_string(schema, value, path, out)
    elif kind == "array":
        _check_array(schema, value, path, out, envelope)
    elif kind == "map":
        if not isinstance(value, dict):
            _type_violation(out, path, "object", value)
            return
        for name, item in value.items():
            _check(schema["values"], item, property_path(path, name), out, envelope)
    elif kind == "object":
        _check_object(schema, value, path, out, envelope)
    elif kind == "union":
        _check_union(schema, value, path, out, envelope)


def _check_bounds(
    schema: Schema, value: int | float, path: str, out: Violations
) -> None:
    minimum = schema.get("minimum")
    if minimum is not None:
        bound = minimum["value"]
        exclusive = minimum["exclusive"]
        if value < bound or (exclusive and value == bound):
            op = ">" if exclusive else ">="
            out.add(lambda: Violation(path, "minimum", f"must be {op} {bound}"))
    maximum = schema.get("maximum")
    if maximum is not None:
        bound_max = maximum["value"]
        exclusive_max = maximum["exclusive"]
        if value > bound_max or (exclusive_max and value == bound_max):
            op_max = "<" if exclusive_max else "<="
            out.add(lambda: Violation(path, "maximum", f"must be {op_max} {bound_max}"))


_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _check_integer(schema: Schema, value: Any, path: str, out: Violations) -> None:
    # An integer is a JSON number without fraction or exponent: `json.loads` gives
    # an `int` for exactly those.
    if isinstance(value, bool) or not isinstance(value, int):
        _type_violation(out, path, "integer", value)
        return
    if "enum" in schema:
        _check_enum(schema["enum"], value, path, out)
        return
    fmt = schema.get("format", "int64")
    low, high = _INT_RANGES.get(fmt, _INT_RANGES["int64"])
    if value < low or value > high:
        out.add(lambda: Violation(path, "format", f"is outside the {fmt} range"))
    _check_bounds(schema, value, path, out)


def _check_enum(allowed: Sequence[Any], value: Any, path: str, out: Violations) -> None:
    # Strings compare exactly; numbers as numbers (`1.0` is `1`), never a bool.
    if not any(type(a) is not bool and a == value for a in allowed):
        listed = ", ".join(str(a) for a in allowed)
        out.add(lambda: Violation(path, "enum", f"must be one of {listed}"))


@cache
def _pattern(source: str) -> re.Pattern[str]:
    # ECMA 262 `\d`, `\w` and `\b` are ASCII-only; so are they here.
    return re.compile(source, re.ASCII)


def _check_string(schema: Schema, value: Any, path: str, out: Violations) -> None:
    if not isinstance(value, str):
        _type_violation(out, path, "string", value)
        return
    if "enum" in schema:
        _check_enum(schema["enum"], value, path, out)
    # `len` counts Unicode code points, as the rules ask.
    length = len(value)
    min_length = schema.get("minLength")
    if min_length is not None and length < min_length:
        out.add(
            lambda: Violation(
                path, "minLength", f"must be at least {min_length} characters long"
            )
        )
    max_length = schema.get("maxLength")
    if max_length is not None and length > max_length:
        out.add(
            lambda: Violation(
                path, "maxLength", f"must be at most {max_length} characters long"
            )
        )
    pattern = schema.get("pattern")
    if pattern is not None and _pattern(pattern).search(value) is None:
        out.add(
            lambda: Violation(path, "pattern", f"must match the pattern `{pattern}`")
        )


def _check_array(
    schema: Schema, value: Any, path: str, out: Violations, envelope: bool
) -> None:
    if not isinstance(value, list):
        _type_violation(out, path, "array", value)
        return
    min_items = schema.get("minItems")
    if min_items is not None and len(value) < min_items:
        out.add(
            lambda: Violation(path, "minItems", f"must have at least {min_items} items")
        )
    max_items = schema.get("maxItems")
    if max_items is not None and len(value) > max_items:
        out.add(
            lambda: Violation(path, "maxItems", f"must have at most {max_items} items")
        )
    if schema.get("uniqueItems") is True and _has_duplicates(value):
        out.add(lambda: Violation(path, "uniqueItems", "items must be unique"))
    if envelope and schema.get("perItem") is True:
        return
    items = schema["items"]
    for index, item in enumerate(value):
        _check(items, item, f"{path}[{index}]", out, envelope)


def _check_object(
    schema: Schema, value: Any, path: str, out: Violations, envelope: bool
) -> None:
    if not isinstance(value, dict):
        _type_violation(out, path, "object", value)
        return
    properties: Mapping[str, Any] = schema["properties"]
    for name, prop in properties.items():
        at = property_path(path, name)
        if name in value:
            _check(prop["schema"], value[name], at, out, envelope)
        elif prop["required"]:
            out.add(_required(at, name))
    extra = schema.get("additionalProperties")
    if extra is not None:
        for name, item in value.items():
            if name not in properties:
                _check(extra, item, property_path(path, name), out, envelope)


def _required(path: str, name: str) -> Callable[[], Violation]:
    return lambda: Violation(path, "required", f"the property `{name}` is required")


def _check_union(
    schema: Schema, value: Any, path: str, out: Violations, envelope: bool
) -> None:
    if not isinstance(value, dict):
        _type_violation(out, path, "object", value)
        return
    discriminator: str = schema["discriminator"]
    tag_path = property_path(path, discriminator)
    if discriminator not in value:
        out.add(
            lambda: Violation(
                tag_path, "required", f"the property `{discriminator}` is required"
            )
        )
        return
    tag = value[discriminator]
    if not isinstance(tag, str):
        _type_violation(out, tag_path, "string", tag)
        return
    mapping: Mapping[str, str] = schema["mapping"]
    variant = mapping.get(tag)
    if variant is None:
        listed = ", ".join(mapping)
        out.add(
            lambda: Violation(tag_path, "discriminator", f"must be one of {listed}")
        )
        return
    _check(schemas()[variant], value, path, out, envelope)


def _has_duplicates(items: Sequence[Any]) -> bool:
    return any(_json_equal(a, b) for i, a in enumerate(items) for b in items[i + 1 :])


def _json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: `true` is not `1`, objects compare by their
    properties in any order."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) or isinstance(b, list):
        return (
            isinstance(a, list)
            and isinstance(b, list)
            and len(a) == len(b)
            and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, dict) or isinstance(b, dict):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and a.keys() == b.keys()
            and all(_json_equal(a[k], b[k]) for k in a)
        )
    return bool(a == b)
