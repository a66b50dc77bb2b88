/**
 * The TypeScript conformance server on Deno: the package's fetch handler over
 * the in-memory implementation (`implementation.ts`), served by `Deno.serve`
 * on `127.0.0.1:$PORT`.
 */
import { createFetchHandler } from "powersync-write-api";

import { implementation, options } from "./implementation.ts";

/** The part of Deno's API this program uses (Node's types are in scope). */
declare const Deno: {
  env: { get(name: string): string | undefined };
  serve(
    options: { hostname: string; port: number; onListen?: () => void },
    handler: (request: Request) => Promise<Response>,
  ): unknown;
};

Deno.serve(
  {
    hostname: "127.0.0.1",
    port: Number(Deno.env.get("PORT")),
    // Deno prints the address otherwise; the driver waits for /health.
    onListen() {},
  },
  createFetchHandler(implementation, options),
);
