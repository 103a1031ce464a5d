// Behaviour of realtime-js 2.119.1 test/RealtimePostgresFilterBuilder.test.ts, re-stated,
// plus a round-trip property for the PostgREST-style quoting.
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { RealtimePostgresFilterBuilder, postgresChangesFilter } from './filter.ts'

describe('postgresChangesFilter', () => {
  test('returns a new builder on each call', () => {
    expect(postgresChangesFilter()).toBeInstanceOf(RealtimePostgresFilterBuilder)
    expect(postgresChangesFilter()).not.toBe(postgresChangesFilter())
  })

  test('builds an empty string when no condition was added', () => {
    expect(postgresChangesFilter().build()).toBe('')
    expect(String(postgresChangesFilter())).toBe('')
  })
})

describe('single-value operators', () => {
  test.each([
    ['eq', postgresChangesFilter().eq('id', 1), 'id=eq.1'],
    ['neq', postgresChangesFilter().neq('id', 1), 'id=neq.1'],
    ['gt', postgresChangesFilter().gt('age', 18), 'age=gt.18'],
    ['gte', postgresChangesFilter().gte('age', 18), 'age=gte.18'],
    ['lt', postgresChangesFilter().lt('age', 65), 'age=lt.65'],
    ['lte', postgresChangesFilter().lte('age', 65), 'age=lte.65'],
    ['like', postgresChangesFilter().like('title', '%foo%'), 'title=like.%foo%'],
    ['ilike', postgresChangesFilter().ilike('title', '%FOO%'), 'title=ilike.%FOO%'],
    ['match', postgresChangesFilter().match('title', '^foo'), 'title=match.^foo'],
    ['imatch', postgresChangesFilter().imatch('title', '^foo'), 'title=imatch.^foo'],
    ['isDistinct', postgresChangesFilter().isDistinct('value', 1), 'value=isdistinct.1'],
  ])('%s writes column=operator.value', (_name, builder, expected) => {
    expect(builder.build()).toBe(expected)
  })

  test.each([
    ['an integer', 42, 'n=eq.42'],
    ['zero', 0, 'n=eq.0'],
    ['a negative number', -100, 'n=eq.-100'],
    ['a decimal', 9.99, 'n=eq.9.99'],
    ['true', true, 'n=eq.true'],
    ['false', false, 'n=eq.false'],
    ['null', null, 'n=eq.null'],
    ['an empty string', '', 'n=eq.'],
    ['a plain string', 'Realtime', 'n=eq.Realtime'],
  ])('writes %s as realtime-js does', (_name, value, expected) => {
    expect(postgresChangesFilter().eq('n', value).build()).toBe(expected)
  })
})

describe('value quoting', () => {
  test.each([
    ['internal spaces', 'in progress', 'in progress'],
    ['apostrophes', "O'Brien", "O'Brien"],
    ['unicode', 'São Paulo', 'São Paulo'],
    ['LIKE wildcards', 'jo_n%', 'jo_n%'],
    ['an equals sign', '1=1', '1=1'],
    ['dots', 'eq.value', 'eq.value'],
    ['colons and ampersands', 'a:b&c', 'a:b&c'],
    ['braces', 'a{1}', 'a{1}'],
  ])('keeps values with %s verbatim', (_name, value, expected) => {
    expect(postgresChangesFilter().eq('c', value).build()).toBe(`c=eq.${expected}`)
  })

  test('quotes values containing commas', () => {
    expect(postgresChangesFilter().eq('name', 'a,b').build()).toBe('name=eq."a,b"')
    expect(postgresChangesFilter().match('code', 'a{1,2}').build()).toBe('code=match."a{1,2}"')
  })

  test('quotes values containing parentheses', () => {
    expect(postgresChangesFilter().match('code', '^(a|b)$').build()).toBe('code=match."^(a|b)$"')
  })

  test('escapes double quotes inside the quotes', () => {
    expect(postgresChangesFilter().eq('name', 'say "hi"').build()).toBe('name=eq."say \\"hi\\""')
  })

  test('escapes backslashes inside the quotes', () => {
    expect(postgresChangesFilter().eq('path', 'C:\\tmp').build()).toBe('path=eq."C:\\\\tmp"')
  })

  test('quotes values with leading or trailing whitespace', () => {
    expect(postgresChangesFilter().eq('name', ' a ').build()).toBe('name=eq." a "')
    expect(postgresChangesFilter().eq('name', 'a\n').build()).toBe('name=eq."a\n"')
  })

  test('quotes so that a PostgREST-style reader gets the value back', () => {
    const unquote = (operand: string): string =>
      operand.startsWith('"') ? operand.slice(1, -1).replace(/\\(.)/gs, '$1') : operand
    fc.assert(
      fc.property(fc.string(), (value) => {
        const built = postgresChangesFilter().eq('c', value).build()
        expect(unquote(built.slice('c=eq.'.length))).toBe(value)
        // a comma or parenthesis left outside quotes would split the filter on the server
        expect(built.replace(/"(?:\\.|[^"\\])*"/gs, '')).not.toMatch(/[,()]/)
      }),
    )
  })
})

describe('is', () => {
  test.each([
    [null, 'd=is.null'],
    [true, 'd=is.true'],
    [false, 'd=is.false'],
    ['null', 'd=is.null'],
    ['true', 'd=is.true'],
    ['false', 'd=is.false'],
    ['unknown', 'd=is.unknown'],
  ] as const)('writes is(%s) unquoted', (value, expected) => {
    expect(postgresChangesFilter().is('d', value).build()).toBe(expected)
  })
})

describe('in', () => {
  test('writes the list inside parentheses', () => {
    expect(postgresChangesFilter().in('status', ['active', 'pending']).build()).toBe('status=in.(active,pending)')
    expect(postgresChangesFilter().in('id', [1]).build()).toBe('id=in.(1)')
    expect(postgresChangesFilter().in('flag', [true, false]).build()).toBe('flag=in.(true,false)')
  })

  test('quotes only the elements that need it', () => {
    expect(postgresChangesFilter().in('label', ['a,b', 'c']).build()).toBe('label=in.("a,b",c)')
    expect(postgresChangesFilter().in('tag', ['a%b', 'c_d', 'e\\f']).build()).toBe('tag=in.(a%b,c_d,"e\\\\f")')
  })

  test('drops repeated values and keeps first-seen order', () => {
    expect(postgresChangesFilter().in('id', [2, 1, 2, 1]).build()).toBe('id=in.(2,1)')
  })

  test('keeps a number and the equal string as two values', () => {
    expect(postgresChangesFilter().in('id', [1, '1']).build()).toBe('id=in.(1,1)')
  })
})

describe('not', () => {
  test.each([
    [postgresChangesFilter().not('status', 'eq', 'draft'), 'status=not.eq.draft'],
    [postgresChangesFilter().not('id', 'gt', 5), 'id=not.gt.5'],
    [postgresChangesFilter().not('title', 'like', '%foo%'), 'title=not.like.%foo%'],
    [postgresChangesFilter().not('title', 'imatch', '(a|b)'), 'title=not.imatch."(a|b)"'],
    [postgresChangesFilter().not('v', 'isdistinct', null), 'v=not.isdistinct.null'],
    [postgresChangesFilter().not('deleted_at', 'is', null), 'deleted_at=not.is.null'],
    [postgresChangesFilter().not('flag', 'is', 'unknown'), 'flag=not.is.unknown'],
    [postgresChangesFilter().not('status', 'in', ['draft', 'archived']), 'status=not.in.(draft,archived)'],
  ])('prefixes the operator with not. (%#)', (builder, expected) => {
    expect(builder.build()).toBe(expected)
  })
})

describe('build', () => {
  test('joins conditions with commas in call order', () => {
    const built = postgresChangesFilter()
      .eq('schema', 'public')
      .gte('age', 18)
      .in('status', ['active', 'pending'])
      .like('name', '%a%')
      .not('deleted_at', 'is', null)
      .build()
    expect(built).toBe('schema=eq.public,age=gte.18,status=in.(active,pending),name=like.%a%,deleted_at=not.is.null')
  })

  test('keeps repeated conditions on one column', () => {
    expect(postgresChangesFilter().gt('age', 18).lt('age', 65).build()).toBe('age=gt.18,age=lt.65')
  })

  test('reflects conditions added after an earlier build', () => {
    const builder = postgresChangesFilter().eq('id', 1)
    expect(builder.build()).toBe('id=eq.1')
    expect(builder.build()).toBe('id=eq.1')
    builder.gt('age', 18)
    expect(builder.build()).toBe('id=eq.1,age=gt.18')
  })

  test('returns the same builder from every method, for chaining', () => {
    const builder = postgresChangesFilter()
    expect(builder.eq('a', 1).in('b', [1]).is('c', null).not('d', 'eq', 1)).toBe(builder)
  })

  test('is what toString and template strings give', () => {
    const builder = postgresChangesFilter().eq('id', 1).eq('active', true)
    expect(`${builder}`).toBe('id=eq.1,active=eq.true')
    expect(builder.toString()).toBe(builder.build())
  })
})
