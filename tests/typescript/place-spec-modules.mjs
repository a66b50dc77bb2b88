// The support modules import the spec's own modules (`./operations.js`,
// `./schemas.js`, ...) as siblings, as they are in a generated package. tsc finds
// them through rootDirs but emits them in their own folder; this copies the
// compiled spec modules of generated/typescript/src beside the compiled support
// modules, without replacing a support module, so the unit tests run the
// support sources themselves.
import { copyFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const spec = "build/units/generated/typescript/src";
const support = "build/units/templates/typescript/support";
for (const file of readdirSync(spec)) {
  if (!file.endsWith(".js") || existsSync(join(support, file))) continue;
  copyFileSync(join(spec, file), join(support, file));
}
