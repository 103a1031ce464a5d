// Supabase's realtime SQL surface, installed at open so a Supabase project's SQL runs here unchanged
// (facts from supabase/realtime priv/repo/tenant_schema/realtime/* and Supabase's auth helpers; the
// SQL is ours):
// - roles `anon`, `authenticated` (plain) and `service_role` (BYPASSRLS), grantable to the server's
//   own user so it can `set_config('role', …)` to them, and default privileges in `public` for all
//   three, as a Supabase database has them (a policy's subquery on the app's tables needs them);
// - schema `auth`: a minimal `auth.users` (for `references auth.users`) and `auth.uid()`,
//   `auth.role()`, `auth.email()`, `auth.jwt()`, which read `request.jwt.claim.*` /
//   `request.jwt.claims` as Supabase's do;
// - schema `realtime`: `messages` (Supabase's columns, RLS enabled, not partitioned), `topic()`
//   (the setting `realtime.topic`), `send(payload jsonb, event text, topic text, private boolean
//   default true)`, `send_binary(payload bytea, …)`, `broadcast_changes(topic_name, event_name,
//   operation, table_name, table_schema, new, old, level default 'ROW')`. As on Supabase, `send`
//   adds the message id to a payload without one, sets `realtime.topic` for the transaction, inserts
//   under the caller's privileges (so RLS insert policies apply to non-superusers) and turns any
//   failure into the warning `WarnSendingBroadcastMessage: …`.
// - delivery: an AFTER INSERT trigger on `realtime.messages` queues each row that has an event and
//   a payload in `realtime_dev.changes` (kind "message") and notifies its id, like captured row
//   changes: subscribers get it at commit (Supabase reads the same rows from a logical replication
//   slot), never for a rolled-back insert (the authorization probes).
//
// Objects that already exist are kept (a database that is a real Supabase one keeps its own); a
// step that needs privileges the server's user lacks (creating roles on PostgreSQL) only warns.
import { CHANNEL, SCHEMA } from './sql-capture.ts'

const fn = (name: string, args: string, body: string) => `
do $f$ begin
  if to_regprocedure('${name}(${args})') is null then
    execute ${dollar(body)};
  end if;
end $f$;`

/** Quotes `sql` as a dollar-quoted literal whose tag does not occur in it. */
function dollar(sql: string): string {
  let tag = 'body'
  while (sql.includes(`$${tag}$`)) tag += '_'
  return `$${tag}$${sql}$${tag}$`
}

export const ROLES_SQL = `
do $roles$
declare
  r text;
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not (select rolsuper from pg_roles where rolname = current_user) then
    foreach r in array array['anon', 'authenticated', 'service_role'] loop
      if not pg_has_role(current_user, r, 'member') then execute format('grant %I to %I', r, current_user); end if;
    end loop;
  end if;
end $roles$;
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
`

export const AUTH_SQL = `
create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;
create table if not exists auth.users (
  id uuid primary key default gen_random_uuid(),
  email text,
  phone text,
  role text,
  raw_app_meta_data jsonb default '{}'::jsonb,
  raw_user_meta_data jsonb default '{}'::jsonb,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
${fn(
  'auth.jwt',
  '',
  `create function auth.jwt() returns jsonb language sql stable as $sql$
  select coalesce(nullif(current_setting('request.jwt.claim', true), ''), nullif(current_setting('request.jwt.claims', true), ''))::jsonb
$sql$`,
)}
${fn(
  'auth.uid',
  '',
  `create function auth.uid() returns uuid language sql stable as $sql$
  select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''), auth.jwt() ->> 'sub')::uuid
$sql$`,
)}
${fn(
  'auth.role',
  '',
  `create function auth.role() returns text language sql stable as $sql$
  select coalesce(nullif(current_setting('request.jwt.claim.role', true), ''), auth.jwt() ->> 'role')::text
$sql$`,
)}
${fn(
  'auth.email',
  '',
  `create function auth.email() returns text language sql stable as $sql$
  select coalesce(nullif(current_setting('request.jwt.claim.email', true), ''), auth.jwt() ->> 'email')::text
$sql$`,
)}
`

export const REALTIME_SQL = `
create schema if not exists realtime;
grant usage on schema realtime to anon, authenticated, service_role;
create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp without time zone not null default now(),
  inserted_at timestamp without time zone not null default now(),
  id uuid not null default gen_random_uuid(),
  binary_payload bytea,
  constraint messages_payload_exclusive check (payload is null or binary_payload is null),
  primary key (id, inserted_at)
);
alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to anon, authenticated, service_role;
create index if not exists messages_inserted_at_topic_index on realtime.messages (inserted_at desc, topic)
  where extension = 'broadcast' and private is true;
${fn(
  'realtime.topic',
  '',
  `create function realtime.topic() returns text language sql stable as $sql$
  select nullif(current_setting('realtime.topic', true), '')::text
$sql$`,
)}
${fn(
  'realtime.send',
  'jsonb, text, text, boolean',
  `create function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void language plpgsql as $plpgsql$
declare
  message_id uuid := gen_random_uuid();
  body jsonb := payload;
begin
  begin
    if body is not null and jsonb_typeof(body) = 'object' and not body ? 'id' then
      body := body || jsonb_build_object('id', message_id);
    end if;
    perform set_config('realtime.topic', topic, true);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (message_id, body, event, topic, private, 'broadcast');
  exception when others then
    raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end
$plpgsql$`,
)}
${fn(
  'realtime.send_binary',
  'bytea, text, text, boolean',
  `create function realtime.send_binary(payload bytea, event text, topic text, private boolean default true)
returns void language plpgsql as $plpgsql$
begin
  begin
    perform set_config('realtime.topic', topic, true);
    insert into realtime.messages (id, binary_payload, event, topic, private, extension)
    values (gen_random_uuid(), payload, event, topic, private, 'broadcast');
  exception when others then
    raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end
$plpgsql$`,
)}
${fn(
  'realtime.broadcast_changes',
  'text, text, text, text, text, record, record, text',
  `create function realtime.broadcast_changes(topic_name text, event_name text, operation text, table_name text,
  table_schema text, new record, old record, level text default 'ROW')
returns void language plpgsql as $plpgsql$
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  if operation not in ('INSERT', 'UPDATE', 'DELETE') then
    raise exception 'Unexpected operation type: %', operation;
  end if;
  perform realtime.send(
    jsonb_build_object('old_record', old, 'record', new, 'operation', operation, 'table', table_name,
      'schema', table_schema),
    event_name, topic_name);
exception when others then
  raise exception 'Failed to process the row: %', sqlerrm;
end
$plpgsql$`,
)}

create or replace function ${SCHEMA}.queue_message() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $queue$
declare
  queued bigint;
begin
  if new.event is null or (new.payload is null and new.binary_payload is null) then
    return null;
  end if;
  insert into ${SCHEMA}.changes (payload) values (jsonb_build_object(
    'kind', 'message',
    'id', new.id,
    'topic', new.topic,
    'event', new.event,
    'private', coalesce(new.private, false),
    'payload', new.payload,
    'binary', encode(new.binary_payload, 'base64')))
  returning id into queued;
  perform pg_notify('${CHANNEL}', queued::text);
  if queued % 256 = 0 then
    delete from ${SCHEMA}.changes where created_at < now() - interval '5 minutes';
  end if;
  return null;
end
$queue$;

do $trg$ begin
  if not exists (select 1 from pg_trigger where tgrelid = 'realtime.messages'::regclass and tgname = 'realtime_dev_deliver') then
    create trigger realtime_dev_deliver after insert on realtime.messages
      for each row execute function ${SCHEMA}.queue_message();
  end if;
end $trg$;
`

/** Whether the project wrote any RLS policy on realtime.messages (then RLS decides private channels). */
export const HAS_MESSAGE_POLICIES_SQL = `select exists (
  select 1 from pg_policy where polrelid = to_regclass('realtime.messages')
) as has`
