// PostgreSQL text cannot hold U+0000, and its JSON functions refuse a lone surrogate, while a
// JavaScript string (a poll's message, an operator's reason, a task id) may hold either. Every string
// the store writes goes through `toDb`, and every string it reads through `fromDb`:
// - a lone surrogate becomes U+FFFD, as it does on its way into SQLite or any UTF-8 file;
// - U+0000 is written as U+E000 '0' and U+E000 itself as U+E000 U+E000 (U+E000 is a private-use
//   character), so both come back exactly. Strings without either are written as they are.

const ESCAPE = '\uE000';
const NEEDS_ESCAPE = /[\0\uE000]/;
const ESCAPED = /\uE000([0\uE000])/g;

interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** A string as the store writes it (see the file's header). */
export function toDb(value: string): string {
  let text = value;
  if (!(text as unknown as WellFormed).isWellFormed()) text = (text as unknown as WellFormed).toWellFormed();
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[\0\uE000]/g, (c) => (c === '\0' ? `${ESCAPE}0` : `${ESCAPE}${ESCAPE}`));
}

/** A string as the store reads it back: the inverse of {@link toDb}. */
export function fromDb(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value ?? '');
  if (!text.includes(ESCAPE)) return text;
  return text.replace(ESCAPED, (_all, c: string) => (c === '0' ? '\0' : ESCAPE));
}

/** A value as JSON text for a text column (JSON escapes U+0000 and lone surrogates itself). */
export function jsonToDb(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** JSON text read back from a text column. */
export function jsonFromDb(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : undefined;
}
