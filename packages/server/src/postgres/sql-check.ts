// `realtime_dev.check_subscription(schema, table, filters, select)`: what the real server's
// subscription insert does before any change flows (supabase/realtime `Subscriptions.create/5`
// + trigger function `realtime.subscription_check_filters`, @ 833cf36c), run in the same
// database so every message comes from Postgres itself:
// - the tables are those of publication supabase_realtime whose schema and name match the
//   subscription's schema/table as LIKE patterns with `escape ''` (`*` = `%`);
// - per table, each filter's column must exist ('invalid column for filter %'); `in` values must
//   cast to the column's array type, at most 100 of them; `is` takes null/true/false/unknown, the
//   last three on boolean columns only; like/ilike need a `~~` operator for the column type
//   (so not varchar: its `~~` is text's), match/imatch a `~`/`~*` operator and a valid regex;
//   other values must cast to the column type (bytea: anything); `select` columns must exist.
// Differences: column privileges of the subscriber's role are not checked (all columns count),
// and the error is returned, not raised (`{ok: false, code, message, detail, hint, …}`), so a
// failed check never aborts a transaction the session may have open.
import { PUBLICATION, SCHEMA } from './sql-capture.ts'

export const CHECK_SQL = `
create or replace function ${SCHEMA}.check_subscription(p_schema text, p_table text, p_filters jsonb, p_select jsonb)
returns jsonb language plpgsql set search_path = pg_catalog, pg_temp as $check$
declare
  ent record;
  f jsonb;
  col_names text[];
  col_type regtype;
  in_val jsonb;
  selected text;
  found_tables jsonb := '[]'::jsonb;
  e_state text; e_message text; e_detail text; e_hint text; e_table text; e_column text; e_constraint text;
begin
  for ent in
    select pt.schemaname::text as s, pt.tablename::text as t, c.oid as rel
    from pg_publication_tables pt
    join pg_namespace n on n.nspname = pt.schemaname
    join pg_class c on c.relnamespace = n.oid and c.relname = pt.tablename
    where pt.pubname = '${PUBLICATION}'
      and pt.schemaname like (case p_schema when '*' then '%' else p_schema end) escape ''
      and pt.tablename like (case p_table when '*' then '%' else p_table end) escape ''
    order by 1, 2
  loop
    col_names := array(
      select a.attname::text from pg_attribute a
      where a.attrelid = ent.rel and a.attnum > 0 and not a.attisdropped order by a.attnum);
    for f in select value from jsonb_array_elements(p_filters) loop
      if not (f->>'column') = any(col_names) then
        raise exception 'invalid column for filter %', f->>'column';
      end if;
      col_type := (select a.atttypid::regtype from pg_attribute a where a.attrelid = ent.rel and a.attname = f->>'column');
      if col_type is null then
        raise exception 'failed to lookup type for column %', f->>'column';
      end if;
      if f->>'op' = 'in' then
        execute format('select to_jsonb(%L::%s)', f->>'value', col_type::text || '[]') into in_val;
        if coalesce(jsonb_array_length(in_val), 0) > 100 then
          raise exception 'too many values for \`in\` filter. Maximum 100';
        end if;
      elsif f->>'op' = 'is' then
        if f->>'value' not in ('null', 'true', 'false', 'unknown') then
          raise exception 'invalid value for is filter: must be null, true, false, or unknown';
        end if;
        if f->>'value' <> 'null' and col_type <> 'boolean'::regtype then
          raise exception 'is % filter requires a boolean column, got %', f->>'value', col_type::text;
        end if;
      elsif f->>'op' in ('like', 'ilike') then
        if not exists (select 1 from pg_operator where oprname = '~~' and oprleft = col_type) then
          raise exception 'operator % requires a text-compatible column type, got %', f->>'op', col_type::text;
        end if;
      elsif f->>'op' in ('match', 'imatch') then
        if not exists (
          select 1 from pg_operator
          where oprname = case when f->>'op' = 'imatch' then '~*' else '~' end
            and oprleft = col_type and oprright = col_type and oprresult = 'boolean'::regtype
        ) then
          raise exception 'operator % requires a text-compatible column type, got %', f->>'op', col_type::text;
        end if;
        begin
          perform '' ~ (f->>'value');
        exception when others then
          raise exception 'invalid regular expression for % filter: %', f->>'op', sqlerrm;
        end;
      elsif col_type <> 'bytea'::regtype then
        execute format('select to_jsonb(%L::%s)', f->>'value', col_type::text);
      end if;
    end loop;
    for selected in select jsonb_array_elements_text(coalesce(p_select, '[]'::jsonb)) loop
      if not selected = any(col_names) then
        raise exception 'invalid column for select %', selected;
      end if;
    end loop;
    found_tables := found_tables || jsonb_build_array(jsonb_build_object('schema', ent.s, 'table', ent.t));
  end loop;
  return jsonb_build_object('ok', true, 'tables', found_tables);
exception when others then
  get stacked diagnostics e_state = returned_sqlstate, e_message = message_text, e_detail = pg_exception_detail,
    e_hint = pg_exception_hint, e_table = table_name, e_column = column_name, e_constraint = constraint_name;
  return jsonb_build_object('ok', false, 'code', e_state, 'message', e_message, 'detail', nullif(e_detail, ''),
    'hint', nullif(e_hint, ''), 'table', nullif(e_table, ''), 'column', nullif(e_column, ''),
    'constraint', nullif(e_constraint, ''));
end
$check$;
`
