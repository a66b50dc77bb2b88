/**
 * The TypeScript conformance server on Node: the in-memory implementation
 * (`implementation.ts`) served by the package's Node adapter on
 * `127.0.0.1:$PORT`.
 */
import { createServer } from "node:http";

import { createNodeListener } from "powersync-write-api/node";

import { implementation, options } from "./implementation.ts";

createServer(createNodeListener(implementation, options)).listen(
  Number(process.env["PORT"]),
  "127.0.0.1",
);
