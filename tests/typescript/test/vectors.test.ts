// Every shared vector validates in TypeScript exactly as in Rust: the same verdict
// and the same (path, keyword) multiset; valid values survive a JSON round trip.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MAX_VIOLATIONS,
  schemas,
  validate,
  validateCrudEntry,
  validateCrudTransaction,
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
