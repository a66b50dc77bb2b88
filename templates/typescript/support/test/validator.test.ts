// Unit tests of the validator interpreter (`../validator.ts`), on schemas written
// here: each keyword's violation, its path and keyword, and the bounded report.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  addViolation,
  checkItems,
  MAX_VIOLATIONS,
  propertyPath,
  validate,
  validateEnvelope,
  validateValue,
  type Schema,
  type Violations,
} from "../validator.ts";

/** `[path, keyword]` of every violation listed. */
function found(schema: Schema, value: unknown): [string, string][] {
  return validateValue(schema, value).listed.map((v) => [v.path, v.keyword]);
}

const item: Schema = {
  type: "object",
  properties: {
    id: {
      schema: { type: "string", minLength: 1, maxLength: 3 },
      required: true,
    },
    count: {
      schema: {
        type: "integer",
        format: "int32",
        minimum: { value: 0, exclusive: false },
        maximum: { value: 10, exclusive: true },
      },
      required: false,
    },
    "odd key": { schema: { type: "boolean", nullable: true }, required: false },
  },
};

describe("validator", () => {
  test("a valid value has no violations", () => {
    assert.deepEqual(found(item, { id: "a", count: 9, "odd key": null }), []);
    // Unknown properties are accepted (readers are forward compatible).
    assert.deepEqual(found(item, { id: "abc", extra: [1, 2] }), []);
  });

  test("each keyword is reported with its path", () => {
    assert.deepEqual(found(item, { count: 10, "odd key": 1 }), [
      ["$.id", "required"],
      ["$.count", "maximum"],
      ["$['odd key']", "type"],
    ]);
    assert.deepEqual(found(item, { id: "", count: -1 }), [
      ["$.id", "minLength"],
      ["$.count", "minimum"],
    ]);
    assert.deepEqual(found(item, { id: "abcd", count: 1.5 }), [
      ["$.id", "maxLength"],
      ["$.count", "type"],
    ]);
  });

  test("int32 bounds hold without minimum and maximum", () => {
    const int32: Schema = { type: "integer", format: "int32" };
    assert.deepEqual(found(int32, 2 ** 31 - 1), []);
    assert.equal(found(int32, 2 ** 31).length, 1);
    assert.equal(found(int32, -(2 ** 31) - 1).length, 1);
  });

  test("strings: enum and pattern (unanchored, as in JSON Schema)", () => {
    const state: Schema = { type: "string", enum: ["open", "done"] };
    assert.deepEqual(found(state, "done"), []);
    assert.deepEqual(found(state, "Done"), [["$", "enum"]]);
    const code: Schema = { type: "string", pattern: "[0-9]{2}" };
    assert.deepEqual(found(code, "ab12cd"), []);
    assert.deepEqual(found(code, "a1b"), [["$", "pattern"]]);
  });

  test("arrays: items, minItems, maxItems and uniqueItems", () => {
    const tags: Schema = {
      type: "array",
      items: { type: "string" },
      minItems: 1,
      maxItems: 3,
      uniqueItems: true,
    };
    assert.deepEqual(found(tags, ["a", "b"]), []);
    assert.deepEqual(found(tags, []), [["$", "minItems"]]);
    assert.deepEqual(found(tags, ["a", "b", "c", "d"]), [["$", "maxItems"]]);
    // The array's own keywords come before its items'.
    assert.deepEqual(found(tags, ["a", 1, "a"]), [
      ["$", "uniqueItems"],
      ["$[1]", "type"],
    ]);
  });

  test("nothing below a type violation is checked", () => {
    assert.deepEqual(found(item, "not an object"), [["$", "type"]]);
    assert.deepEqual(found(item, null), [["$", "type"]]);
    assert.deepEqual(found({ ...item, nullable: true }, null), []);
  });

  test("maps and typed additional properties", () => {
    const counts: Schema = {
      type: "map",
      values: { type: "integer", format: "int64" },
    };
    assert.deepEqual(found(counts, { a: 1, "b c": "x" }), [
      ["$['b c']", "type"],
    ]);
    const open: Schema = {
      type: "object",
      properties: {},
      additionalProperties: { type: "number" },
    };
    assert.deepEqual(found(open, { x: 1.5, y: "no" }), [["$.y", "type"]]);
  });

  test("named schemas and unions come from the spec's table", () => {
    assert.deepEqual(validate("UpdateType", "PUT").listed, []);
    const entry = { op_id: 1, op: "PATCH", table: "todos", id: "t1" };
    assert.deepEqual(validate("CrudEntry", entry).listed, []);
    assert.deepEqual(
      validate("CrudEntry", { ...entry, op: "UPSERT" }).listed.map((v) => [
        v.path,
        v.keyword,
      ]),
      [["$.op", "enum"]],
    );
  });

  test("a report lists MAX_VIOLATIONS and counts the rest without building them", () => {
    const many: Schema = { type: "array", items: { type: "boolean" } };
    const report = validateValue(
      many,
      Array.from({ length: 250 }, () => 0),
    );
    assert.equal(report.listed.length, MAX_VIOLATIONS);
    assert.equal(report.omitted, 250 - MAX_VIOLATIONS);
    assert.equal(report.listed.at(-1)?.path, `$[${MAX_VIOLATIONS - 1}]`);
    const into: Violations = { listed: [], omitted: 0 };
    let built = 0;
    for (let i = 0; i < MAX_VIOLATIONS + 5; i++) {
      addViolation(into, () => {
        built += 1;
        return { path: "$", keyword: "type", message: "" };
      });
    }
    assert.equal(built, MAX_VIOLATIONS);
    assert.equal(into.omitted, 5);
  });

  test("per-item arrays: the envelope skips the items, checkItems judges each", () => {
    const batch: Schema = {
      type: "object",
      properties: {
        items: {
          schema: {
            type: "array",
            items: { type: "integer", format: "int64" },
            perItem: true,
            maxItems: 2,
          },
          required: true,
        },
      },
    };
    const envelope = validateEnvelope(batch, { items: [1, "x"] });
    assert.deepEqual(envelope.listed, []);
    assert.deepEqual(
      validateEnvelope(batch, { items: [1, 2, 3] }).listed.map(
        (v) => v.keyword,
      ),
      ["maxItems"],
    );
    const checked = checkItems(
      { type: "integer", format: "int64" },
      [1, "x"],
      "$.items",
    );
    assert.deepEqual(checked[0], { valid: true, value: 1 });
    assert.equal(checked[1]?.valid, false);
    if (checked[1]?.valid === false) {
      assert.deepEqual(
        checked[1].violations.map((v) => [v.path, v.keyword]),
        [["$.items[1]", "type"]],
      );
    }
  });

  test("property paths quote names that are not identifiers", () => {
    assert.equal(propertyPath("$", "name_1"), "$.name_1");
    assert.equal(propertyPath("$", "1st"), "$['1st']");
    assert.equal(propertyPath("$.a", "it's"), "$.a['it\\'s']");
    assert.equal(propertyPath("$", "back\\slash"), "$['back\\\\slash']");
  });
});
