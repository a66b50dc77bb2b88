// The validator's enum check on integer and number schemas, as the generated
// schema table writes them for a numeric enum (`{ type: "integer", format,
// enum: [...] }`): a listed number is valid, whatever its spelling in the JSON
// (`1.0` is `1`); an unlisted one is an `enum` violation, as an unlisted string is
// for a string enum; a value of another type is a `type` violation.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  resolve,
  schemas,
  validateValue,
  type Schema,
} from "powersync-write-api";

const priority: Schema = {
  type: "integer",
  format: "int32",
  enum: [1, 2, 3],
};
const ratio: Schema = { type: "number", enum: [0.5, 1, 1.5, -2.25] };

/** The (path, keyword) pairs of validating `value` against `schema`. */
function found(schema: Schema, value: unknown): [string, string][] {
  return validateValue(schema, value).listed.map((v) => [v.path, v.keyword]);
}

test("an integer enum accepts exactly its listed integers", () => {
  for (const value of [1, 2, 3, JSON.parse("3.0") as number]) {
    assert.deepEqual(found(priority, value), [], `${value}`);
  }
  for (const value of [0, 4, -1]) {
    assert.deepEqual(found(priority, value), [["$", "enum"]], `${value}`);
  }
  const message = validateValue(priority, 4).listed[0]?.message;
  assert.equal(message, "must be one of 1, 2, 3");
});

test("an integer enum checks only its values, not the format's range", () => {
  assert.deepEqual(found(priority, 2 ** 40), [["$", "enum"]]);
});

test("a value of another type is a type violation, not an enum one", () => {
  for (const value of [2.5, "2", null, true, [1], { n: 1 }]) {
    assert.deepEqual(
      found(priority, value),
      [["$", "type"]],
      JSON.stringify(value),
    );
  }
  for (const value of ["0.5", null, false]) {
    assert.deepEqual(
      found(ratio, value),
      [["$", "type"]],
      JSON.stringify(value),
    );
  }
});

test("a number enum compares numbers, integers and fractions alike", () => {
  for (const text of ["0.5", "0.50", "5e-1", "1", "1.0", "-2.25"]) {
    assert.deepEqual(found(ratio, JSON.parse(text)), [], text);
  }
  for (const value of [0.25, 2, -2.5, 0.5000001]) {
    assert.deepEqual(found(ratio, value), [["$", "enum"]], `${value}`);
  }
  assert.equal(
    validateValue(ratio, 2).listed[0]?.message,
    "must be one of 0.5, 1, 1.5, -2.25",
  );
});

test("numeric enums nest: paths of items and properties, nullable uses", () => {
  const setting: Schema = {
    type: "object",
    properties: {
      priority: { schema: priority, required: true },
      levels: {
        schema: { type: "array", items: { ...ratio } },
        required: false,
      },
      fallback: {
        schema: {
          type: "integer",
          format: "int64",
          enum: [1, 2],
          nullable: true,
        },
        required: false,
      },
    },
  };
  assert.deepEqual(found(setting, { priority: 1, fallback: null }), []);
  assert.deepEqual(
    found(setting, { priority: 7, levels: [1, 3, 0.5], fallback: 3 }),
    [
      ["$.priority", "enum"],
      ["$.levels[1]", "enum"],
      ["$.fallback", "enum"],
    ],
  );
});

test("string enums are checked as before", () => {
  const update: Schema = { type: "string", enum: ["PUT", "PATCH"] };
  assert.deepEqual(found(update, "PUT"), []);
  assert.deepEqual(found(update, "put"), [["$", "enum"]]);
  assert.deepEqual(found(update, 1), [["$", "type"]]);
});

test("resolve follows a reference to the named schema", () => {
  const op: Schema = { type: "ref", name: "UpdateType" };
  assert.equal(resolve(op), schemas.UpdateType);
  assert.equal(resolve(op).type, "string");
  assert.equal(resolve(priority), priority);
});
