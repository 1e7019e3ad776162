/**
 * Edit distance (insertions, deletions, substitutions, swaps of neighbours) between two strings,
 * for "did you mean" suggestions. Small strings only: O(a × b).
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The ids in `candidates` nearest to a mistyped `given` one (the closest only, at most `max`): ids
 * that end with it (`production` → `upgrade/production`), contain it, or are a few edits away
 * from it, whole or by their last segments.
 *
 * @example
 * nearestIds('upgrade/prod', ['upgrade', 'upgrade/production', 'upgrade/staging']); // ['upgrade/production']
 */
export function nearestIds(given: string, candidates: Iterable<string>, max = 3): string[] {
  const segments = given.split('/').length;
  const limit = Math.max(2, Math.floor(given.length / 3));
  const scored: { id: string; score: number }[] = [];
  for (const id of candidates) {
    if (id === given) continue;
    const tail = id.split('/').slice(-segments).join('/');
    let score = Math.min(editDistance(given, id), editDistance(given, tail));
    if (id.endsWith(`/${given}`)) score = 0;
    else if (id.includes(given) || tail.startsWith(given)) score = Math.min(score, 1);
    if (score <= limit) scored.push({ id, score });
  }
  // Only the closest: a typo has one likely meaning, and a list of near misses hides it.
  const best = Math.min(...scored.map((s) => s.score));
  return scored
    .filter((s) => s.score === best)
    .sort((a, b) => a.id.length - b.id.length || (a.id < b.id ? -1 : 1))
    .slice(0, max)
    .map((s) => s.id);
}
