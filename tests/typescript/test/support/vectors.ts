// The shared validation vectors of tests/vectors (format: tests/vectors/README.md).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Vector {
  file: string;
  description: string;
  schema: string;
  value: unknown;
  errors: { path: string; keyword: string }[];
  /** How many violations the value has beyond the listed `errors` (0 when absent). */
  omitted?: number;
}

/** tests/vectors, found from this file's place in tests/typescript/build/test/support. */
export const VECTORS_DIR = fileURLToPath(
  new URL("../../../../vectors/", import.meta.url),
);

export function loadVectors(): Vector[] {
  const vectors: Vector[] = [];
  for (const schema of readdirSync(VECTORS_DIR, { withFileTypes: true })) {
    if (!schema.isDirectory()) continue;
    const dir = join(VECTORS_DIR, schema.name);
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith(".json")) continue;
      const text = readFileSync(join(dir, file), "utf8");
      vectors.push({ file: `${schema.name}/${file}`, ...JSON.parse(text) });
    }
  }
  return vectors;
}

/**
 * How a server that validates `WriteBatch.transactions` one by one answers a
 * vector: `undefined` when a violation lies outside every transaction (the
 * envelope: 400 with all of `errors`), else each invalid transaction's violations
 * by index (200, the others valid).
 */
export function perTransaction(
  errors: readonly { path: string; keyword: string }[],
): Map<number, { path: string; keyword: string }[]> | undefined {
  const byIndex = new Map<number, { path: string; keyword: string }[]>();
  for (const error of errors) {
    const match = /^\$\.transactions\[(\d+)\](?:$|[.[])/.exec(error.path);
    if (match === null) return undefined;
    const index = Number(match[1]);
    byIndex.set(index, [...(byIndex.get(index) ?? []), error]);
  }
  return byIndex;
}

/** Violations as a sorted multiset of `path keyword` strings. */
export function multiset(
  violations: readonly { path: string; keyword: string }[],
): string[] {
  return violations.map((v) => `${v.path} ${v.keyword}`).sort();
}
