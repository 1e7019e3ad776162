/**
 * The one statement of `claimScheduleFire` on PostgreSQL (`$1` workflow, `$2` schedule, `$3` fire
 * time, `$4` this call's id, `$5` claims kept less two). The primary key (workflow, schedule,
 * fire time) decides between processes claiming the same time at once: the second insert waits for
 * the first and then does nothing. A time before one already claimed is not inserted (a schedule's
 * times only move forward, and pruned claims must not be won again). The claim carries the id of
 * the call (the process's id and a random part), so the statement run again after a lost
 * connection still answers true to the call that won, and only to it.
 * Once won, the schedule's claims older than the newest few are deleted.
 *
 * @example
 * await pool.query(claimFireSql('"rnr"'), ['nightly', '0 2 * * *', at, processId, 8]);
 */
export function claimFireSql(schema: string): string {
  const fires = `${schema}.schedule_fires`;
  return `WITH won AS (
      INSERT INTO ${fires} (workflow, schedule, fire_at, claimed_by)
      SELECT $1, $2, $3, $4
      WHERE NOT EXISTS (SELECT 1 FROM ${fires} WHERE workflow = $1 AND schedule = $2 AND fire_at > $3)
      ON CONFLICT DO NOTHING
      RETURNING fire_at
    ), pruned AS (
      DELETE FROM ${fires} f
      WHERE f.workflow = $1 AND f.schedule = $2 AND EXISTS (SELECT 1 FROM won)
        AND f.fire_at < (SELECT g.fire_at FROM ${fires} g WHERE g.workflow = $1 AND g.schedule = $2
          ORDER BY g.fire_at DESC OFFSET $5 LIMIT 1)
    )
    SELECT EXISTS (SELECT 1 FROM won)
      OR EXISTS (SELECT 1 FROM ${fires} WHERE workflow = $1 AND schedule = $2 AND fire_at = $3
        AND claimed_by = $4) AS won`;
}
