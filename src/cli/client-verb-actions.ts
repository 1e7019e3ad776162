// What the client verbs do: ask the control API (http-client.ts) and print the answer as a tree,
// a table or JSON. Their command-line shape is in client-verb-commands.ts.
import { createHash, randomUUID } from 'node:crypto';
import pc from 'picocolors';
import { RnrError } from '../errors.js';
import { formatDuration } from '../wire/duration.js';
import type { JobSummaryJson, TaskJson } from '../wire/json.js';
import { type OperatorOp, stateNames, type TaskStateName } from '../wire/names.js';
import { commandFor } from './event-printers.js';
import { usageError } from './exit-codes.js';
import { formatLocalTime, formatTable, paintState, printable, stateSymbol } from './format.js';
import type { ActionResult, ApiClient } from './http-client.js';
import { ownerLine, ownerText } from './owner-format.js';
import { withJobId, withTaskId } from './task-ids.js';
import { flattenTasks, formatTree } from './tree-format.js';

/** Output format of the read verbs. */
export type OutputFormat = 'tree' | 'json' | 'table' | 'text';

const write = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** What `rnr ls` lists. */
export interface ListOptions {
  /** Finished runs too (default: unfinished ones only). */
  all: boolean;
  workflow?: string;
  /** At most this many runs (default 100). */
  limit: number;
}

/** `rnr ls`: one row per run (unfinished ones; `--all`: finished too), newest first. */
export async function listJobs(api: ApiClient, output: OutputFormat, options: ListOptions): Promise<void> {
  const jobs: JobSummaryJson[] = [];
  let pageToken: string | undefined;
  do {
    const page = await api.listRuns({
      ...(options.all ? {} : { state: 'ACTIVE' }),
      ...(options.workflow !== undefined && { workflow: options.workflow }),
      limit: Math.min(1000, options.limit - jobs.length),
      ...(pageToken && { pageToken }),
    });
    jobs.push(...page.jobs);
    pageToken = page.nextPageToken;
  } while (pageToken && jobs.length < options.limit);
  if (output === 'json') return write(JSON.stringify({ jobs }, null, 2));
  if (jobs.length === 0) {
    const what = `${options.all ? '' : 'unfinished '}runs${options.workflow ? ` of ${printable(options.workflow)}` : ''}`;
    return write(
      pc.dim(
        `no ${what} on ${printable(api.server)}${options.all ? '' : ' (--all lists finished ones too)'}`,
      ),
    );
  }
  const now = Date.now();
  // Who runs what: a server that cannot say (an older rnr) leaves the column out.
  const processes = await api.cluster().catch(() => undefined);
  const rows = [['RUN', 'STATE', 'DONE', 'RUNNING', 'WAITING', 'FAILED', 'AGE', 'TRIGGER', 'BY', 'OWNER']];
  for (const job of jobs) {
    const c = job.counts ?? {};
    const n = (s: TaskStateName) => c[s] ?? 0;
    const done = n('SUCCESS') + n('FAILED') + n('SKIPPED');
    const total = job.total ?? Object.values(c).reduce((a, b) => a + b, 0);
    const state = printable(job.state ?? 'UNKNOWN');
    rows.push([
      printable(job.id),
      `${stateSymbol(state)} ${state}${job.halted ? ' (HALTED)' : ''}`,
      `${done}/${total}`,
      String(n('RUNNING')),
      String(n('ACTION_PENDING')),
      String(n('FAILED')),
      job.createdAt ? formatDuration(now - job.createdAt) : '',
      printable(job.trigger && job.trigger !== 'TRIGGER_UNSPECIFIED' ? job.trigger : ''),
      printable(job.startedBy ?? ''),
      ownerText({ ...job, done: ['SUCCESS', 'FAILED', 'SKIPPED'].includes(state) }, processes),
    ]);
  }
  write(formatTable(rows));
}

/** `rnr workflows`: the workflows a server hosts, with their input keys and limits. */
export async function listWorkflows(api: ApiClient, output: OutputFormat): Promise<void> {
  const workflows = await api.workflows();
  if (output === 'json') return write(JSON.stringify({ workflows }, null, 2));
  if (workflows.length === 0)
    return write(pc.dim(`no workflows on ${printable(api.server)} (rnr serve hosts them)`));
  const now = Date.now();
  const rows = [['WORKFLOW', 'INPUT', 'CONCURRENCY', 'SCHEDULES', 'NEXT', 'DESCRIPTION']];
  for (const wf of workflows) {
    const props =
      (wf.inputSchema as { properties?: Record<string, unknown>; required?: string[] } | undefined) ?? {};
    const required = new Set(props.required ?? []);
    const keys = Object.keys(props.properties ?? {}).map((k) => (required.has(k) ? k : `${k}?`));
    rows.push([
      printable(wf.name),
      printable(wf.inputSchema ? keys.join(' ') || '(none)' : '(any)'),
      wf.concurrency === undefined ? '-' : String(wf.concurrency),
      printable(
        (wf.schedules ?? [])
          .map((s) => (s.timezone === 'UTC' ? s.cron : `${s.cron} ${s.timezone}`))
          .join(', '),
      ),
      nextFire(wf.schedules ?? [], now),
      printable(wf.description ?? ''),
    ]);
  }
  write(formatTable(rows));
}

/**
 * The earliest next fire time of a workflow's schedules, in local time and relative to now
 * (`2026-01-02 03:00 (in 2h05m)`); `-` when none (no schedules, or a server that fires none).
 */
function nextFire(schedules: readonly { nextAt?: number }[], now: number): string {
  const times = schedules.flatMap((s) => (typeof s.nextAt === 'number' ? [s.nextAt] : []));
  if (times.length === 0) return '-';
  const at = Math.min(...times);
  return `${formatLocalTime(at)} (in ${formatDuration(Math.max(0, at - now))})`;
}

/** `rnr start <workflow>`: starts a run; prints its id on stdout (the summary with `-o json`). */
export async function startRun(
  api: ApiClient,
  workflow: string,
  input: (schema: Record<string, unknown> | undefined) => Record<string, unknown>,
  needsSchema: boolean,
  output: OutputFormat,
): Promise<string> {
  let schema: Record<string, unknown> | undefined;
  if (needsSchema) {
    const known = (await api.workflows()).find((wf) => wf.name === workflow);
    if (!known) {
      throw new RnrError(
        'RNR_ERR_WORKFLOW_UNKNOWN',
        `no workflow named ${JSON.stringify(workflow)} on ${api.server}`,
      );
    }
    schema = known.inputSchema;
  }
  const summary = await api.startRun(workflow, input(schema), randomUUID());
  write(output === 'json' ? JSON.stringify(summary, null, 2) : summary.id);
  return summary.id;
}

/** The line for a 202: the action is recorded and will be applied by the run's owner. */
function pendingLine(run: string, what: string, result: ActionResult): string {
  const id = result.command?.id === undefined ? '' : ` as command ${printable(result.command.id)}`;
  return `${what}: recorded${id}; run ${printable(run)} lives in another process that did not apply it yet: it will be applied once a process owns the run (do not send it again)`;
}

/** `rnr cancel <run>`: cancels a run; prints what became of it. */
export async function cancelRun(
  api: ApiClient,
  run: string,
  reason: string | undefined,
  output: OutputFormat,
): Promise<void> {
  const summary = await api.cancel(run, reason, randomUUID());
  if (output === 'json') return write(JSON.stringify(summary, null, 2));
  if (summary.pending) return write(pendingLine(run, 'cancel', summary));
  const skipped = summary.counts?.SKIPPED ?? 0;
  const by = api.actor ? ` by ${printable(api.actor)}` : '';
  write(
    `${printable(summary.id)}: cancelled${by} → ${paintState('SKIPPED', `${stateSymbol('SKIPPED')} SKIPPED`)} (${skipped} tasks skipped)`,
  );
}

/** `rnr get <job> [task]`: the tree (default) or the JSON of a job or one task. */
export async function getJobOrTask(
  api: ApiClient,
  jobId: string,
  taskId: string | undefined,
  output: OutputFormat,
): Promise<void> {
  const found =
    taskId === undefined
      ? await withJobId(api, jobId, () => api.getJob(jobId))
      : await withTaskId(api, jobId, taskId, (id) => api.getTask(jobId, id));
  if (output === 'json') return write(JSON.stringify(found, null, 2));
  const root = 'root' in found ? found.root : found;
  if ('root' in found) {
    write(pc.dim(`job ${printable(found.id)} (${printable(found.name ?? found.id)}), seq ${found.seq ?? 0}`));
    write(pc.dim(ownerLine(found, await api.cluster().catch(() => undefined))));
    const halted = found.halted;
    if (halted) {
      const retry = halted.retryAt ? `; next try ${new Date(halted.retryAt).toISOString()}` : '';
      write(
        pc.red(
          `HALTED since ${new Date(halted.since ?? 0).toISOString()}: ${printable(halted.code)}: ${printable(halted.message)}${retry}`,
        ),
      );
    }
  }
  write(formatTree(root));
}

/** The request body and the words for one operator action. */
export interface ActionRequest {
  action: OperatorOp;
  body: Record<string, unknown>;
  /** Past tense for the confirmation line, e.g. 'approved'. */
  done: string;
}

/** Builds the request of `rnr set <job> <task> <STATE>`, checking the state name first. */
export function setStateRequest(state: string, message?: string, reason?: string): ActionRequest {
  const name = state.toUpperCase();
  if (!(stateNames as readonly string[]).includes(name)) {
    throw usageError(`invalid state ${JSON.stringify(state)}: expected one of ${stateNames.join(', ')}`);
  }
  return { action: 'state', body: compact({ state: name, message, reason }), done: `set` };
}

/** Builds the request of `rnr parallelism <job> <task> <n>`. */
export function parallelismRequest(n: string, reason?: string): ActionRequest {
  const value = Number(n);
  if (!/^\d+$/.test(n) || !Number.isSafeInteger(value) || value < 1) {
    throw usageError(`invalid parallelism ${JSON.stringify(n)}: expected an integer of at least 1`);
  }
  return {
    action: 'parallelism',
    body: compact({ parallelism: value, reason }),
    done: `parallelism set to ${value}`,
  };
}

/** `rnr set|retry|skip|approve|pause|resume|parallelism`: sends the action, prints the task after it. */
export async function actOnTask(
  api: ApiClient,
  jobId: string,
  taskId: string,
  request: ActionRequest,
  output: OutputFormat,
): Promise<void> {
  let acted = taskId;
  // One key per action (a task id the server corrects is another action): a resend is harmless.
  const invocation = randomUUID();
  const result = await withTaskId(api, jobId, taskId, (id) => {
    acted = id;
    const key = `${invocation}.${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;
    return api.act(jobId, id, request.action, request.body, key);
  });
  if (output === 'json') return write(JSON.stringify(result, null, 2));
  if (result?.pending) return write(pendingLine(jobId, `${printable(acted)}: ${request.action}`, result));
  // The proto's ActionResult carries the task; a server may also answer with the Task itself.
  const task = result?.task ?? ((result as TaskJson | undefined)?.id ? (result as TaskJson) : undefined);
  const state = printable(task?.state ?? 'UNKNOWN');
  const by = api.actor ? ` by ${printable(api.actor)}` : '';
  const after = task
    ? ` → ${paintState(state, `${stateSymbol(state)} ${state}`)}${task.paused ? pc.yellow(' (paused)') : ''}${task.attempt ? `, attempt ${task.attempt}` : ''}`
    : '';
  write(`${printable(acted)}: ${request.done}${by}${after}`);
}

/** `rnr inbox`: tasks waiting for a human (ACTION_PENDING) and FAILED ones, across every job. */
export async function inbox(api: ApiClient, output: OutputFormat): Promise<void> {
  const jobs = await api.listJobs();
  const items: { job: string; task: TaskJson }[] = [];
  for (const summary of jobs) {
    const c = summary.counts;
    if (c && !c.ACTION_PENDING && !c.FAILED) continue;
    const job = await api.getJob(summary.id);
    for (const task of flattenTasks(job.root)) {
      const leaf = task.kind !== 'NESTED' || (task.children ?? []).length === 0;
      if (task.state === 'ACTION_PENDING' || (task.state === 'FAILED' && leaf))
        items.push({ job: job.id, task });
    }
  }
  items.sort((a, b) => (a.task.state === b.task.state ? 0 : a.task.state === 'ACTION_PENDING' ? -1 : 1));
  if (output === 'json')
    return write(
      JSON.stringify(
        { items: items.map((i) => ({ jobId: i.job, ...i.task, children: undefined })) },
        null,
        2,
      ),
    );
  if (items.length === 0) return write(pc.dim('inbox empty: nothing is waiting for a human'));
  const now = Date.now();
  const rows = [['STATE', 'JOB', 'TASK', 'FOR', 'MESSAGE', 'COMMAND']];
  for (const { job, task } of items) {
    const state = printable(task.state ?? 'UNKNOWN');
    const since = task.updatedAt ? formatDuration(now - task.updatedAt) : '';
    const verb = state === 'ACTION_PENDING' ? 'approve' : 'retry';
    rows.push([
      `${stateSymbol(state)} ${state}`,
      printable(job),
      printable(task.id),
      since,
      printable(task.message),
      commandFor(verb, job, task.id, api.server),
    ]);
  }
  write(formatTable(rows));
}

function compact(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== ''));
}
