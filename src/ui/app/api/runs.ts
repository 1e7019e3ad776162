/**
 * The runs half of the API: workflows, pages of runs, starting a run (with an Idempotency-Key)
 * and cancelling one.
 */

import type { JobListJson, JobSummaryJson, WorkflowJson } from '../../../wire/json.js';
import { api } from './http.js';

/** A query of `GET /jobs`: runs of one workflow (or all), in some states, one page at a time. */
export interface RunsQuery {
  workflow?: string;
  /** State names, `ACTIVE` or `DONE`; empty: all. */
  states?: readonly string[];
  limit?: number;
  pageToken?: string;
}

/** `GET /jobs?workflow=&state=&limit=&pageToken=`: one page of runs, newest first. */
export async function listRuns(query: RunsQuery): Promise<JobListJson> {
  const q = new URLSearchParams();
  if (query.workflow) q.set('workflow', query.workflow);
  if (query.states && query.states.length > 0) q.set('state', query.states.join(','));
  if (query.limit !== undefined) q.set('limit', String(query.limit));
  if (query.pageToken) q.set('pageToken', query.pageToken);
  const qs = q.toString();
  const body = await api<JobListJson | JobSummaryJson[]>(`/jobs${qs ? `?${qs}` : ''}`);
  // A server from before runs answers a bare list (or `{ jobs }` without paging).
  return Array.isArray(body) ? { jobs: body } : { jobs: body.jobs ?? [], nextPageToken: body.nextPageToken };
}

/** `GET /workflows`. */
export async function listWorkflows(): Promise<WorkflowJson[]> {
  const body = await api<{ workflows?: WorkflowJson[] }>('/workflows');
  return body.workflows ?? [];
}

/**
 * `POST /workflows/:workflow/runs`: starts a run and answers its summary. The same `key` answers
 * the same run, so a double click or a retried request starts one run.
 */
export function startRun(workflow: string, input: unknown, key: string): Promise<JobSummaryJson> {
  return api<JobSummaryJson>(`/workflows/${encodeURIComponent(workflow)}/runs`, {
    method: 'POST',
    headers: { 'idempotency-key': key },
    body: JSON.stringify(input === undefined ? {} : { input }),
  });
}

/** `POST /jobs/:job/cancel`: unfinished tasks end SKIPPED with the reason. */
export function cancelRun(jobId: string, reason: string): Promise<unknown> {
  return api(`/jobs/${encodeURIComponent(jobId)}/cancel`, {
    method: 'POST',
    body: JSON.stringify(reason ? { reason } : {}),
  });
}

/**
 * A fresh Idempotency-Key: 128 random bits as hex. `crypto.getRandomValues` rather than
 * `randomUUID`, which browsers offer only on secure origins (not on http://host:7300).
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
