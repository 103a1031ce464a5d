// Fluent builder for postgres_changes `filter` strings, with the public methods of
// @supabase/realtime-js 2.119.1 `RealtimePostgresFilterBuilder` / `postgresChangesFilter()`.
// For the same valid calls build() returns the same bytes as realtime-js; input realtime-js
// would serialise into a filter the server cannot honour throws a TypeError (./filter-values.ts).

import {
  checkColumn,
  isFilterOperator,
  POSTGRES_CHANGES_FILTER_OPERATORS,
  serializeOperand,
  type RealtimeFilterValue,
  type RealtimeInFilterValue,
  type RealtimeIsFilterValue,
  type RealtimePostgresChangesFilterOperator,
} from './filter-values.ts'

/**
 * Appends one `column=operator.value` condition per call; build() joins them with `,`,
 * which the server applies as AND. An empty builder builds `''` ("no filter").
 *
 * @example postgresChangesFilter().eq('id', 1).lt('age', 30).build() // 'id=eq.1,age=lt.30'
 */
export class RealtimePostgresFilterBuilder {
  readonly #conditions: string[] = []

  #add(
    method: string,
    column: string,
    operator: RealtimePostgresChangesFilterOperator,
    value: unknown,
    negate = false,
  ): this {
    const checked = checkColumn(negate ? `not(…, '${operator}')` : `${method}(…)`, column)
    const where = negate ? `not(${JSON.stringify(checked)}, '${operator}')` : `${method}(${JSON.stringify(checked)})`
    this.#conditions.push(`${checked}=${negate ? 'not.' : ''}${serializeOperand(where, operator, value)}`)
    return this
  }

  /** `column=eq.value` */
  eq(column: string, value: RealtimeFilterValue): this {
    return this.#add('eq', column, 'eq', value)
  }

  /** `column=neq.value` */
  neq(column: string, value: RealtimeFilterValue): this {
    return this.#add('neq', column, 'neq', value)
  }

  /** `column=gt.value` */
  gt(column: string, value: RealtimeFilterValue): this {
    return this.#add('gt', column, 'gt', value)
  }

  /** `column=gte.value` */
  gte(column: string, value: RealtimeFilterValue): this {
    return this.#add('gte', column, 'gte', value)
  }

  /** `column=lt.value` */
  lt(column: string, value: RealtimeFilterValue): this {
    return this.#add('lt', column, 'lt', value)
  }

  /** `column=lte.value` */
  lte(column: string, value: RealtimeFilterValue): this {
    return this.#add('lte', column, 'lte', value)
  }

  /** `column=in.(a,b,c)`: at least one value; duplicates (by `===`) are dropped, order kept. */
  in(column: string, values: ReadonlyArray<RealtimeInFilterValue>): this {
    return this.#add('in', column, 'in', values)
  }

  /** `column=like.pattern` (case-sensitive; `%` and `_` are sent verbatim). */
  like(column: string, pattern: string): this {
    return this.#add('like', column, 'like', pattern)
  }

  /** `column=ilike.pattern` (case-insensitive). */
  ilike(column: string, pattern: string): this {
    return this.#add('ilike', column, 'ilike', pattern)
  }

  /** `column=match.pattern` (POSIX regex, `~`). */
  match(column: string, pattern: string): this {
    return this.#add('match', column, 'match', pattern)
  }

  /** `column=imatch.pattern` (case-insensitive POSIX regex, `~*`). */
  imatch(column: string, pattern: string): this {
    return this.#add('imatch', column, 'imatch', pattern)
  }

  /** `column=is.value` with `null`, a boolean or `'null' | 'true' | 'false' | 'unknown'`. */
  is(column: string, value: RealtimeIsFilterValue): this {
    return this.#add('is', column, 'is', value)
  }

  /** `column=isdistinct.value` (NULL-safe inequality, `IS DISTINCT FROM`). */
  isDistinct(column: string, value: RealtimeFilterValue): this {
    return this.#add('isDistinct', column, 'isdistinct', value)
  }

  /** `column=not.operator.value`: `in` takes a list, `is` an IS keyword, the rest a scalar. */
  not(column: string, operator: 'in', value: ReadonlyArray<RealtimeInFilterValue>): this
  not(column: string, operator: 'is', value: RealtimeIsFilterValue): this
  not(
    column: string,
    operator: Exclude<RealtimePostgresChangesFilterOperator, 'in' | 'is'>,
    value: RealtimeFilterValue,
  ): this
  not(
    column: string,
    operator: RealtimePostgresChangesFilterOperator,
    value: RealtimeFilterValue | ReadonlyArray<RealtimeInFilterValue>,
  ): this {
    if (!isFilterOperator(operator)) {
      throw new TypeError(
        `RealtimePostgresFilterBuilder.not(…): operator must be one of ${POSTGRES_CHANGES_FILTER_OPERATORS.join(' ')}, got ${String(operator)}`,
      )
    }
    return this.#add('not', column, operator, value, true)
  }

  /** The conditions joined by `,` (AND). */
  build(): string {
    return this.#conditions.join(',')
  }

  /** Same as build(), so the builder works where a string is expected. */
  toString(): string {
    return this.build()
  }
}

/** A new, empty {@link RealtimePostgresFilterBuilder}. */
export const postgresChangesFilter = (): RealtimePostgresFilterBuilder => new RealtimePostgresFilterBuilder()
