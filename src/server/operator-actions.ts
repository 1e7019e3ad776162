/** Falls back to `'anonymous'` for a missing or blank actor. */
export function actorName(value: unknown): string {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 256) : 'anonymous';
}
