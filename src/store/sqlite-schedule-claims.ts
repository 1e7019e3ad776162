import type Database from 'better-sqlite3';
import { SCHEDULE_FIRES_KEPT } from '../engine/store.js';
import type { ScheduleFire } from './schedule-claims.js';

/**
 * `claimScheduleFire` on SQLite: in one write transaction, nothing at or after the time is
 * claimed yet, so the insert wins (processes sharing the file take the write lock in turn); the
 * schedule's claims beyond the newest {@link SCHEDULE_FIRES_KEPT} are deleted with it.
 *
 * @example
 * const claim = sqliteScheduleClaims(db);
 * claim({ workflow: 'nightly', schedule: '0 2 * * *', at }); // true once
 */
export function sqliteScheduleClaims(db: Database.Database): (fire: ScheduleFire) => boolean {
  const later = db.prepare(
    'SELECT 1 FROM schedule_fires WHERE workflow = ? AND schedule = ? AND fire_at >= ? LIMIT 1',
  );
  const insert = db.prepare(
    'INSERT INTO schedule_fires (workflow, schedule, fire_at, claimed_at) VALUES (?, ?, ?, ?)',
  );
  const prune = db.prepare(`
    DELETE FROM schedule_fires WHERE workflow = @workflow AND schedule = @schedule AND fire_at < (
      SELECT fire_at FROM schedule_fires WHERE workflow = @workflow AND schedule = @schedule
      ORDER BY fire_at DESC LIMIT 1 OFFSET @offset)`);
  return db.transaction(({ workflow, schedule, at }: ScheduleFire): boolean => {
    if (later.get(workflow, schedule, at)) return false;
    insert.run(workflow, schedule, at, Date.now());
    prune.run({ workflow, schedule, offset: SCHEDULE_FIRES_KEPT - 1 });
    return true;
  }).immediate;
}
