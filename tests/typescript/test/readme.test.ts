// The TypeScript examples in the generated package's README type-check against
// the package, the real PowerSync SDK types and the libraries they import, so the
// README cannot drift from the code.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

import ts from "typescript";

const README = fileURLToPath(
  new URL("../../../../generated/typescript/README.md", import.meta.url),
);
const WORK = fileURLToPath(new URL("../readme/", import.meta.url));

/** What a snippet leaves to the app, declared so the snippet can compile. */
const STUBS: Record<string, string> = {
  "schema.ts": [
    'import { Schema, Table, column } from "@powersync/node";',
    "export const AppSchema = new Schema({",
    "  lists: new Table({ name: column.text }),",
    "});",
  ].join("\n"),
  "auth.ts": [
    "export const auth = {",
    "  async getAccessToken(_: { forceRefresh: boolean }): Promise<string | null> {",
    '    return "token";',
    "  },",
    "};",
  ].join("\n"),
  "deno.d.ts": [
    "declare namespace Deno {",
    "  function serve(handler: (request: Request) => Promise<Response>): void;",
    "  const env: { get(name: string): string | undefined };",
    "}",
  ].join("\n"),
  "app.d.ts": [
    'declare const api: import("powersync-write-api").PowerSyncWriteApiHandler<string>;',
    "declare function getToken(): Promise<string>;",
  ].join("\n"),
};

/** Deno's `npm:` specifiers and the web SDK, as this test's packages name them. */
function localImports(code: string): string {
  return code
    .replace(/"npm:([^"@]+|@[^"@]+\/[^"@]+)(@[^"]*)?"/g, '"$1"')
    .replace(/"@powersync\/web"/g, '"@powersync/node"');
}

test("every TypeScript example of the package README type-checks", () => {
  const markdown = readFileSync(README, "utf8");
  const snippets = [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map(
    (m) => m[1] ?? "",
  );
  assert.ok(snippets.length >= 4, `only ${snippets.length} examples found`);
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const files: string[] = [];
  for (const [name, text] of Object.entries(STUBS)) {
    writeFileSync(join(WORK, name), text);
    files.push(join(WORK, name));
  }
  snippets.forEach((code, i) => {
    const file = join(WORK, `example${i + 1}.ts`);
    // `export {}` makes each example a module, as in an app.
    writeFileSync(file, `${localImports(code)}\nexport {};\n`);
    files.push(file);
  });
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : "";
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
  assert.deepEqual(problems, []);
});
