// SQL the data layer installs in its own schema `realtime_dev` (idempotent; the same on
// PGlite 0.5 = PostgreSQL 18 and on PostgreSQL ≥ 13):
// - `changes`: a queue of captured changes. `pg_notify` payloads are limited to 8000 bytes, so
//   the capture trigger stores the change there and notifies only its id on channel
//   `realtime_dev_changes`; notifications reach listeners at commit, in commit order, and in
//   call order within a transaction. Rows older than 5 minutes are deleted every 256th change,
//   so several servers may read one database.
// - `capture()`: the AFTER ROW trigger function. It builds what the real server derives from
//   wal2json (supabase/realtime `realtime.apply_rls`): columns (attnum order, pg_type.typname),
//   record = to_jsonb(NEW), old_record = the replica-identity columns of OLD (FULL: all; DEFAULT:
//   the primary key; USING INDEX: the index columns), values rendered with TimeZone UTC and
//   IntervalStyle postgres as in the real server's session, whatever the writer's session uses.
//   commit_timestamp is formatted like the real server's (`to_char(… 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`)
//   from now(), the transaction's start, since a trigger cannot see its commit time. The
//   publication's publish = 'insert, update, delete' flags are honoured, as wal2json's `actions`
//   option does. TRUNCATE is not captured (the real server ignores it too).
// - `sync_triggers()`: puts the trigger `realtime_dev_capture` on exactly the tables listed in
//   pg_publication_tables for `supabase_realtime` (our own schema excluded), dropping it elsewhere.
// - `on_ddl()` + event trigger `realtime_dev_sync` on ddl_command_end: runs sync_triggers() after
//   every DDL statement, in the statement's transaction, so `alter publication supabase_realtime
//   add table todos` (or a new table of a FOR ALL TABLES publication) captures from the next
//   statement on. PGlite and PostgreSQL both fire ddl_command_end for ALTER PUBLICATION; creating
//   an event trigger needs a superuser, so on PostgreSQL without one the data layer falls back to
//   `Database.syncTriggers()`. A failing sync only warns: it never breaks the user's DDL.

export const SCHEMA = 'realtime_dev'
export const CHANNEL = 'realtime_dev_changes'
export const PUBLICATION = 'supabase_realtime'
const LOCK_KEY = 7_311_861_447

/** Serialises installs of several servers sharing one database (run inside the install transaction). */
export const LOCK_SQL = `select pg_advisory_xact_lock(${LOCK_KEY});`

export const INSTALL_SQL = `
create schema if not exists ${SCHEMA};
create table if not exists ${SCHEMA}.changes (
  id bigserial primary key,
  created_at timestamptz not null default now(),
  payload jsonb not null
);

create or replace function ${SCHEMA}.capture() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp set TimeZone = 'UTC' set IntervalStyle = 'postgres'
as $capture$
declare
  pub record;
  ident "char";
  key_cols text[];
  ident_cols text[];
  payload jsonb;
  queued bigint;
begin
  select p.pubinsert, p.pubupdate, p.pubdelete into pub from pg_publication p where p.pubname = '${PUBLICATION}';
  if not found or (tg_op = 'INSERT' and not pub.pubinsert) or (tg_op = 'UPDATE' and not pub.pubupdate)
     or (tg_op = 'DELETE' and not pub.pubdelete) then
    return null;
  end if;
  key_cols := array(
    select a.attname::text from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = tg_relid and i.indisprimary order by a.attnum);
  select c.relreplident into ident from pg_class c where c.oid = tg_relid;
  payload := jsonb_build_object(
    'schema', tg_table_schema,
    'table', tg_table_name,
    'type', tg_op,
    'commit_timestamp', to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'columns', coalesce((
      select jsonb_agg(jsonb_build_object('name', a.attname, 'type', t.typname) order by a.attnum)
      from pg_attribute a join pg_type t on t.oid = a.atttypid
      where a.attrelid = tg_relid and a.attnum > 0 and not a.attisdropped), '[]'::jsonb),
    'primary_key', to_jsonb(key_cols),
    'rls_enabled', (select c.relrowsecurity from pg_class c where c.oid = tg_relid));
  if tg_op <> 'DELETE' then
    payload := payload || jsonb_build_object('record', to_jsonb(new));
  end if;
  if tg_op <> 'INSERT' then
    if ident = 'f' then
      payload := payload || jsonb_build_object('old_record', to_jsonb(old));
    else
      ident_cols := case ident
        when 'd' then key_cols
        when 'i' then array(
          select a.attname::text from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
          where i.indrelid = tg_relid and i.indisreplident)
        else '{}'::text[] end;
      payload := payload || jsonb_build_object('old_record', coalesce(
        (select jsonb_object_agg(e.key, e.value) from jsonb_each(to_jsonb(old)) e where e.key = any(ident_cols)),
        '{}'::jsonb));
    end if;
  end if;
  insert into ${SCHEMA}.changes (payload) values (payload) returning id into queued;
  perform pg_notify('${CHANNEL}', queued::text);
  if queued % 256 = 0 then
    delete from ${SCHEMA}.changes where created_at < now() - interval '5 minutes';
  end if;
  return null;
end
$capture$;

create or replace function ${SCHEMA}.sync_triggers() returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $sync$
declare
  r record;
begin
  -- the trigger DDL below fires ddl_command_end again: the nested call has nothing to do
  if current_setting('realtime_dev.syncing', true) = 'on' then
    return;
  end if;
  perform set_config('realtime_dev.syncing', 'on', true);
  for r in
    select c.oid::regclass as rel
    from pg_publication_tables pt
    join pg_namespace n on n.nspname = pt.schemaname
    join pg_class c on c.relnamespace = n.oid and c.relname = pt.tablename
    where pt.pubname = '${PUBLICATION}' and pt.schemaname <> '${SCHEMA}'
      and not exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'realtime_dev_capture')
  loop
    execute format('create trigger realtime_dev_capture after insert or update or delete on %s '
      'for each row execute function ${SCHEMA}.capture()', r.rel);
  end loop;
  for r in
    select t.tgrelid::regclass as rel
    from pg_trigger t
    where t.tgname = 'realtime_dev_capture' and t.tgparentid = 0
      and not exists (
        select 1 from pg_publication_tables pt
        join pg_namespace n on n.nspname = pt.schemaname
        join pg_class c on c.relnamespace = n.oid and c.relname = pt.tablename
        where pt.pubname = '${PUBLICATION}' and pt.schemaname <> '${SCHEMA}' and c.oid = t.tgrelid)
  loop
    execute format('drop trigger realtime_dev_capture on %s', r.rel);
  end loop;
  perform set_config('realtime_dev.syncing', 'off', true);
end
$sync$;

create or replace function ${SCHEMA}.on_ddl() returns event_trigger
language plpgsql as $on_ddl$
begin
  perform ${SCHEMA}.sync_triggers();
exception when others then
  raise warning 'realtime_dev: could not sync capture triggers with publication ${PUBLICATION}: %', sqlerrm;
end
$on_ddl$;
`

export const CREATE_PUBLICATION_SQL = `
do $pub$ begin
  if not exists (select 1 from pg_publication where pubname = '${PUBLICATION}') then
    create publication ${PUBLICATION};
  end if;
end $pub$;
`

export const CREATE_EVENT_TRIGGER_SQL = `
do $evt$ begin
  if not exists (select 1 from pg_event_trigger where evtname = 'realtime_dev_sync') then
    create event trigger realtime_dev_sync on ddl_command_end execute function ${SCHEMA}.on_ddl();
  end if;
end $evt$;
`

export const HAS_EVENT_TRIGGER_SQL = `select exists (select 1 from pg_event_trigger where evtname = 'realtime_dev_sync' and evtenabled <> 'D') as installed`

export const FETCH_SQL = `select id::text as id, payload::text as payload from ${SCHEMA}.changes where id = any($1::bigint[])`
