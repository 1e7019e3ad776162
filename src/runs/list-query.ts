import {
  isDone,
  type JobSummary,
  RnrError,
  type RunQuery,
  type RunStateFilter,
  stateName,
  taskStateNames,
} from '../index.js';
import type { RunListPage, RunListQuery } from './types.js';

/** Runs per page when a query does not say. */
export const DEFAULT_LIST_LIMIT = 100;
/** The most runs one page holds. */
export const MAX_LIST_LIMIT = 1000;

const filters = new Set<string>([...taskStateNames, 'ACTIVE', 'DONE']);

/**
 * Checks a run query (`GET /jobs`, `rnr ls`) and clamps its limit: each state a state name,
 * `ACTIVE` or `DONE` (`RNR_ERR_BAD_REQUEST` naming the bad one), limit 1..1000 (default 100).
 */
export function checkListQuery(query: RunListQuery): RunQuery {
  const states: RunStateFilter[] = [];
  for (const raw of query.states ?? []) {
    const state = raw.trim().toUpperCase();
    if (state === '') continue;
    if (!filters.has(state)) {
      throw new RnrError(
        'RNR_ERR_BAD_REQUEST',
        `unknown state ${JSON.stringify(raw)}: expected ACTIVE, DONE or one of ${taskStateNames.join(', ')}`,
      );
    }
    states.push(state as RunStateFilter);
  }
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isFinite(limit))
    throw new RnrError('RNR_ERR_BAD_REQUEST', `limit: got ${limit}, expected a number`);
  return {
    ...(query.workflow !== undefined && query.workflow !== '' && { workflow: query.workflow }),
    ...(states.length > 0 && { states }),
    limit: Math.min(MAX_LIST_LIMIT, Math.max(1, Math.floor(limit))),
    ...(query.pageToken !== undefined && query.pageToken !== '' && { pageToken: query.pageToken }),
  };
}

/** True when a run's root state passes the query's state filters. */
export function matchesStates(summary: JobSummary, states: readonly RunStateFilter[] | undefined): boolean {
  if (!states || states.length === 0) return true;
  const done = isDone(summary.state);
  return states.some((s) => (s === 'ACTIVE' ? !done : s === 'DONE' ? done : s === stateName(summary.state)));
}

const badToken = (token: string) =>
  new RnrError(
    'RNR_ERR_BAD_REQUEST',
    `pageToken ${JSON.stringify(token.slice(0, 80))} is not one this server gave`,
  );

/**
 * One page of a list of summaries held in memory (a server of plain jobs): newest first, filtered,
 * paged by an opaque token (the offset, with the query it belongs to).
 */
export function pageOfSummaries(all: readonly JobSummary[], query: RunListQuery): RunListPage {
  const q = checkListQuery(query);
  const matching = all
    .filter((s) => (q.workflow === undefined || s.workflow === q.workflow) && matchesStates(s, q.states))
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  let offset = 0;
  if (q.pageToken !== undefined) {
    const decoded = Buffer.from(q.pageToken, 'base64url').toString('utf8');
    const match = /^o:(\d{1,9})$/.exec(decoded);
    if (!match) throw badToken(q.pageToken);
    offset = Number(match[1]);
  }
  const limit = q.limit ?? DEFAULT_LIST_LIMIT;
  const jobs = matching.slice(offset, offset + limit);
  const next =
    offset + limit < matching.length ? Buffer.from(`o:${offset + limit}`).toString('base64url') : undefined;
  return { jobs, ...(next && { nextPageToken: next }) };
}
