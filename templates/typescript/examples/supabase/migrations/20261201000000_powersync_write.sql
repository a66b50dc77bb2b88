-- The tables of the powersync-write edge function (supabase/functions/powersync-write).

-- The example app's tables: replace them with yours, and the function's `tables`
-- policies with theirs.
create table public.lists (
  id uuid primary key,
  owner_id uuid not null,
  name text not null,
  created_at timestamptz not null default now()
);

create table public.todos (
  id uuid primary key,
  list_id uuid not null references public.lists (id) on delete cascade,
  owner_id uuid not null,
  description text not null,
  completed boolean not null default false,
  completed_at timestamptz,
  priority integer not null default 0
);

-- Row level security without a policy: Supabase's Data API does not serve these
-- tables to anyone; the function connects as their owner, which it does not bind.
alter table public.lists enable row level security;
alter table public.todos enable row level security;
