// Runs everywhere. The few characters above U+00FF that this project's messages use, made at run time. One such
// character in a string literal makes the whole script a two-byte (UTF-16) string in Blink and V8, whose source text
// every tab and the worker hold for as long as the script lives: twice the bytes for the whole file (decision 82).
// Minifiers turn `\u` escapes and `String.fromCharCode(<constant>)` back into the character itself (Vite 8's does),
// so these are parsed from JSON escapes, which no minifier evaluates. package.test.ts checks that a Vite app's
// bundles stay one-byte.

const char = (escape: string): string => JSON.parse(`"\\u${escape}"`) as string

/** GREATER-THAN OR EQUAL TO (U+2265). */
export const GE = char('2265')
/** HORIZONTAL ELLIPSIS (U+2026). */
export const ELLIPSIS = char('2026')
/** EN DASH (U+2013). */
export const EN_DASH = char('2013')
