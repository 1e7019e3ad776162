/**
 * Longest task message, operator `message` and `reason` rnr keeps, in characters (UTF-16 code
 * units). The API refuses longer `message`/`reason` fields; a poll's status line, `ctx.log` line,
 * error text or machine message that is longer is truncated with a visible marker.
 */
export const MAX_MESSAGE_CHARS = 4096;

/** Room for an error's text in a message, leaving the engine's words around it (`poll error 2/3: …`). */
export const ERROR_TEXT_CHARS = MAX_MESSAGE_CHARS - 64;

const thousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * `text`, or when it is longer than `max` characters its start with a marker saying how much was
 * cut (`… [truncated 1,234,567 chars]`); the result is never longer than `max`. A surrogate pair
 * is never split. `total` is the length the count is taken from, when `text` is already an excerpt.
 *
 * @example
 * capMessage('x'.repeat(10_000)).length; // 4096, ending in '… [truncated 5,929 chars]'
 */
export function capMessage(text: string, max = MAX_MESSAGE_CHARS, total = text.length): string {
  if (text.length <= max) return text;
  const marker = (cut: number) => `… [truncated ${thousands(cut)} chars]`;
  // The marker's length depends on the count it shows, which grows as the kept part shrinks: shrink
  // until they agree (two or three rounds).
  let keep = max;
  for (;;) {
    let next = Math.max(0, max - marker(total - keep).length);
    const last = text.charCodeAt(next - 1);
    if (last >= 0xd800 && last <= 0xdbff) next -= 1;
    if (next >= keep) break;
    keep = next;
  }
  return (text.slice(0, keep) + marker(total - keep)).slice(0, max);
}
