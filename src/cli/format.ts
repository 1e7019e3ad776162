import pc from 'picocolors';

/** One glyph per state name, shared by the tree, the live view and the plain printer. */
const symbols: Record<string, string> = {
  UNKNOWN: '?',
  PENDING: '·',
  RUNNING: '▶',
  SUCCESS: '✓',
  FAILED: '✗',
  SKIPPED: '⊘',
  ACTION_PENDING: '◆',
};

const colours: Record<string, (s: string) => string> = {
  UNKNOWN: pc.dim,
  PENDING: pc.dim,
  RUNNING: pc.cyan,
  SUCCESS: pc.green,
  FAILED: pc.red,
  SKIPPED: pc.gray,
  ACTION_PENDING: (s) => pc.bold(pc.yellow(s)),
};

/** The glyph of a state name, e.g. `✓` for SUCCESS. */
export function stateSymbol(state: string): string {
  return symbols[state] ?? '?';
}

/** Paints `text` in the colour of a state (no-op when colours are off). */
export function paintState(state: string, text: string): string {
  return (colours[state] ?? pc.reset)(text);
}

/** A state name with its glyph, coloured: `✓ SUCCESS`. */
export function stateLabel(state: string): string {
  return paintState(state, `${stateSymbol(state)} ${state}`);
}

/** A wall-clock time as `HH:MM:SS` (local time), for event lines. */
export function formatClock(ms: number | undefined): string {
  const d = new Date(ms ?? Date.now());
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** A wall-clock date and time as `YYYY-MM-DD HH:MM` (local time), for times hours or days away. */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** Cuts `text` to `width` characters with an ellipsis; `text` must not contain colour codes. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text;
  return chars.slice(0, Math.max(0, width - 1)).join('') + '…';
}

/**
 * Characters a terminal would act on rather than show: C0 controls (ESC, BEL, CR, newline…), DEL,
 * C1 controls, and the bidirectional overrides that make text read other than it is.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const controlChars = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const hasControlChar = new RegExp(controlChars.source);

const named = new Map([
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
]);

/** One control character as an escape: `\n`, `\x1b`, `\u202e`. */
function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return (
    named.get(c) ??
    (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
  );
}

/**
 * Text from outside (a poll's message, a task id, a reason) made safe to print on a terminal: every
 * control character shows as an escape (`\x1b[2J`, `\n`), so a message cannot clear the screen,
 * ring the bell, rewrite earlier lines or hide what follows. The API keeps the text as it is; only
 * what rnr prints on a terminal is escaped.
 *
 * @example
 * printable('done\u001b[2J'); // 'done\\x1b[2J'
 */
export function printable(text: string | undefined): string {
  if (!text) return '';
  return text.replace(controlChars, escapeChar);
}

/**
 * Quotes a command-line argument for a POSIX shell only when it needs it. An argument with control
 * characters is written as `$'…'` with escapes (bash, zsh and ksh read it back as it was).
 */
export function shellQuote(arg: string): string {
  if (/^[\w./:@%+=,-]+$/.test(arg)) return arg;
  if (hasControlChar.test(arg)) {
    return `$'${arg.replace(/[\\']/g, (c) => `\\${c}`).replace(controlChars, escapeChar)}'`;
  }
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Renders rows as left-aligned columns separated by two spaces (the last column is not padded). */
export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
