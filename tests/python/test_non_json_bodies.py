"""Bodies that are not JSON, on the package generated from the `non_json_bodies`
feature fixture: the clients (sync through the core, async through the ASGI app)
in a form, a multipart upload with files, raw bytes and text; 415 for another
media type, 400 with the violations' paths for invalid fields (as for a JSON
body), 400 for malformed multipart or text that is not UTF-8, 413 over the body
limit."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import httpx
import pytest

from conftest import ROOT

sys.path.insert(
    0, str(ROOT / "generator/tests/fixtures/features/non_json_bodies/python/src")
)

from feature_non_json_bodies import (  # noqa: E402
    File,
    NonJsonBodiesHandler,
    Options,
    Request,
    RequestContext,
    create_asgi_app,
    create_core,
    models,
)
from feature_non_json_bodies import operations as ops  # noqa: E402
from feature_non_json_bodies.client import (  # noqa: E402
    AsyncNonJsonBodiesClient,
    InvalidResponse,
    NonJsonBodiesClient,
)
from feature_non_json_bodies.multipart import (  # noqa: E402
    MultipartError,
    encode,
    parse,
)

PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0xFF])
"""The first bytes of a PNG file: not UTF-8."""

FORM = "application/x-www-form-urlencoded"


class Recorder(NonJsonBodiesHandler):
    """Records what reaches the implementation, and answers from it."""

    def __init__(self) -> None:
        self.profiles: list[models.Profile] = []
        self.uploads: list[models.UploadRequestModel] = []
        self.notes: list[str | None] = []
        self.blobs: list[tuple[str, bytes]] = []

    async def save_profile(
        self, request: ops.SaveProfileRequest, context: RequestContext
    ) -> ops.SaveProfileResponse:
        self.profiles.append(request.body)
        return ops.SaveProfile200(body=request.body)

    async def upload(
        self, request: ops.UploadRequest, context: RequestContext
    ) -> ops.UploadResponse:
        body = request.body
        self.uploads.append(body)
        received = models.Received(
            file_size=len(body.file.content),
            file_type=body.file.media_type,
            file_name=body.file.filename,
            attachments=[len(f.content) for f in body.attachments or []],
            count=body.count,
        )
        if body.description is not None:
            received.description = body.description
        if body.labels is not None:
            received.labels = body.labels
        return ops.Upload201(body=received)

    async def get_blob_preview(
        self, request: ops.GetBlobPreviewRequest, context: RequestContext
    ) -> ops.GetBlobPreviewResponse:
        if request.name == "logo":
            return ops.GetBlobPreview200(body=PNG)
        return ops.GetBlobPreview404(body=f"no blob called {request.name} (ü)")

    async def put_blob(
        self, request: ops.PutBlobRequest, context: RequestContext
    ) -> ops.PutBlobResponse:
        self.blobs.append((request.name, request.body))
        return ops.PutBlob200(body=request.body)

    async def add_note(
        self, request: ops.AddNoteRequest, context: RequestContext
    ) -> ops.AddNoteResponse:
        self.notes.append(request.body)
        return ops.AddNote200(body=(request.body or "").upper())

    async def add_pet(
        self, request: ops.AddPetRequest, context: RequestContext
    ) -> ops.AddPetResponse:
        return ops.AddPet200(body=request.body)


def sync_client(recorder: Recorder, limit: int = 64 * 1024) -> NonJsonBodiesClient:
    """A sync client whose requests the core answers."""
    core = create_core(recorder, Options(body_limit=limit))

    def reply(request: httpx.Request) -> httpx.Response:
        answer = asyncio.run(
            core.handle(
                Request(
                    request.method,
                    request.url.raw_path.decode("ascii").split("?")[0],
                    request.url.query.decode("ascii"),
                    {k.lower(): v for k, v in request.headers.items()},
                    request.read(),
                )
            )
        )
        return httpx.Response(
            answer.status, headers=answer.headers, content=answer.body
        )

    return NonJsonBodiesClient(
        "http://api.test", http=httpx.Client(transport=httpx.MockTransport(reply))
    )


def send(
    path: str,
    content_type: str | None,
    body: bytes | str,
    method: str = "POST",
    limit: int = 64 * 1024,
    recorder: Recorder | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """A raw request through the ASGI app: status, headers, body."""
    app = create_asgi_app(recorder or Recorder(), Options(body_limit=limit))
    headers = {} if content_type is None else {"content-type": content_type}
    content = body.encode("utf-8") if isinstance(body, str) else body

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://api.test"
        ) as http:
            return await http.request(method, path, headers=headers, content=content)

    response = asyncio.run(go())
    return response.status_code, dict(response.headers), response.content


def paths(body: bytes) -> list[tuple[str, str]]:
    return [(v["path"], v["keyword"]) for v in json.loads(body)["violations"]]


def multipart(
    parts: list[tuple[str, str | None, str | None, bytes | str]],
) -> tuple[str, bytes]:
    """A hand-written multipart body of (name, file name, content type, bytes)."""
    boundary = "XyZzy-boundary"
    out = b""
    for name, filename, content_type, content in parts:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'.encode()
        if filename is not None:
            out += f'; filename="{filename}"'.encode()
        out += b"\r\n"
        if content_type is not None:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n"
        out += content.encode() if isinstance(content, str) else content
        out += b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", out


PROFILE = models.Profile(
    name="Zoë & Ann = a+b %20",
    age=41,
    score=-2.5,
    subscribed=False,
    tags=["a b", "", "c,d"],
    color="green",
)


def test_a_form_arrives_as_the_typed_body() -> None:
    recorder = Recorder()
    with sync_client(recorder) as client:
        reply = client.save_profile(ops.SaveProfileRequest(body=PROFILE))
        assert isinstance(reply, ops.SaveProfile200)
        assert reply.body == PROFILE
        client.save_profile(ops.SaveProfileRequest(body=models.Profile(name="x")))
    assert recorder.profiles == [PROFILE, models.Profile(name="x")]
    assert recorder.profiles[1].to_json_value() == {"name": "x"}


def test_form_fields_are_validated_like_json_properties() -> None:
    status, _, body = send(
        "/profiles",
        FORM,
        "name=&age=abc&age=1&score=1e999&subscribed=maybe&tags=a&tags=b&tags=c"
        "&tags=d&color=blue",
    )
    assert status == 400
    assert json.loads(body)["code"] == "INVALID_REQUEST"
    assert paths(body) == [
        ("$.name", "minLength"),
        ("$.age", "type"),
        ("$.score", "type"),
        ("$.subscribed", "type"),
        ("$.tags", "maxItems"),
        ("$.color", "enum"),
    ]
    status, _, body = send("/profiles", FORM, "age=-1&age=x")
    assert status == 400
    assert paths(body) == [("$.name", "required"), ("$.age", "minimum")]
    _, _, body = send("/profiles", FORM, "name=x&age=4294967296")
    assert paths(body) == [("$.age", "format")]


def test_a_forms_media_type_is_checked_parameters_aside() -> None:
    status, _, body = send("/profiles", "application/json", '{"name":"x"}')
    assert status == 415
    assert json.loads(body) == {
        "code": "UNSUPPORTED_MEDIA_TYPE",
        "message": "expected the content type `application/x-www-form-urlencoded`, "
        "found `application/json`",
    }
    recorder = Recorder()
    status, _, body = send(
        "/profiles",
        "Application/X-WWW-Form-URLEncoded; charset=UTF-8",
        "name=x+y%26z&age=%207&unknown=1&tags=one",
        recorder=recorder,
    )
    assert status == 200, body
    assert recorder.profiles[0].to_json_value() == {
        "name": "x y&z",
        "age": 7,
        "tags": ["one"],
    }


def test_a_multipart_upload_arrives_with_its_files() -> None:
    request = ops.UploadRequest(
        body=models.UploadRequestModel(
            file=File(PNG, "logo.png", "image/png"),
            attachments=[File(b"first", "a.txt", "text/plain"), File(bytes(3000))],
            description="é, & and =",
            count=2,
            labels=["final", "draft"],
        )
    )
    expected = {
        "file_size": len(PNG),
        "file_type": "image/png",
        "file_name": "logo.png",
        "attachments": [5, 3000],
        "description": "é, & and =",
        "count": 2,
        "labels": ["final", "draft"],
    }
    recorder = Recorder()
    with sync_client(recorder) as client:
        reply = client.upload(request)
    assert isinstance(reply, ops.Upload201)
    assert reply.body.to_json_value() == expected
    got = recorder.uploads[0]
    assert got.file == File(PNG, "logo.png", "image/png")
    # A file without a name is sent named after its field, as bytes.
    assert got.attachments is not None
    assert got.attachments[1] == File(bytes(3000), "attachments")

    async def through_asgi() -> Any:
        app = create_asgi_app(recorder)
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        async with AsyncNonJsonBodiesClient("http://api.test", http=http) as client:
            return await client.upload(request)

    reply = asyncio.run(through_asgi())
    assert isinstance(reply, ops.Upload201)
    assert reply.body.to_json_value() == expected
    assert recorder.uploads[1] == recorder.uploads[0]


def test_multipart_fields_are_validated_like_json_properties() -> None:
    content_type, body = multipart(
        [
            ("count", None, None, "0"),
            ("description", None, None, "far more than twenty characters"),
            ("labels", None, None, "draft"),
            ("labels", None, None, "sketch"),
            ("attachments", "1", None, "1"),
            ("attachments", "2", None, "2"),
            ("attachments", "3", None, "3"),
            ("attachments", "4", None, "4"),
        ]
    )
    recorder = Recorder()
    status, _, reply = send("/uploads", content_type, body, recorder=recorder)
    assert status == 400
    assert paths(reply) == [
        ("$.file", "required"),
        ("$.attachments", "maxItems"),
        ("$.description", "maxLength"),
        ("$.count", "minimum"),
        ("$.labels[1]", "enum"),
    ]
    assert recorder.uploads == []


def test_a_file_part_keeps_its_bytes_name_and_media_type() -> None:
    content_type, body = multipart(
        [
            ("count", None, None, " 3 "),
            ("file", "doc.pdf", "application/pdf", "%PDF-1.7\r\n--not-a-boundary\r\n"),
            ("ignored", None, None, "whatever"),
        ]
    )
    recorder = Recorder()
    status, _, reply = send("/uploads", content_type, body, recorder=recorder)
    assert status == 201, reply
    got = recorder.uploads[0]
    assert got.file == File(
        b"%PDF-1.7\r\n--not-a-boundary\r\n", "doc.pdf", "application/pdf"
    )
    assert got.count == 3
    assert got.attachments is None


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", "--x\r\n\r\n"),
        ("multipart/form-data; boundary=", ""),
        ("multipart/form-data; boundary=abc", "no parts at all"),
        (
            "multipart/form-data; boundary=abc",
            '--abc\r\nContent-Disposition: form-data; name="count"\r\n\r\n1',
        ),
        ("multipart/form-data; boundary=abc", "--abc\r\nno headers end here"),
        ("multipart/form-data; boundary=abc", bytes([0xFF] * 64)),
    ],
)
def test_malformed_multipart_is_a_400(content_type: str, body: str | bytes) -> None:
    status, _, reply = send("/uploads", content_type, body)
    assert status == 400, reply
    answer = json.loads(reply)
    assert answer["code"] == "INVALID_REQUEST"
    assert answer["message"].startswith("the multipart body is malformed: ")


def test_multipart_needs_its_media_type() -> None:
    assert send("/uploads", "text/plain", "x")[0] == 415


def test_bytes_and_text_travel_both_ways() -> None:
    recorder = Recorder()
    with sync_client(recorder) as client:
        reply = client.put_blob(ops.PutBlobRequest(name="logo", body=PNG))
        assert reply == ops.PutBlob200(body=PNG)
        assert recorder.blobs[-1] == ("logo", PNG)
        assert client.put_blob(ops.PutBlobRequest(name="e", body=b"")).body == b""
        preview = client.get_blob_preview(ops.GetBlobPreviewRequest(name="logo"))
        assert preview == ops.GetBlobPreview200(body=PNG)
        missing = client.get_blob_preview(ops.GetBlobPreviewRequest(name="x"))
        assert missing == ops.GetBlobPreview404(body="no blob called x (ü)")
        note = client.add_note(ops.AddNoteRequest(body="größe"))
        assert note == ops.AddNote200(body="GRÖSSE")
        assert client.add_note(ops.AddNoteRequest()) == ops.AddNote200(body="")
    assert recorder.notes == ["größe", None]


def test_text_is_utf8_and_checked_against_its_schema() -> None:
    status, _, body = send("/notes", "text/plain", b"f\xff")
    assert status == 400
    assert json.loads(body)["message"].startswith("the body is not UTF-8 text")
    _, _, body = send("/notes", "text/plain; charset=utf-8", "<b>bold</b>")
    assert paths(body) == [("$", "pattern")]
    _, _, body = send("/notes", "text/plain", "x" * 41)
    assert paths(body) == [("$", "maxLength")]
    assert send("/notes", "text/html", "hi")[0] == 415
    status, headers, body = send("/notes", "text/plain", "hi")
    assert status == 200
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert body == b"HI"


def test_raw_bytes_need_their_media_type() -> None:
    assert send("/blobs/x", None, PNG, "PUT")[0] == 415
    status, headers, body = send("/blobs/x", "application/octet-stream", PNG, "PUT")
    assert status == 200
    assert headers["content-type"] == "application/octet-stream"
    assert body == PNG


def test_json_is_used_where_it_is_listed_beside_xml_and_a_form() -> None:
    pet = models.Pet(name="Rex", photo="in JSON a binary string is a string")
    with sync_client(Recorder()) as client:
        assert client.add_pet(ops.AddPetRequest(body=pet)) == ops.AddPet200(body=pet)
    assert send("/pets", "application/xml", "<pet><name>Rex</name></pet>")[0] == 415


def test_the_body_limit_holds_for_every_encoding() -> None:
    limit = 1024
    big = "a" * (limit + 1)
    content_type, upload = multipart(
        [("count", None, None, "1"), ("file", "f", None, big)]
    )
    cases: list[tuple[str, str, str, bytes | str]] = [
        ("/uploads", "POST", content_type, upload),
        ("/blobs/x", "PUT", "application/octet-stream", big),
        ("/notes", "POST", "text/plain", big),
        ("/profiles", "POST", FORM, f"name={big}"),
    ]
    for path, method, media_type, body in cases:
        status, _, reply = send(path, media_type, body, method, limit=limit)
        assert status == 413, (path, reply)
        assert json.loads(reply)["code"] == "PAYLOAD_TOO_LARGE"


def test_the_client_refuses_a_text_reply_that_is_not_utf8() -> None:
    def reply(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/plain"}, content=b"\xff\xfe"
        )

    http = httpx.Client(transport=httpx.MockTransport(reply))
    with NonJsonBodiesClient("http://api.test", http=http) as client:
        with pytest.raises(InvalidResponse, match="not UTF-8 text"):
            client.add_note(ops.AddNoteRequest())


def test_the_multipart_writer_and_reader_agree() -> None:
    fields: list[tuple[str, str | File]] = [
        ("a", "x\r\ny"),
        ("a", ""),
        ('quo"te', File(b"--\r\n\x00", 'n"ame.bin', "application/x-thing")),
    ]
    content_type, body = encode(fields)
    parts = parse(content_type, body)
    assert [(p.name, p.filename, p.content_type, p.content) for p in parts] == [
        ("a", None, None, b"x\r\ny"),
        ("a", None, None, b""),
        ("quo%22te", "n%22ame.bin", "application/x-thing", b"--\r\n\x00"),
    ]


def test_the_multipart_reader_is_strict() -> None:
    ok = 'multipart/form-data; boundary="b c"'
    body = b'preamble\r\n--b c\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b c--'
    assert [(p.name, p.text()) for p in parse(ok, body)] == [("x", "1")]
    filename = "form-data; name=\"f\"; filename*=UTF-8''gr%C3%B6%C3%9Fe.txt"
    body = f"--b c\r\nContent-Disposition: {filename}\r\n\r\n\r\n--b c--".encode()
    assert parse(ok, body)[0].filename == "größe.txt"
    for bad, why in [
        (b"--b c\r\n\r\nx\r\n--b c--", "no `Content-Disposition`"),
        (
            b"--b c\r\nContent-Disposition: attachment\r\n\r\nx\r\n--b c--",
            "not form-data",
        ),
        (b"--b c\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b c--", "no `name`"),
        (b"--b cX", "not followed by a line break"),
        (b"--b c\r\nbroken\r\n\r\nx\r\n--b c--", "is not `Name: value`"),
    ]:
        with pytest.raises(MultipartError, match=why):
            parse(ok, bad)
    with pytest.raises(MultipartError, match="longer than 70"):
        parse("multipart/form-data; boundary=" + "b" * 71, b"")
