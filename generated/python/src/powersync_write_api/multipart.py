# Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
"""`multipart/form-data` (RFC 7578) on the standard library: a strict reader of a
whole body for the server core and a writer for the clients.

The reader takes the body as bytes (the core has already held it to its size
limit) and refuses anything it cannot read unambiguously with `MultipartError`,
whose message says what is wrong: no boundary, no opening or closing boundary, a
part whose headers do not end or that has no `Content-Disposition: form-data`
with a `name`. Header parameters are read by the `email` package."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value

from .wire import File


class MultipartError(ValueError):
    """A multipart body that cannot be read: the message says why."""


@dataclass(frozen=True)
class Part:
    """One part of a multipart body: its field name, its file name and media type
    (when sent) and its bytes."""

    name: str
    filename: str | None
    content_type: str | None
    content: bytes

    def text(self) -> str:
        """The part's bytes as text (UTF-8, an invalid sequence replaced)."""
        return self.content.decode("utf-8", "replace")

    def file(self) -> File:
        """The part as a file (`application/octet-stream` when it has no type)."""
        return File(
            self.content,
            self.filename,
            self.content_type or "application/octet-stream",
        )


def _param(header: str, value: str, name: str) -> str | None:
    """The parameter `name` of a header's value (quoted or RFC 2231), if any."""
    message = Message()
    message[header] = value
    found = message.get_param(name, header=header)
    if found is None or isinstance(found, str):
        return found
    return collapse_rfc2231_value(found)


def boundary_of(content_type: str) -> str:
    """The boundary of a `multipart/form-data` content type."""
    boundary = _param("content-type", content_type, "boundary")
    if not boundary:
        raise MultipartError("the content type has no `boundary` parameter")
    if len(boundary) > 70:
        raise MultipartError("the boundary is longer than 70 characters")
    return boundary


def parse(content_type: str, body: bytes) -> list[Part]:
    """The parts of a multipart body sent with `content_type`, in order."""
    boundary = boundary_of(content_type)
    delimiter = b"--" + boundary.encode("utf-8")
    next_delimiter = b"\r\n" + delimiter
    if body.startswith(delimiter):
        position = len(delimiter)
    else:
        # A preamble before the first boundary is allowed, and ignored.
        found = body.find(next_delimiter)
        if found < 0:
            raise MultipartError(
                f"the boundary `{boundary}` does not occur in the body"
            )
        position = found + len(next_delimiter)
    parts: list[Part] = []
    while True:
        if body.startswith(b"--", position):
            return parts  # the closing boundary; an epilogue is ignored
        while body[position : position + 1] in (b" ", b"\t"):
            position += 1
        if not body.startswith(b"\r\n", position):
            raise MultipartError("a boundary is not followed by a line break")
        position += 2
        end = body.find(next_delimiter, position)
        if end < 0:
            raise MultipartError(
                f"a part does not end with the boundary; the closing `--{boundary}--` "
                "is missing"
            )
        parts.append(_part(body[position:end]))
        position = end + len(next_delimiter)


def _part(raw: bytes) -> Part:
    if raw.startswith(b"\r\n"):
        head, content = b"", raw[2:]
    else:
        split = raw.find(b"\r\n\r\n")
        if split < 0:
            raise MultipartError("a part's headers do not end with an empty line")
        head, content = raw[:split], raw[split + 4 :]
    headers: dict[str, str] = {}
    last: str | None = None
    for line in head.decode("utf-8", "replace").split("\r\n") if head else []:
        if line[:1] in (" ", "\t") and last is not None:
            headers[last] += " " + line.strip()  # a folded line continues the last
            continue
        key, colon, value = line.partition(":")
        if not colon or not key.strip():
            raise MultipartError(
                f"a part's header line `{line[:60]}` is not `Name: value`"
            )
        last = key.strip().lower()
        headers[last] = value.strip()
    disposition = headers.get("content-disposition")
    if disposition is None:
        raise MultipartError("a part has no `Content-Disposition` header")
    if disposition.split(";")[0].strip().lower() != "form-data":
        raise MultipartError(
            f"a part's `Content-Disposition` is not form-data: `{disposition}`"
        )
    field = _param("content-disposition", disposition, "name")
    if field is None:
        raise MultipartError("a part's `Content-Disposition` has no `name`")
    filename = _param("content-disposition", disposition, "filename")
    return Part(field, filename, headers.get("content-type"), content)


def _quoted(text: str) -> str:
    """A name or file name inside a quoted header parameter, as browsers write it."""
    return text.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def encode(fields: list[tuple[str, str | File]]) -> tuple[str, bytes]:
    """A multipart body of `fields` (text, or a file sent as a file part named
    after its field when it has no name) and its content type."""
    contents = [value.content for _, value in fields if isinstance(value, File)]
    while True:
        boundary = "----python-" + secrets.token_hex(16)
        delimiter = boundary.encode("ascii")
        if not any(delimiter in content for content in contents):
            break
    chunks: list[bytes] = []
    for name, value in fields:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"'
        if isinstance(value, File):
            filename = value.filename if value.filename is not None else name
            head += (
                f'; filename="{_quoted(filename)}"\r\nContent-Type: {value.media_type}'
            )
            content = value.content
        else:
            content = value.encode("utf-8")
        chunks.append(head.encode("utf-8") + b"\r\n\r\n" + content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode("ascii"))
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)
