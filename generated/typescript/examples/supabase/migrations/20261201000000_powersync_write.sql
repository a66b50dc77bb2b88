-- Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

-- The tables of the powersync-write edge function (supabase/functions/powersync-write).

-- The PostgreSQL write module's own tables (powersync-write-api/postgres).
-- Idempotent: safe to run on every deploy. Row-level security is enabled without
-- policies: only the tables' owner (the role running this, which the writer must
-- connect as) and superusers use them.
CREATE TABLE IF NOT EXISTS "public"."powersync_write_ledger" (
    subject text NOT NULL,
    client_id text NOT NULL,
    last_op_id bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, client_id)
);
CREATE TABLE IF NOT EXISTS "public"."powersync_write_dead_letters" (
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    subject text NOT NULL,
    client_id text,
    "transaction" jsonb NOT NULL,
    error_code text NOT NULL,
    error_message text NOT NULL,
    error_details jsonb NOT NULL,
    operation_index integer NOT NULL,
    ledger_client_id text,
    ledger_op_id bigint
);
CREATE INDEX IF NOT EXISTS "powersync_write_dead_letters_ledger"
    ON "public"."powersync_write_dead_letters" (ledger_client_id, ledger_op_id);
CREATE TABLE IF NOT EXISTS "public"."powersync_write_checkpoints" (
    user_id text NOT NULL,
    client_id text NOT NULL,
    checkpoint bigint NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
ALTER TABLE "public"."powersync_write_ledger" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "public"."powersync_write_dead_letters" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "public"."powersync_write_checkpoints" ENABLE ROW LEVEL SECURITY;

-- The example app's tables: replace them with yours, and the function's `tables`
-- policies with theirs. Row-level security without policies keeps them out of
-- Supabase's Data API; the function connects as their owner, whom it does not bind.
CREATE TABLE public.lists (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.todos (
    id uuid PRIMARY KEY,
    list_id uuid NOT NULL REFERENCES public.lists (id) ON DELETE CASCADE,
    owner_id uuid NOT NULL,
    description text NOT NULL,
    completed boolean NOT NULL DEFAULT false,
    completed_at timestamptz,
    priority integer NOT NULL DEFAULT 0,
    details jsonb
);
ALTER TABLE public.lists ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.todos ENABLE ROW LEVEL SECURITY;
