// Bodies that are not JSON, on the package generated from the `non_json_bodies`
// feature fixture (compiled by tsconfig.features.json into build/features): the
// client and both adapters (the fetch handler, and Express on a real port) in a
// form, a multipart upload with files, raw bytes and text; 415 for another media
// type, 400 with the violations' paths for invalid fields (as for a JSON body),
// 400 for malformed multipart or text that is not UTF-8, 413 over the body limit.

import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";

import express from "express";

import { createExpressHandler } from "../../../generator/tests/fixtures/features/non_json_bodies/typescript/src/express.js";
import {
  createFetchHandler,
  NonJsonBodiesClient,
  type AddNoteRequest,
  type AddNoteResponse,
  type AddPetRequest,
  type AddPetResponse,
  type GetBlobPreviewRequest,
  type GetBlobPreviewResponse,
  type HandlerOptions,
  type NonJsonBodiesHandler,
  type Profile,
  type PutBlobRequest,
  type PutBlobResponse,
  type ReceivedModel,
  type SaveProfileRequest,
  type SaveProfileResponse,
  type UploadRequest,
  type UploadRequestModel,
  type UploadResponse,
} from "../../../generator/tests/fixtures/features/non_json_bodies/typescript/src/index.js";

/** The first bytes of a PNG file: not UTF-8. */
const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0xff,
]);

async function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer());
}

/** Records what reaches the implementation, and answers from it. */
class Recorder implements NonJsonBodiesHandler {
  profiles: Profile[] = [];
  uploads: UploadRequestModel[] = [];
  notes: (string | undefined)[] = [];
  blobs: [string, Uint8Array][] = [];

  async saveProfile(request: SaveProfileRequest): Promise<SaveProfileResponse> {
    this.profiles.push(request.body);
    return { status: 200, body: request.body };
  }

  async upload(request: UploadRequest): Promise<UploadResponse> {
    const body = request.body;
    this.uploads.push(body);
    const received: ReceivedModel = {
      file_size: body.file.size,
      file_type: body.file.type,
      attachments: (body.attachments ?? []).map((file) => file.size),
      count: body.count,
    };
    if (body.file instanceof File) received.file_name = body.file.name;
    if (body.description !== undefined) received.description = body.description;
    if (body.labels !== undefined) received.labels = body.labels;
    return { status: 201, body: received };
  }

  async getBlobPreview(
    request: GetBlobPreviewRequest,
  ): Promise<GetBlobPreviewResponse> {
    if (request.path.name === "logo") {
      return { status: 200, body: new Blob([PNG], { type: "image/png" }) };
    }
    return { status: 404, body: `no blob called ${request.path.name} (ü)` };
  }

  async putBlob(request: PutBlobRequest): Promise<PutBlobResponse> {
    this.blobs.push([request.path.name, await bytesOf(request.body)]);
    return { status: 200, body: request.body };
  }

  async addNote(request: AddNoteRequest): Promise<AddNoteResponse> {
    this.notes.push(request.body);
    return { status: 200, body: (request.body ?? "").toUpperCase() };
  }

  async addPet(request: AddPetRequest): Promise<AddPetResponse> {
    return { status: 200, body: request.body };
  }
}

/** One way of serving the handler: a client for it and a raw `send`. */
interface Adapter {
  name: string;
  start(
    recorder: Recorder,
    options?: HandlerOptions,
  ): Promise<{
    client: NonJsonBodiesClient;
    send: (r: Request) => Promise<Response>;
  }>;
  stop(): Promise<void>;
}

function fetchAdapter(): Adapter {
  return {
    name: "fetch handler",
    async start(recorder, options) {
      const handler = createFetchHandler(recorder, options);
      return {
        client: new NonJsonBodiesClient({
          baseUrl: "http://api.test",
          fetch: async (input, init) => handler(new Request(input, init)),
        }),
        send: handler,
      };
    },
    async stop() {},
  };
}

function expressAdapter(parseForms = false): Adapter {
  const servers: Server[] = [];
  return {
    name: parseForms ? "Express after express.urlencoded()" : "Express adapter",
    async start(recorder, options) {
      const app = express();
      if (parseForms) app.use(express.urlencoded({ extended: false }));
      app.use(createExpressHandler(recorder, options));
      const server = await new Promise<Server>((ok) => {
        const s = app.listen(0, "127.0.0.1", () => ok(s));
      });
      servers.push(server);
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return {
        client: new NonJsonBodiesClient({ baseUrl: base }),
        send: async (request) => {
          const url = new URL(request.url);
          const init: RequestInit = {
            method: request.method,
            headers: request.headers,
          };
          if (request.body !== null) init.body = await request.arrayBuffer();
          return fetch(`${base}${url.pathname}${url.search}`, init);
        },
      };
    },
    async stop() {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise((ok) => s.close(ok));
      }
    },
  };
}

function post(
  path: string,
  contentType: string | null,
  body: BodyInit,
  method = "POST",
): Request {
  const headers = new Headers();
  if (contentType !== null) headers.set("content-type", contentType);
  return new Request(`http://api.test${path}`, { method, headers, body });
}

async function json(response: Response): Promise<any> {
  const text = await response.text();
  return text === "" ? null : JSON.parse(text);
}

function paths(body: any): [string, string][] {
  return body.violations.map((v: any) => [v.path, v.keyword]);
}

const FORM = "application/x-www-form-urlencoded";

const profile: Profile = {
  name: "Zoë & Ann = a+b %20",
  age: 41,
  score: -2.5,
  subscribed: false,
  tags: ["a b", "", "c,d"],
  color: "green",
};

/** A hand-written multipart body of (name, file name, content type, bytes) parts. */
function multipart(
  parts: [
    string,
    string | null,
    string | null,
    Uint8Array<ArrayBuffer> | string,
  ][],
): { contentType: string; body: Uint8Array<ArrayBuffer> } {
  const boundary = "XyZzy-boundary";
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  const text = (s: string) => chunks.push(new TextEncoder().encode(s));
  for (const [name, filename, contentType, bytes] of parts) {
    text(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"`);
    if (filename !== null) text(`; filename="${filename}"`);
    text("\r\n");
    if (contentType !== null) text(`Content-Type: ${contentType}\r\n`);
    text("\r\n");
    if (typeof bytes === "string") text(bytes);
    else chunks.push(bytes);
    text("\r\n");
  }
  text(`--${boundary}--\r\n`);
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, body };
}

for (const adapter of [
  fetchAdapter(),
  expressAdapter(),
  expressAdapter(true),
]) {
  describe(adapter.name, () => {
    let recorder: Recorder;
    let client: NonJsonBodiesClient;
    let send: (r: Request) => Promise<Response>;
    before(async () => {
      recorder = new Recorder();
      ({ client, send } = await adapter.start(recorder, {
        bodyLimit: 64 * 1024,
      }));
    });
    after(() => adapter.stop());

    test("a form arrives as the typed body", async () => {
      const before = recorder.profiles.length;
      const reply = await client.saveProfile({ body: profile });
      assert.deepEqual(reply, { status: 200, body: profile });
      await client.saveProfile({ body: { name: "x" } });
      assert.deepEqual(recorder.profiles.slice(before), [
        profile,
        { name: "x" },
      ]);
    });

    test("form fields are validated like JSON properties", async () => {
      let response = await send(
        post(
          "/profiles",
          FORM,
          "name=&age=abc&age=1&score=1e999&subscribed=maybe&tags=a&tags=b&tags=c&tags=d&color=blue",
        ),
      );
      let body = await json(response);
      assert.equal(response.status, 400);
      assert.equal(body.code, "INVALID_REQUEST");
      assert.deepEqual(paths(body), [
        ["$.name", "minLength"],
        ["$.age", "type"],
        ["$.score", "type"],
        ["$.subscribed", "type"],
        ["$.tags", "maxItems"],
        ["$.color", "enum"],
      ]);
      response = await send(post("/profiles", FORM, "age=-1&age=x"));
      body = await json(response);
      assert.equal(response.status, 400);
      assert.deepEqual(paths(body), [
        ["$.name", "required"],
        ["$.age", "minimum"],
      ]);
      response = await send(post("/profiles", FORM, "name=x&age=4294967296"));
      assert.deepEqual(paths(await json(response)), [["$.age", "format"]]);
    });

    test("a form's media type is checked, parameters aside", async () => {
      let response = await send(
        post("/profiles", "application/json", '{"name":"x"}'),
      );
      let body = await json(response);
      assert.equal(response.status, 415);
      assert.equal(body.code, "UNSUPPORTED_MEDIA_TYPE");
      assert.equal(
        body.message,
        "expected the content type `application/x-www-form-urlencoded`, found `application/json`",
      );
      const before = recorder.profiles.length;
      response = await send(
        post(
          "/profiles",
          "Application/X-WWW-Form-URLEncoded; charset=UTF-8",
          "name=x+y%26z&age=%207&unknown=1&tags=one",
        ),
      );
      assert.equal(response.status, 200, await response.clone().text());
      assert.deepEqual(recorder.profiles[before], {
        name: "x y&z",
        age: 7,
        tags: ["one"],
      });
    });

    test("a multipart upload arrives with its files", async () => {
      const before = recorder.uploads.length;
      const reply = await client.upload({
        body: {
          file: new File([PNG], "logo.png", { type: "image/png" }),
          attachments: [
            new File(["first"], "a.txt", { type: "text/plain" }),
            new Blob([new Uint8Array(3000)]),
          ],
          description: "é, & and =",
          count: 2,
          labels: ["final", "draft"],
        },
      });
      assert.deepEqual(reply, {
        status: 201,
        body: {
          file_size: PNG.length,
          file_type: "image/png",
          file_name: "logo.png",
          attachments: [5, 3000],
          description: "é, & and =",
          count: 2,
          labels: ["final", "draft"],
        },
      });
      const got = recorder.uploads[before];
      assert.ok(got !== undefined);
      assert.deepEqual(await bytesOf(got.file), PNG);
      const second = got.attachments?.[1];
      assert.ok(second instanceof File);
      // A Blob without a name is sent named after its field, as bytes.
      assert.equal(second.name, "attachments");
      assert.equal(second.type, "application/octet-stream");
      assert.deepEqual(await bytesOf(second), new Uint8Array(3000));
    });

    test("multipart fields are validated like JSON properties", async () => {
      const { contentType, body } = multipart([
        ["count", null, null, "0"],
        ["description", null, null, "far more than twenty characters"],
        ["labels", null, null, "draft"],
        ["labels", null, null, "sketch"],
        ["attachments", "1", null, "1"],
        ["attachments", "2", null, "2"],
        ["attachments", "3", null, "3"],
        ["attachments", "4", null, "4"],
      ]);
      const before = recorder.uploads.length;
      const response = await send(post("/uploads", contentType, body));
      const reply = await json(response);
      assert.equal(response.status, 400);
      assert.deepEqual(paths(reply), [
        ["$.file", "required"],
        ["$.attachments", "maxItems"],
        ["$.description", "maxLength"],
        ["$.count", "minimum"],
        ["$.labels[1]", "enum"],
      ]);
      assert.equal(recorder.uploads.length, before);
    });

    test("a file part keeps its bytes, name and media type", async () => {
      const before = recorder.uploads.length;
      const { contentType, body } = multipart([
        ["count", null, null, " 3 "],
        [
          "file",
          "doc.pdf",
          "application/pdf",
          "%PDF-1.7\r\n--not-a-boundary\r\n",
        ],
        ["ignored", null, null, "whatever"],
      ]);
      const response = await send(post("/uploads", contentType, body));
      assert.equal(response.status, 201, await response.clone().text());
      const got = recorder.uploads[before];
      assert.ok(got?.file instanceof File);
      assert.equal(got.file.name, "doc.pdf");
      assert.equal(got.file.type, "application/pdf");
      assert.equal(await got.file.text(), "%PDF-1.7\r\n--not-a-boundary\r\n");
      assert.equal(got.count, 3);
      assert.equal(got.attachments, undefined);
    });

    test("malformed multipart is a 400", async () => {
      const cases: [string, BodyInit][] = [
        ["multipart/form-data", "--x\r\n\r\n"],
        ["multipart/form-data; boundary=", ""],
        ["multipart/form-data; boundary=abc", "no parts at all"],
        [
          "multipart/form-data; boundary=abc",
          '--abc\r\nContent-Disposition: form-data; name="count"\r\n\r\n1',
        ],
        ["multipart/form-data; boundary=abc", "--abc\r\nno headers end here"],
        ["multipart/form-data; boundary=abc", new Uint8Array(64).fill(0xff)],
      ];
      for (const [contentType, body] of cases) {
        const response = await send(post("/uploads", contentType, body));
        const reply = await json(response);
        assert.equal(
          response.status,
          400,
          `${contentType}: ${JSON.stringify(reply)}`,
        );
        assert.equal(reply.code, "INVALID_REQUEST");
        assert.match(reply.message, /^the multipart body is malformed: /);
      }
      const response = await send(post("/uploads", "text/plain", "x"));
      assert.equal(response.status, 415);
    });

    test("bytes and text travel both ways", async () => {
      let reply = await client.putBlob({
        path: { name: "logo" },
        body: new Blob([PNG]),
      });
      assert.equal(reply.status, 200);
      assert.deepEqual(await bytesOf(reply.body), PNG);
      assert.deepEqual(recorder.blobs.at(-1), ["logo", PNG]);
      reply = await client.putBlob({ path: { name: "e" }, body: new Blob([]) });
      assert.equal(reply.body.size, 0);

      const preview = await client.getBlobPreview({ path: { name: "logo" } });
      assert.equal(preview.status, 200);
      if (preview.status === 200) {
        assert.equal(preview.body.type, "image/png");
        assert.deepEqual(await bytesOf(preview.body), PNG);
      }
      const missing = await client.getBlobPreview({ path: { name: "x" } });
      assert.deepEqual(missing, { status: 404, body: "no blob called x (ü)" });

      const before = recorder.notes.length;
      assert.deepEqual(await client.addNote({ body: "größe" }), {
        status: 200,
        body: "GRÖSSE",
      });
      assert.deepEqual(await client.addNote({}), { status: 200, body: "" });
      assert.deepEqual(recorder.notes.slice(before), ["größe", undefined]);
    });

    test("text is UTF-8 and checked against its schema", async () => {
      let response = await send(
        post("/notes", "text/plain", new Uint8Array([0x66, 0xff])),
      );
      let body = await json(response);
      assert.equal(response.status, 400);
      assert.match(body.message, /^the body is not UTF-8 text/);
      response = await send(
        post("/notes", "text/plain; charset=utf-8", "<b>bold</b>"),
      );
      assert.deepEqual(paths(await json(response)), [["$", "pattern"]]);
      response = await send(post("/notes", "text/plain", "x".repeat(41)));
      assert.deepEqual(paths(await json(response)), [["$", "maxLength"]]);
      response = await send(post("/notes", "text/html", "hi"));
      assert.equal(response.status, 415);
      response = await send(post("/notes", "text/plain", "hi"));
      assert.equal(response.status, 200);
      assert.equal(
        response.headers.get("content-type"),
        "text/plain; charset=utf-8",
      );
      assert.equal(await response.text(), "HI");
    });

    test("raw bytes need their media type", async () => {
      let response = await send(post("/blobs/x", null, PNG, "PUT"));
      assert.equal(response.status, 415);
      response = await send(
        post("/blobs/x", "application/octet-stream", PNG, "PUT"),
      );
      assert.equal(response.status, 200);
      assert.equal(
        response.headers.get("content-type"),
        "application/octet-stream",
      );
      assert.deepEqual(new Uint8Array(await response.arrayBuffer()), PNG);
    });

    test("JSON is used where it is listed beside XML and a form", async () => {
      const pet = { name: "Rex", photo: "in JSON a binary string is a string" };
      assert.deepEqual(await client.addPet({ body: pet }), {
        status: 200,
        body: pet,
      });
      const response = await send(
        post("/pets", "application/xml", "<pet><name>Rex</name></pet>"),
      );
      assert.equal(response.status, 415);
    });
  });
}

describe("the body limit", () => {
  for (const adapter of [fetchAdapter(), expressAdapter()]) {
    test(`holds for every encoding (${adapter.name})`, async () => {
      const limit = 1024;
      const { send } = await adapter.start(new Recorder(), {
        bodyLimit: limit,
      });
      try {
        const big = "a".repeat(limit + 1);
        const upload = multipart([
          ["count", null, null, "1"],
          ["file", "f", null, big],
        ]);
        const cases: [string, string, string, BodyInit][] = [
          ["/uploads", "POST", upload.contentType, upload.body],
          ["/blobs/x", "PUT", "application/octet-stream", big],
          ["/notes", "POST", "text/plain", big],
          ["/profiles", "POST", FORM, `name=${big}`],
        ];
        for (const [path, method, contentType, body] of cases) {
          const response = await send(post(path, contentType, body, method));
          const reply = await json(response);
          assert.equal(
            response.status,
            413,
            `${path}: ${JSON.stringify(reply)}`,
          );
          assert.equal(reply.code, "PAYLOAD_TOO_LARGE");
        }
      } finally {
        await adapter.stop();
      }
    });
  }
});

test("the client refuses a text reply that is not UTF-8", async () => {
  const client = new NonJsonBodiesClient({
    baseUrl: "http://api.test",
    fetch: async () =>
      new Response(new Uint8Array([0xff, 0xfe]), {
        headers: { "content-type": "text/plain" },
      }),
  });
  await assert.rejects(client.addNote({}), /not UTF-8 text/);
});
