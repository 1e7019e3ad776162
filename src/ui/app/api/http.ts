import type { ErrorJson, JobJson, JobSummaryJson, TaskEventJson } from '../../../wire/json.js';
import type { OperatorOp } from '../../../wire/names.js';
import { authHeaders, updateAuth } from './auth.js';

/** The API's base path. */
export const apiBase = '/api/v1';

/** An API answer that was not 2xx: the status and the server's `{ error: { code, message } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The body's whole `error` object (an invalid input's `issues` are there). */
    readonly detail?: unknown,
  ) {
    super(message);
  }
}

/** Calls the API with the session's token; a 401 asks for a token, a 403 marks the view read-only. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return answer<T>(
    await fetch(apiBase + path, { ...init, headers: { ...headers, ...(init.headers as object) } }),
  );
}

/**
 * Like {@link api} for a GET, with the server's clock as its `Date` header tells it (ms since the
 * epoch, to the second; undefined when absent, as behind some proxies).
 */
export async function apiDated<T>(path: string): Promise<{ body: T; serverDate?: number }> {
  const res = await fetch(apiBase + path, { headers: { accept: 'application/json', ...authHeaders() } });
  const date = Date.parse(res.headers.get('date') ?? '');
  const body = await answer<T>(res);
  return Number.isFinite(date) ? { body, serverDate: date } : { body };
}

/** The body of a 2xx answer, or an {@link ApiError} (with the side effects on the access state). */
async function answer<T>(res: Response): Promise<T> {
  if (res.ok) return (await res.json()) as T;
  let body: Partial<ErrorJson> = {};
  try {
    body = (await res.json()) as Partial<ErrorJson>;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  if (res.status === 401) updateAuth({ needToken: true });
  if (res.status === 403) updateAuth({ canWrite: false });
  const code = body.error?.code ?? `HTTP_${res.status}`;
  throw new ApiError(res.status, code, body.error?.message ?? `${res.status} ${res.statusText}`, body.error);
}

/** The snapshot download index.html starts before the app loads (used once, by {@link getJob}). */
interface Preload {
  path: string;
  response: Promise<Response>;
}

/** `/jobs/:job/tasks/:task` with both ids URL-encoded (task ids contain '/'). */
export function taskPath(jobId: string, taskId: string): string {
  return `/jobs/${encodeURIComponent(jobId)}/tasks/${encodeURIComponent(taskId)}`;
}

/** Unfinished runs fetched for the jobs list and the inbox, however old (the API's most a page). */
const MAX_ACTIVE = 1000;

/**
 * The jobs the Jobs page, the inbox and the header's count show: the newest page of `GET /jobs`
 * (finished runs included) and every unfinished run, however old, newest first.
 */
export async function listJobs(): Promise<JobSummaryJson[]> {
  const read = async (path: string) => {
    const body = await api<{ jobs?: JobSummaryJson[] } | JobSummaryJson[]>(path);
    return Array.isArray(body) ? body : (body.jobs ?? []);
  };
  const [recent, active] = await Promise.all([read('/jobs'), read(`/jobs?state=ACTIVE&limit=${MAX_ACTIVE}`)]);
  const byId = new Map<string, JobSummaryJson>();
  for (const job of [...recent, ...active]) byId.set(job.id, job);
  if (byId.size === recent.length) return recent;
  return [...byId.values()].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0) || (a.id < b.id ? -1 : 1));
}

/** `GET /jobs/:job`. */
export async function getJob(jobId: string): Promise<JobJson> {
  const path = `/jobs/${encodeURIComponent(jobId)}`;
  const w = window as { rnrPreload?: Preload };
  const preload = w.rnrPreload;
  w.rnrPreload = undefined;
  if (preload && preload.path === path) {
    try {
      return await answer<JobJson>(await preload.response);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      // A network error on the early download: ask again the ordinary way.
    }
  }
  return api<JobJson>(path);
}

/** `GET /jobs/:job/events?since=N` as JSON. */
export async function getEvents(jobId: string, since: number): Promise<TaskEventJson[]> {
  const body = await api<{ events?: TaskEventJson[] } | TaskEventJson[]>(
    `/jobs/${encodeURIComponent(jobId)}/events?since=${since}`,
  );
  return Array.isArray(body) ? body : (body.events ?? []);
}

/** The body of an operator action. */
export interface ActionInput {
  reason?: string;
  state?: string;
  message?: string;
  parallelism?: number;
}

/** `POST /jobs/:job/tasks/:task/<op>`: one operator action. */
export function act(jobId: string, taskId: string, op: OperatorOp, input: ActionInput): Promise<unknown> {
  const body: Record<string, unknown> = {};
  if (input.reason) body.reason = input.reason;
  if (op === 'state') {
    body.state = input.state;
    if (input.message) body.message = input.message;
  }
  if (op === 'parallelism') body.parallelism = input.parallelism;
  return api(`${taskPath(jobId, taskId)}/${op}`, { method: 'POST', body: JSON.stringify(body) });
}

/** Learns whether the token may act (`GET /whoami`: operator or viewer). */
export async function probeWriteAccess(): Promise<void> {
  try {
    const me = await api<{ role?: string }>('/whoami');
    updateAuth({ canWrite: me.role === 'operator' });
  } catch (err) {
    // An older server without /whoami: assume the token acts; the server still enforces it.
    if (err instanceof ApiError && err.status !== 401) updateAuth({ canWrite: true });
  }
}
