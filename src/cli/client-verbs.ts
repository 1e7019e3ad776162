import pc from 'picocolors';
import { commandFor } from './event-printers.js';
import { usageError } from './exit-codes.js';
import { formatDuration, formatTable, paintState, printable, stateSymbol } from './format.js';
import type { ApiClient, TaskAction } from './http-client.js';
import { withJobId, withTaskId } from './task-ids.js';
import { flattenTasks, formatTree } from './tree-format.js';
import { stateNames, type WireTask } from './wire.js';

/** Output format of the read verbs. */
export type OutputFormat = 'tree' | 'json' | 'table';

const write = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** `rnr ls`: one row per job with its state and progress. */
export async function listJobs(api: ApiClient, output: OutputFormat): Promise<void> {
  const jobs = await api.listJobs();
  if (output === 'json') return write(JSON.stringify({ jobs }, null, 2));
  if (jobs.length === 0) return write(pc.dim(`no jobs on ${printable(api.server)}`));
  const rows = [['JOB', 'STATE', 'DONE', 'RUNNING', 'WAITING', 'FAILED', 'NAME']];
  for (const job of jobs) {
    const c = job.counts ?? {};
    const n = (s: string) => c[s] ?? 0;
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
      printable(job.name ?? ''),
    ]);
  }
  write(formatTable(rows));
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
  action: TaskAction;
  body: Record<string, unknown>;
  /** Past tense for the confirmation line, e.g. 'approved'. */
  done: string;
}

/** Builds the request of `rnr set <job> <task> <STATE>`, checking the state name first. */
export function setStateRequest(state: string, message?: string, reason?: string): ActionRequest {
  const name = state.toUpperCase();
  if (!stateNames.includes(name)) {
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
  const result = await withTaskId(api, jobId, taskId, (id) => {
    acted = id;
    return api.act(jobId, id, request.action, request.body);
  });
  if (output === 'json') return write(JSON.stringify(result, null, 2));
  // The proto's ActionResult carries the task; a server may also answer with the Task itself.
  const task = result?.task ?? ((result as WireTask | undefined)?.id ? (result as WireTask) : undefined);
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
  const items: { job: string; task: WireTask }[] = [];
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
