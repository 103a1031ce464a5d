// The demo app's schema and seed (issue #6), run at start when `demo` is on, after `options.sql`.
// Idempotent: tables are created if missing, added to publication `supabase_realtime` only if
// not already in it, and seeded only when empty, so a server with `--data` can restart.

export const DEMO_SQL = `
create table if not exists demo_messages (
  id uuid primary key,
  room text not null,
  user_id text not null,
  user_name text not null,
  color text not null,
  text text not null,
  created_at timestamptz not null default now()
);
create index if not exists demo_messages_room_created on demo_messages (room, created_at);
create table if not exists demo_todos (
  id serial primary key,
  list_id int not null,
  title text not null,
  done boolean not null default false,
  created_at timestamptz not null default now()
);
alter table demo_todos replica identity full;
do $$
declare t text;
begin
  if exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    foreach t in array array['demo_messages', 'demo_todos'] loop
      if not exists (select 1 from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = t) then
        execute format('alter publication supabase_realtime add table public.%I', t);
      end if;
    end loop;
  end if;
end $$;
insert into demo_todos (list_id, title, done)
  select v.list_id, v.title, v.done from (values
    (1, 'Open this page in a second window', true),
    (1, 'Tick a todo and watch the other window', false),
    (1, 'Add a todo of your own', false),
    (2, 'Buy milk', false),
    (2, 'Water the plants', false)
  ) as v(list_id, title, done)
  where not exists (select 1 from demo_todos);
insert into demo_messages (id, room, user_id, user_name, color, text)
  select '00000000-0000-4000-8000-000000000001', 'lobby', 'demo', 'shared-realtime', '#6366f1',
    'Welcome to the lobby! Messages here are stored in Postgres and arrive live over Realtime.'
  where not exists (select 1 from demo_messages);
`
