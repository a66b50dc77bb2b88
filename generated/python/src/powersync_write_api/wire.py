# Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
"""The base class of the generated models: pydantic v2 models that read the spec's
JSON (its property names, unknown properties ignored) and write it back keeping
optional and nullable apart: an optional property that was never set is not sent,
and `None` is sent as `null` only where the schema is nullable. Also `File`, the
type of a multipart body's file properties."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
)


@dataclass(frozen=True)
class File:
    """A file of a `multipart/form-data` body: its bytes, the file name it was sent
    with (if any) and its media type. The client sends one without a name under
    its property's name."""

    content: bytes
    filename: str | None = None
    media_type: str = "application/octet-stream"


class WireModel(BaseModel):
    """A model of the spec. Construct it with the Python names (`client_id=...`);
    `model_validate` reads the spec's JSON and `to_json_value` writes it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    wire_optional: ClassVar[frozenset[str]] = frozenset()
    """The Python names of the fields the schema does not require."""
    wire_nullable: ClassVar[frozenset[str]] = frozenset()
    """The Python names of the fields whose schema is nullable."""

    @model_serializer(mode="wrap")
    def _leave_out_unset(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        data = handler(self)
        if not isinstance(data, dict):
            return data
        fields = type(self).model_fields
        for name in self.wire_optional:
            value = getattr(self, name, None)
            if name in self.model_fields_set and (
                value is not None or name in self.wire_nullable
            ):
                continue
            field = fields[name]
            key = (field.serialization_alias or name) if info.by_alias else name
            data.pop(key, None)
        return data

    def to_json_value(self) -> Any:
        """The model as the spec's JSON data (dicts, lists, scalars)."""
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self) -> str:
        """The model as the spec's JSON text."""
        return self.model_dump_json(by_alias=True)
