/**
 * The TypeScript conformance server on Bun: the package's fetch handler over
 * the in-memory implementation (`implementation.ts`), served by `Bun.serve`
 * on `127.0.0.1:$PORT`.
 */
import { createFetchHandler } from "powersync-write-api";

import { implementation, options } from "./implementation.ts";

/** The part of Bun's API this program uses. */
declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    fetch: (request: Request) => Promise<Response>;
  }): unknown;
};

Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env["PORT"]),
  fetch: createFetchHandler(implementation, options),
});
