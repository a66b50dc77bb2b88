// Every shared vector validates in TypeScript exactly as in Rust: the same verdict
// and the same (path, keyword) multiset; valid values survive a round trip through
// the package: sent by its client and decoded by its server (request schemas), or
// answered by its server and decoded by its client (reply schemas).

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  createFetchHandler,
  MAX_VIOLATIONS,
  PowerSyncWriteApiClient,
  schemas,
  validate,
  validateCrudEntry,
  validateCrudTransaction,
  validateWriteBatch,
  type CrudEntry,
  type CrudTransaction,
  type ErrorResponse,
  type HealthResponse,
  type HealthStatus,
  type PowerSyncWriteApiHandler,
  type ReadyResponse,
  type SchemaName,
  type TransactionResult,
  type UpdateType,
  type UploadDataReceivedRequest,
  type UploadDataResponse,
  type WriteBatch,
  type WriteBatchResponse,
} from "powersync-write-api";

import { loadVectors, multiset } from "./support/vectors.js";

const vectors = loadVectors();

test("there are vectors for the main schemas", () => {
  assert.ok(vectors.length >= 80, `only ${vectors.length} vectors found`);
  const covered = new Set(vectors.map((v) => v.schema));
  for (const name of ["WriteBatch", "CrudEntry", "TransactionResult"]) {
    assert.ok(covered.has(name), `no vector for ${name}`);
  }
});

for (const vector of vectors) {
  test(`vector ${vector.file}`, () => {
    assert.ok(
      Object.hasOwn(schemas, vector.schema),
      `${vector.file}: the generated package has no schema ${vector.schema}`,
    );
    const { listed: violations, omitted } = validate(
      vector.schema as SchemaName,
      vector.value,
    );
    assert.deepEqual(
      multiset(violations),
      multiset(vector.errors),
      `${vector.file}: ${vector.description}`,
    );
    assert.equal(omitted, vector.omitted ?? 0, `${vector.file}: omitted`);
    for (const v of violations) {
      assert.ok(v.message.length > 0, `${vector.file}: empty message`);
    }
  });
}

/** Answers what the test sets and keeps the batch its server decoded. */
class RoundTrip implements PowerSyncWriteApiHandler<string> {
  decoded: WriteBatch | undefined;
  upload: UploadDataResponse = { status: 200, body: { results: [] } };
  health_: HealthResponse = { status: 200, body: { status: "ok" } };

  async authenticate() {
    return "user-1";
  }

  async uploadData(
    request: UploadDataReceivedRequest,
  ): Promise<UploadDataResponse> {
    const transactions = request.body.transactions.map((t) => {
      assert.ok(t.valid, `the server refused a valid transaction`);
      return t.value;
    });
    this.decoded = { ...request.body, transactions } as WriteBatch;
    return this.upload;
  }

  async health(): Promise<HealthResponse> {
    return this.health_;
  }

  async ready(): Promise<ReadyResponse> {
    return { status: 200, body: { status: "ok" } };
  }
}

/** A valid request-side value inside the smallest batch that carries it. */
function inBatch(schema: string, value: unknown): WriteBatch | undefined {
  switch (schema) {
    case "WriteBatch":
      return value as WriteBatch;
    case "CrudTransaction":
      return { transactions: [value as CrudTransaction] };
    case "CrudEntry":
      return { transactions: [{ crud: [value as CrudEntry] }] };
    case "UpdateType":
      return {
        transactions: [
          { crud: [{ op: value as UpdateType, table: "t", id: "1" }] },
        ],
      };
    default:
      return undefined;
  }
}

const valid = vectors.filter((v) => v.errors.length === 0);

test("there are valid vectors to round-trip for every schema", () => {
  assert.ok(valid.length >= 30, `only ${valid.length} valid vectors`);
  const covered = new Set(valid.map((v) => v.schema));
  for (const name of new Set(vectors.map((v) => v.schema))) {
    assert.ok(covered.has(name), `no valid vector for ${name}`);
  }
});

for (const vector of valid) {
  test(`round trip ${vector.file}`, async () => {
    const server = new RoundTrip();
    const handler = createFetchHandler(server);
    const client = new PowerSyncWriteApiClient({
      baseUrl: "http://api.test/",
      fetch: async (input, init) => handler(new Request(input, init)),
      credentials: { bearerAuth: "token" },
    });
    const sent = inBatch(vector.schema, vector.value);
    if (sent !== undefined) {
      const response = await client.uploadData({ body: sent });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(server.decoded, sent, `${vector.file}: decoded`);
      return;
    }
    switch (vector.schema) {
      case "TransactionResult":
      case "TransactionSuccess":
      case "TransactionNotAttempted": {
        const result = vector.value as TransactionResult;
        server.upload = { status: 200, body: { results: [result] } };
        const response = await client.uploadData({
          body: {
            transactions: [{ crud: [{ op: "PUT", table: "t", id: "1" }] }],
          },
        });
        assert.equal(response.status, 200);
        assert.deepEqual(response.body, { results: [result] }, vector.file);
        return;
      }
      case "WriteBatchResponse": {
        const reply = vector.value as WriteBatchResponse;
        server.upload = { status: 200, body: reply };
        const response = await client.uploadData({
          body: {
            transactions: [{ crud: [{ op: "PUT", table: "t", id: "1" }] }],
          },
        });
        assert.equal(response.status, 200);
        assert.deepEqual(response.body, reply, vector.file);
        return;
      }
      case "ErrorResponse": {
        const error = vector.value as ErrorResponse;
        server.upload = { status: 400, body: error };
        const response = await client.uploadData({
          body: {
            transactions: [{ crud: [{ op: "PUT", table: "t", id: "1" }] }],
          },
        });
        assert.equal(response.status, 400);
        assert.deepEqual(response.body, error, vector.file);
        return;
      }
      case "HealthStatus": {
        const status = vector.value as HealthStatus;
        server.health_ = { status: 200, body: status };
        const response = await client.health();
        assert.deepEqual(response.body, status, vector.file);
        return;
      }
      default:
        assert.fail(
          `${vector.file}: no round trip for schema ${vector.schema}; add one here`,
        );
    }
  });
}

test("the per-schema functions agree with validate()", () => {
  const batch: WriteBatch = {
    client_id: "c1",
    transactions: [{ crud: [{ op: "PUT", table: "todos", id: "t1" }] }],
  };
  assert.deepEqual(validateWriteBatch(batch), { listed: [], omitted: 0 });
  assert.deepEqual(
    multiset(validateCrudEntry({ op: "put", table: 1 }).listed),
    ["$.id required", "$.op enum", "$.table type"],
  );
});

test("int64 bounds hold at 2^63 although JavaScript rounds the literal", () => {
  const entry = (op_id: number) => ({ op: "PUT", table: "t", id: "1", op_id });
  assert.deepEqual(validateCrudEntry(entry(2 ** 53 - 1)).listed, []);
  assert.deepEqual(multiset(validateCrudEntry(entry(2 ** 63)).listed), [
    "$.op_id format",
  ]);
  assert.deepEqual(multiset(validateCrudEntry(entry(-(2 ** 63))).listed), []);
  assert.deepEqual(multiset(validateCrudEntry(entry(1.5)).listed), [
    "$.op_id type",
  ]);
});

test("the vectors cover the cap and the crud limit", () => {
  const capped = vectors.filter(
    (v) => v.errors.length === MAX_VIOLATIONS && (v.omitted ?? 0) > 0,
  );
  assert.ok(capped.length >= 2, "no vectors over the cap");
  assert.ok(
    vectors.some((v) =>
      v.errors.some(
        (e) => e.path.endsWith(".crud") && e.keyword === "maxItems",
      ),
    ),
    "no vector has crud over maxItems",
  );
});

test("crud takes 10,000 entries and refuses 10,001", () => {
  const entry = { op: "PUT", table: "todos", id: "t1" };
  const atLimit = { crud: Array.from({ length: 10_000 }, () => entry) };
  assert.deepEqual(validateCrudTransaction(atLimit), {
    listed: [],
    omitted: 0,
  });
  const over = { crud: Array.from({ length: 10_001 }, () => entry) };
  const found = validateCrudTransaction(over);
  assert.deepEqual(multiset(found.listed), ["$.crud maxItems"]);
  assert.equal(found.omitted, 0);
});

test("the cap lists the first violations in walk order and counts the rest", () => {
  assert.equal(MAX_VIOLATIONS, 100);
  // Each {} entry misses op, table and id: 3 violations per entry.
  const batch = {
    transactions: [{ crud: Array.from({ length: 1000 }, () => ({})) }],
  };
  const { listed, omitted } = validateWriteBatch(batch);
  assert.equal(listed.length, 100);
  assert.equal(omitted, 2900);
  assert.equal(listed[0]?.path, "$.transactions[0].crud[0].op");
  assert.equal(listed[98]?.path, "$.transactions[0].crud[32].id");
  assert.equal(listed[99]?.path, "$.transactions[0].crud[33].op");
});
