// Every shared vector validates in TypeScript exactly as in Rust: the same verdict
// and the same (path, keyword) multiset; valid values survive a JSON round trip.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  schemas,
  validate,
  validateCrudEntry,
  validateWriteBatch,
  type SchemaName,
  type WriteBatch,
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
    const violations = validate(vector.schema as SchemaName, vector.value);
    assert.deepEqual(
      multiset(violations),
      multiset(vector.errors),
      `${vector.file}: ${vector.description}`,
    );
    for (const v of violations) {
      assert.ok(v.message.length > 0, `${vector.file}: empty message`);
    }
    if (vector.errors.length === 0) {
      // Decoding is JSON.parse plus validation; encoding must give the same JSON.
      const decoded: unknown = JSON.parse(JSON.stringify(vector.value));
      assert.deepEqual(decoded, vector.value);
    }
  });
}

test("the per-schema functions agree with validate()", () => {
  const batch: WriteBatch = {
    client_id: "c1",
    transactions: [{ crud: [{ op: "PUT", table: "todos", id: "t1" }] }],
  };
  assert.deepEqual(validateWriteBatch(batch), []);
  assert.deepEqual(multiset(validateCrudEntry({ op: "put", table: 1 })), [
    "$.id required",
    "$.op enum",
    "$.table type",
  ]);
});

test("int64 bounds hold at 2^63 although JavaScript rounds the literal", () => {
  const entry = (op_id: number) => ({ op: "PUT", table: "t", id: "1", op_id });
  assert.deepEqual(validateCrudEntry(entry(2 ** 53 - 1)), []);
  assert.deepEqual(multiset(validateCrudEntry(entry(2 ** 63))), [
    "$.op_id format",
  ]);
  assert.deepEqual(multiset(validateCrudEntry(entry(-(2 ** 63)))), []);
  assert.deepEqual(multiset(validateCrudEntry(entry(1.5))), ["$.op_id type"]);
});
