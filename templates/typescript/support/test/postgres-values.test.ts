// The PostgreSQL module's conversion and classification rules against the vectors
// it shares with the reference backend (tests/postgres-vectors/README.md), and what
// only JavaScript can receive.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";

import {
  classifySqlState,
  toText,
  type ColumnType,
  type Converted,
} from "../postgres-values.ts";

/** tests/postgres-vectors, found above this file wherever the build put it. */
function vectorsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "tests", "postgres-vectors"))) {
    const parent = dirname(dir);
    assert.notEqual(parent, dir, "tests/postgres-vectors not found");
    dir = parent;
  }
  return join(dir, "tests", "postgres-vectors");
}

function load(name: string): { cases: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(join(vectorsDir(), name), "utf8"));
}

type Answer = { text: string | null } | { error: string };

function answer(converted: Converted): Answer {
  return converted.ok ? { text: converted.text } : { error: converted.message };
}

function holdsUnsafeInteger(value: unknown): boolean {
  if (typeof value === "number") {
    return Number.isInteger(value) && !Number.isSafeInteger(value);
  }
  if (typeof value === "string") {
    try {
      return holdsUnsafeInteger(JSON.parse(value));
    } catch {
      return false;
    }
  }
  if (typeof value === "object" && value !== null) {
    return Object.values(value).some(holdsUnsafeInteger);
  }
  return false;
}

describe("values.json", () => {
  const { cases } = load("values.json");

  test("every case converts as the reference backend does", () => {
    const failures: string[] = [];
    let overridden = 0;
    for (const [index, c] of cases.entries()) {
      const expected = (c["javascript"] ??
        ("error" in c ? { error: c["error"] } : { text: c["text"] })) as Answer;
      if (c["javascript"] !== undefined) overridden++;
      const actual = answer(toText(c["type"] as ColumnType, c["value"]));
      try {
        assert.deepEqual(actual, expected);
      } catch {
        failures.push(
          `case ${index} (${JSON.stringify(c["value"])} as ${JSON.stringify(c["type"])}): ` +
            `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
        );
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(cases.length >= 300, `only ${cases.length} cases`);
    assert.ok(overridden >= 10, `only ${overridden} JavaScript answers`);
  });

  test("JavaScript answers differently only for integers beyond 2^53, by refusing them", () => {
    for (const c of cases) {
      if (c["javascript"] === undefined) continue;
      const shown = JSON.stringify(c);
      assert.ok(holdsUnsafeInteger(c["value"]), `no unsafe integer: ${shown}`);
      const js = c["javascript"] as Answer;
      assert.ok("error" in js, `an answer that is not a refusal: ${shown}`);
      assert.match(js.error, /JavaScript cannot hold exactly/, shown);
    }
  });
});

test("sqlstates.json: every SQLSTATE is classified as by the reference backend", () => {
  const { cases } = load("sqlstates.json");
  for (const c of cases) {
    const found = classifySqlState(c["sqlstate"] as string);
    const actual =
      found === undefined
        ? null
        : found === "retryable"
          ? "retryable"
          : found.fatal;
    assert.equal(actual, c["class"], String(c["sqlstate"]));
  }
  assert.ok(cases.length >= 40);
});

describe("what only JavaScript receives", () => {
  test("unpaired surrogates are refused for every type, nested ones too", () => {
    for (const [type, value] of [
      ["text", "a\ud800b"],
      ["text", "\udc00"],
      ["jsonb", { k: ["\ud83d"] }],
      ["jsonb", { "\ud800": 1 }],
      [{ array: "text" }, ["ok", "\udfff"]],
      ["bool", "\ud800"],
    ] as [ColumnType, unknown][]) {
      const converted = toText(type, value);
      assert.equal(converted.ok, false, JSON.stringify(value));
      assert.match(
        (converted as { message: string }).message,
        /unpaired UTF-16 surrogate/,
      );
    }
    // A proper pair is one character.
    assert.deepEqual(toText("text", "\ud83d\ude00"), {
      ok: true,
      text: "\ud83d\ude00",
    });
  });

  test("integers beyond 2^53 inside values are refused, never rounded", () => {
    const refused = (type: ColumnType, value: unknown): void => {
      const converted = toText(type, value);
      assert.equal(converted.ok, false, JSON.stringify(value));
      assert.match(
        (converted as { message: string }).message,
        /beyond ±9007199254740991, which JavaScript cannot hold exactly/,
      );
    };
    refused("json", { a: [1, 2 ** 60] });
    refused("text", [2 ** 53]);
    refused({ enum: ["a"] }, 2 ** 70);
    refused({ domain: "numeric" }, -(2 ** 53));
    refused({ array: "int8" }, [1, 2 ** 63]);
    // Floats are doubles anyway: no refusal, the shortest text of the double.
    assert.deepEqual(toText("float8", 2 ** 60), {
      ok: true,
      text: "1152921504606847000",
    });
    assert.deepEqual(toText("numeric", 2 ** 53 - 1), {
      ok: true,
      text: "9007199254740991",
    });
  });

  test("undefined (a property set to undefined in code) is SQL NULL like null", () => {
    assert.deepEqual(toText("int4", undefined), { ok: true, text: null });
  });
});
