import { createLogUpdate } from 'log-update';
import pc from 'picocolors';
import { formatDuration } from '../wire/duration.js';
import type { TaskEventJson } from '../wire/json.js';
import { retryInText } from '../wire/retry.js';
import { commandFor, type EventDisplay, formatEventLine } from './event-printers.js';
import { paintState, printable, stateSymbol, truncate } from './format.js';
import type { JobModel, PausedTask, ViewTask } from './job-model.js';

/** Options of {@link liveView}. */
export interface LiveViewOptions {
  /** The server the approve/retry hints should name. */
  server?: string;
  /** The terminal (default `process.stdout`); must be a TTY. */
  out?: NodeJS.WriteStream;
  /** How often the elapsed times refresh, in ms (default 1000). */
  refreshMs?: number;
}

const countOrder: [string, string][] = [
  ['SUCCESS', 'success'],
  ['FAILED', 'failed'],
  ['SKIPPED', 'skipped'],
  ['RUNNING', 'running'],
  ['ACTION_PENDING', 'action pending'],
  ['PENDING', 'pending'],
];
const rank: Record<string, number> = { ACTION_PENDING: 0, FAILED: 1, RUNNING: 3 };

/** Where the rows of the view come from: tasks that need eyes, and paused tasks. */
type Row = { kind: 'task'; task: ViewTask } | { kind: 'paused'; paused: PausedTask };

/** How the frame should end: while a server serves the job, its rows name the commands that act. */
export interface FrameOptions {
  /** The server the approve/retry hints should name. */
  server?: string;
  /** False once nothing serves the job any more (`rnr run` has ended): no hints to commands. */
  serving?: boolean;
}

/**
 * The live terminal view of a job: a header with the job's own elapsed time, a progress bar of
 * done/total, counts per state, and the tasks that need eyes (ACTION_PENDING with the exact approve
 * command, FAILED with the retry command, paused tasks with what they hold back and the resume
 * command, RUNNING with message and elapsed time). Notable events (operator actions, failures,
 * approvals wanted) are printed above it and stay in the scrollback. Text from the job is shown
 * with its control characters escaped.
 *
 * @example
 * const view = liveView(model, { server: 'http://127.0.0.1:7300' });
 * job.subscribe((e) => { model.apply(eventToJson(e)); view.event(eventToJson(e)); });
 */
export function liveView(model: JobModel, options: LiveViewOptions = {}): EventDisplay {
  const out = options.out ?? process.stdout;
  const log = createLogUpdate(out);
  let dirty = true;
  let closed = false;
  let serving = true;

  const render = () => {
    dirty = false;
    log(frame(model, out.columns || 100, out.rows || 30, Date.now(), { server: options.server, serving }));
  };
  const schedule = setInterval(() => dirty && render(), 100);
  const refresh = setInterval(render, options.refreshMs ?? 1000);
  schedule.unref();
  refresh.unref();
  const above = (line: string) => {
    log.clear();
    out.write(`${line}\n`);
    render();
  };
  render();

  return {
    event(event: TaskEventJson) {
      if (closed) return;
      dirty = true;
      if (isNotable(event)) above(formatEventLine(event, options.server));
    },
    info(line: string) {
      if (!closed) above(line);
    },
    close(end) {
      if (closed) return;
      closed = true;
      serving = end?.serving ?? true;
      clearInterval(schedule);
      clearInterval(refresh);
      render();
      log.done();
    },
  };
}

function isNotable(event: TaskEventJson): boolean {
  return (
    event.cause === 'OPERATOR' ||
    (event.to !== event.from && (event.to === 'FAILED' || event.to === 'ACTION_PENDING'))
  );
}

/** One frame of the live view at time `now`, as text (exported for tests). */
export function frame(
  model: JobModel,
  columns: number,
  rows: number,
  now: number,
  options: FrameOptions = {},
): string {
  const counts = model.countsByState();
  const done = (counts.SUCCESS ?? 0) + (counts.FAILED ?? 0) + (counts.SKIPPED ?? 0);
  const total = Math.max(model.total, 1);
  const paused = model.pausedTasks();
  const name = printable(model.name);
  const id = printable(model.id);
  const state = printable(model.state);
  const elapsed = model.elapsed(now);
  const lines = [
    `${pc.bold(name)}${model.name === model.id ? '' : pc.dim(` (job ${id})`)}  ${paintState(state, `${stateSymbol(state)} ${state}`)}${model.root?.paused ? pc.yellow(' (paused)') : ''}  ${pc.dim(elapsed === undefined ? 'not started' : formatDuration(elapsed))}`,
    progressBar(done, total, Math.min(40, Math.max(10, columns - 30))),
    [
      ...countOrder
        .filter(([s]) => (counts[s] ?? 0) > 0 || s === 'SUCCESS')
        .map(([s, label]) => paintState(s, `${stateSymbol(s)} ${counts[s] ?? 0} ${label}`)),
      ...(paused.length > 0 ? [pc.yellow(`‖ ${paused.length} paused`)] : []),
    ].join('  '),
  ];
  const rowsToShow: Row[] = [
    ...model.notableTasks().map((task): Row => ({ kind: 'task', task })),
    ...paused.map((p): Row => ({ kind: 'paused', paused: p })),
  ].sort((a, b) => rowRank(a) - rowRank(b));
  const room = Math.max(3, rows - lines.length - 3);
  if (rowsToShow.length > 0) lines.push('');
  let used = 0;
  for (const [i, row] of rowsToShow.entries()) {
    const block =
      row.kind === 'task'
        ? taskLines(row.task, model.id, columns, now, options)
        : pausedLines(row.paused, model.id, columns, options);
    if (used + block.length > room) {
      lines.push(pc.dim(`… and ${rowsToShow.length - i} more (rnr get ${id})`));
      break;
    }
    lines.push(...block);
    used += block.length;
  }
  return lines.join('\n');
}

function rowRank(row: Row): number {
  return row.kind === 'paused' ? 2 : (rank[row.task.state] ?? 9);
}

function progressBar(done: number, total: number, width: number): string {
  const filled = Math.round((done / total) * width);
  const bar = pc.green('█'.repeat(filled)) + pc.dim('░'.repeat(width - filled));
  return `${bar}  ${done}/${total}  ${Math.floor((done / total) * 100)}%`;
}

function taskLines(
  task: ViewTask,
  jobId: string,
  columns: number,
  now: number,
  { server, serving = true }: FrameOptions,
): string[] {
  const elapsed = task.startedAt && task.state !== 'FAILED' ? formatDuration(now - task.startedAt) : '';
  const head = `${stateSymbol(task.state)} ${printable(task.id)}`;
  const tail = [
    elapsed.padStart(6),
    task.paused ? '(paused)' : '',
    task.attempt > 0 ? `attempt ${task.attempt}` : '',
    retryInText(task, now) ?? '',
  ]
    .filter(Boolean)
    .join(' ');
  const fixed = `${head}  ${tail}  `;
  const message = truncate(printable(task.message), columns - [...fixed].length - 1);
  const line = `${paintState(task.state, head)}  ${pc.dim(tail)}  ${message}`;
  if (task.state === 'ACTION_PENDING') {
    if (!serving) return [pc.bold(line)];
    return [pc.bold(line), pc.bold(pc.yellow(`    → ${commandFor('approve', jobId, task.id, server)}`))];
  }
  if (task.state === 'FAILED' && serving)
    return [line, pc.dim(`    → ${commandFor('retry', jobId, task.id, server)}`)];
  return [line];
}

/** A paused task: who paused it, what waits on it, and the command that resumes it. */
function pausedLines(
  { task, blocked }: PausedTask,
  jobId: string,
  columns: number,
  { server, serving = true }: FrameOptions,
): string[] {
  const leaf = task.kind !== 'NESTED';
  const holds = leaf
    ? task.state === 'PENDING'
      ? 'not started while paused'
      : 'not polled while paused'
    : blocked > 0
      ? `holds back ${blocked} pending task${blocked === 1 ? '' : 's'}`
      : 'starts nothing new while paused';
  const by = task.pausedBy
    ? ` [paused by ${printable(task.pausedBy.actor)}${task.pausedBy.reason ? `: ${printable(task.pausedBy.reason)}` : ''}]`
    : '';
  const head = `‖ ${printable(task.id)}`;
  const rest = truncate(`paused, ${holds}${by}`, columns - [...head].length - 3);
  const line = `${pc.yellow(head)}  ${pc.yellow(rest)}`;
  return serving ? [line, pc.dim(`    → ${commandFor('resume', jobId, task.id, server)}`)] : [line];
}
