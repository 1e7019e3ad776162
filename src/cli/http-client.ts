import { describeError, errorCodes, RnrError, type RnrErrorCode } from '../errors.js';
import type {
  ClusterProcessJson,
  JobJson,
  JobSummaryJson,
  TaskEventJson,
  TaskJson,
  WorkflowJson,
} from '../wire/json.js';
import type { OperatorOp } from '../wire/names.js';

/** Where the client verbs find the server, and who they are. */
export interface ClientConfig {
  /** Base URL, e.g. `http://127.0.0.1:7300`. */
  server: string;
  token?: string;
  /** Sent as `X-Rnr-Actor`: who acts, recorded on every operator event. */
  actor?: string;
  /** Per-request timeout in ms (default 10000). */
  timeoutMs?: number;
}

/** What a successful operator POST answers (the `ActionResult` message), or 202's pending command. */
export interface ActionResult {
  ok?: boolean;
  task?: TaskJson;
  /** 202: recorded for a run in another process that did not apply it in time; applied later. */
  pending?: boolean;
  command?: { id: string; job: string; op: string; task: string };
}

/** A thin client of the control API (`/api/v1`), speaking JSON. */
export interface ApiClient {
  readonly server: string;
  /** Who acts (`X-Rnr-Actor`), if set. */
  readonly actor: string | undefined;
  listJobs(): Promise<JobSummaryJson[]>;
  /** One page of `GET /jobs` (newest first). */
  listRuns(query: {
    workflow?: string;
    state?: string;
    limit?: number;
    pageToken?: string;
  }): Promise<{ jobs: JobSummaryJson[]; nextPageToken?: string }>;
  /** `GET /cluster`'s processes; undefined from a server without that route (an older rnr). */
  cluster(): Promise<ClusterProcessJson[] | undefined>;
  /** `GET /workflows`. */
  workflows(): Promise<WorkflowJson[]>;
  /** `POST /workflows/:workflow/runs` with an Idempotency-Key. */
  startRun(workflow: string, input: Record<string, unknown>, idempotencyKey: string): Promise<JobSummaryJson>;
  /** `POST /jobs/:job/cancel` (with an Idempotency-Key); 202 answers `{ pending, command }`. */
  cancel(
    job: string,
    reason: string | undefined,
    idempotencyKey: string,
  ): Promise<JobSummaryJson & ActionResult>;
  getJob(job: string): Promise<JobJson>;
  getTask(job: string, task: string): Promise<TaskJson>;
  events(job: string, since: number): Promise<TaskEventJson[]>;
  /** An operator action, with an Idempotency-Key (one per action: a resend of it is harmless). */
  act(
    job: string,
    task: string,
    action: OperatorOp,
    body: Record<string, unknown>,
    idempotencyKey: string,
  ): Promise<ActionResult>;
  /** The `ws://` URL of a job's event stream after `since`. */
  eventStreamUrl(job: string, since: number): string;
  /** Headers for the WebSocket upgrade (auth, actor). */
  headers(): Record<string, string>;
}

/** Encodes one path segment; task ids contain `/`, which must travel as `%2F`. */
const seg = (value: string) => encodeURIComponent(value);

/**
 * Creates a client of an rnr server. Every failure is an `RnrError` with a one-line message:
 * `RNR_ERR_SERVER_UNREACHABLE` when nothing answers, else the server's own `{ error: { code } }`.
 *
 * @example
 * const api = createApiClient({ server: 'http://127.0.0.1:7300', actor: 'alice' });
 * await api.act('upgrade', 'upgrade/node-3', 'approve', { reason: 'checked dashboards' }, randomUUID());
 */
export function createApiClient(config: ClientConfig): ApiClient {
  const base = parseServer(config.server);
  const headers = (): Record<string, string> => {
    const h: Record<string, string> = { accept: 'application/json' };
    if (config.token) h.authorization = `Bearer ${config.token}`;
    if (config.actor) h['x-rnr-actor'] = config.actor;
    return h;
  };

  async function request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<T> {
    const url = `${base}/api/v1${path}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let res: { status: number; text: string };
    try {
      res = await send(
        url,
        method,
        payload === undefined
          ? { ...headers(), ...extra }
          : { ...headers(), ...extra, 'content-type': 'application/json' },
        payload,
        config.timeoutMs ?? 10_000,
      );
    } catch (err) {
      throw unreachable(base, err);
    }
    const ok = res.status >= 200 && res.status < 300;
    let parsed: unknown;
    try {
      parsed = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      if (ok)
        throw new RnrError(
          'RNR_ERR_INTERNAL',
          `${method} ${url} answered ${res.status} with a body that is not JSON`,
        );
    }
    if (!ok) throw apiError(res.status, parsed, base);
    return parsed as T;
  }

  return {
    server: base,
    actor: config.actor,
    listJobs: async () => (await request<{ jobs?: JobSummaryJson[] }>('GET', '/jobs?limit=1000')).jobs ?? [],
    async listRuns(query) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query))
        if (value !== undefined) params.set(key, String(value));
      const page = await request<{ jobs?: JobSummaryJson[]; nextPageToken?: string }>(
        'GET',
        `/jobs?${params}`,
      );
      return { jobs: page.jobs ?? [], ...(page.nextPageToken && { nextPageToken: page.nextPageToken }) };
    },
    cluster: async () => {
      try {
        return (await request<{ processes?: ClusterProcessJson[] }>('GET', '/cluster')).processes ?? [];
      } catch (err) {
        if (err instanceof RnrError && err.code === 'RNR_ERR_ROUTE_NOT_FOUND') return undefined;
        throw err;
      }
    },
    workflows: async () =>
      (await request<{ workflows?: WorkflowJson[] }>('GET', '/workflows')).workflows ?? [],
    startRun: (workflow, input, idempotencyKey) =>
      request<JobSummaryJson>(
        'POST',
        `/workflows/${seg(workflow)}/runs`,
        { input },
        { 'idempotency-key': idempotencyKey },
      ),
    cancel: (job, reason, idempotencyKey) =>
      request<JobSummaryJson & ActionResult>(
        'POST',
        `/jobs/${seg(job)}/cancel`,
        reason === undefined ? {} : { reason },
        { 'idempotency-key': idempotencyKey },
      ),
    getJob: (job) => request<JobJson>('GET', `/jobs/${seg(job)}`),
    getTask: (job, task) => request<TaskJson>('GET', `/jobs/${seg(job)}/tasks/${seg(task)}`),
    events: async (job, since) =>
      (await request<{ events?: TaskEventJson[] }>('GET', `/jobs/${seg(job)}/events?since=${since}`))
        .events ?? [],
    act: (job, task, action, body, idempotencyKey) =>
      request<ActionResult>('POST', `/jobs/${seg(job)}/tasks/${seg(task)}/${action}`, body, {
        'idempotency-key': idempotencyKey,
      }),
    eventStreamUrl: (job, since) =>
      `${base.replace(/^http/, 'ws')}/api/v1/jobs/${seg(job)}/events?since=${since}`,
    headers,
  };
}

/**
 * One HTTP request with node:http(s), resolving with the status and the body as text. The client
 * verbs use it rather than `fetch`: loading fetch (undici and its WebAssembly parser) costs more
 * than the whole rest of a verb, and a verb should answer like curl does.
 */
async function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const { request } = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  return new Promise((done, fail) => {
    const req = request(url, {
      method,
      headers:
        body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      timeout: timeoutMs,
    });
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error(`no answer in ${timeoutMs}ms`), { name: 'TimeoutError' })),
    );
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () =>
        done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.end(body);
  });
}

/** Checks and normalises `--server`: an http(s) URL without a trailing slash. */
function parseServer(server: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(server) ? server : `http://${server}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new RnrError(
      'RNR_ERR_USAGE',
      `invalid --server ${JSON.stringify(server)}: expected a URL like http://127.0.0.1:7300`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RnrError(
      'RNR_ERR_USAGE',
      `invalid --server ${JSON.stringify(server)}: expected an http:// or https:// URL`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** The error for a server that does not answer, with the low-level reason (refused, timeout…). */
export function unreachable(base: string, err: unknown): RnrError {
  // node:http errors carry the code themselves; fetch's wrap it in `cause`.
  const direct = err as { code?: string; name?: string } | undefined;
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const code = direct?.code ?? cause?.code;
  const why =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : direct?.name === 'TimeoutError'
        ? 'timed out'
        : (code ?? cause?.message ?? describeError(err));
  return new RnrError(
    'RNR_ERR_SERVER_UNREACHABLE',
    `cannot reach the rnr server at ${base} (${why}); is \`rnr run\` serving there? Set --server or RNR_SERVER`,
    { cause: err },
  );
}

/** Turns a non-2xx answer into an `RnrError` carrying the server's code and message. */
function apiError(status: number, body: unknown, base: string): RnrError {
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const code = (error?.code && error.code in errorCodes ? error.code : 'RNR_ERR_INTERNAL') as RnrErrorCode;
  let message = error?.message ?? `the server at ${base} answered HTTP ${status}`;
  if (status === 401) message += ' (pass --token or set RNR_TOKEN)';
  if (status === 403) message += ' (this needs the operator token, not a viewer token)';
  return new RnrError(code, message);
}
