// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

// The PowerSync write backend as a Supabase edge function (see the package README).
import { createRemoteJWKSet, jwtVerify } from "jose";
import postgres from "postgres";
import { createFetchHandler } from "powersync-write-api";
import {
  createPostgresWriter,
  postgresHandler,
} from "powersync-write-api/postgres";

const issuer = `${setting("SUPABASE_URL")}/auth/v1`;
const keys = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
const sql = postgres(setting("SUPABASE_DB_URL"), { prepare: false });

const writer = createPostgresWriter(sql, {
  // A row's owner_id must be the user's id; every other table is refused.
  tables: {
    lists: { ownerColumn: "owner_id" },
    todos: { ownerColumn: "owner_id" },
  },
});

const handler = postgresHandler(writer, {
  // The user's id; null (401) for a token of another issuer or audience,
  // a bad signature or an expired one.
  authenticate: (token) =>
    jwtVerify(token, keys, { issuer, audience: "authenticated" }).then(
      ({ payload }) => payload.sub ?? null,
      () => null,
    ),
});

// Supabase hands .../functions/v1/powersync-write/... to it as /powersync-write/...
Deno.serve(
  createFetchHandler(handler, {
    basePath: "/powersync-write",
    cors: { allowedOrigins: "*" }, // bearer tokens, no cookies
  }),
);

function setting(name: string): string {
  const value = Deno.env.get(name);
  if (value) return value;
  throw new Error(`${name} is not set (Supabase sets it for edge functions)`);
}
