// Subscribing a parsed subscription, with the real server's messages: supabase/realtime
// `Subscriptions.create/5` (`params_to_log/1`, `Realtime.Logs.to_log/1` = inspect with
// `pretty: true`) and Postgrex.Error's message (`"ERROR <code> (<name>) <message>"`, then
// `\n    table|column|constraint|hint: …` lines, then `\n\n<detail>`; elixir-ecto/postgrex
// lib/postgrex/error.ex). The checks run in the database (./sql-check.ts). The real server
// pushes the message as a postgres_changes `system` error and does not retry either case.
import { inspectPretty, type Term } from './inspect.ts'
import { SCHEMA } from './sql-capture.ts'
import type { ResolveResult, Subscription, TableRef } from './types.ts'

type Query = (sql: string, params: readonly unknown[]) => Promise<{ rows: Array<{ result: unknown }> }>

type CheckError = {
  ok: false
  code: string
  message: string
  detail?: string | null
  hint?: string | null
  table?: string | null
  column?: string | null
  constraint?: string | null
}
type CheckResult = { ok: true; tables: TableRef[] } | CheckError

/** Postgrex's names for the SQLSTATEs these checks can raise (others print as `nil`, like Postgrex). */
const CODE_NAMES: Record<string, string> = {
  P0001: 'raise_exception',
  '0A000': 'feature_not_supported',
  '22001': 'string_data_right_truncation',
  '22003': 'numeric_value_out_of_range',
  '22007': 'invalid_datetime_format',
  '22008': 'datetime_field_overflow',
  '22009': 'invalid_time_zone_displacement_value',
  '22021': 'character_not_in_repertoire',
  '22023': 'invalid_parameter_value',
  '2201B': 'invalid_regular_expression',
  '2202E': 'array_subscript_error',
  '22P02': 'invalid_text_representation',
  '22P05': 'untranslatable_character',
  '42601': 'syntax_error',
  '42703': 'undefined_column',
  '42704': 'undefined_object',
  '42804': 'datatype_mismatch',
  '42846': 'cannot_coerce',
  '42883': 'undefined_function',
  '42P01': 'undefined_table',
  '54000': 'program_limit_exceeded',
  XX000: 'internal_error',
}

/** `[event: *, schema: public, table: t, filters: [{"id", "eq", "1", false}], select: nil]` content. */
export function paramsToLog(subscription: Subscription): string {
  const filters: Term = subscription.filters.map((f) => ({ tuple: [f.column, f.op, f.value, f.negate] }))
  const select = subscription.select === null ? 'nil' : inspectPretty([...subscription.select])
  return `event: ${subscription.event}, schema: ${subscription.schema}, table: ${subscription.table}, filters: ${inspectPretty(filters)}, select: ${select}`
}

/** `Exception.message/1` of a Postgrex.Error. */
export function postgrexMessage(error: Omit<CheckError, 'ok'>): string {
  let text = `ERROR ${error.code} (${CODE_NAMES[error.code] ?? 'nil'}) ${error.message}`
  const metadata = (['table', 'column', 'constraint', 'hint'] as const)
    .filter((k) => error[k])
    .map((k) => `\n    ${k}: ${error[k]}`)
  if (metadata.length > 0) text += `\n${metadata.join('')}`
  if (error.detail) text += `\n\n${error.detail}`
  return text
}

export async function resolveSubscription(query: Query, subscription: Subscription): Promise<ResolveResult> {
  const { rows } = await query(`select ${SCHEMA}.check_subscription($1, $2, $3::jsonb, $4::jsonb) as result`, [
    subscription.schema,
    subscription.table,
    JSON.stringify(subscription.filters),
    subscription.select === null ? null : JSON.stringify(subscription.select),
  ])
  const raw = rows[0]?.result
  const result = (typeof raw === 'string' ? JSON.parse(raw) : raw) as CheckResult
  const prefix = 'Unable to subscribe to changes with given parameters.'
  if (!result.ok) {
    return {
      ok: false,
      message: `${prefix} An exception happened so please check your connect parameters: [${paramsToLog(subscription)}]. Exception: ${postgrexMessage(result)}`,
    }
  }
  if (result.tables.length === 0) {
    return {
      ok: false,
      message: `${prefix} Please check Realtime is enabled for the given connect parameters: [${paramsToLog(subscription)}]`,
    }
  }
  return { ok: true, subscription: { ...subscription, tables: result.tables } }
}
