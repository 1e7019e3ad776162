import { createLogUpdate } from 'log-update';
import pc from 'picocolors';
import { commandFor, type EventSink, formatEventLine } from './event-printers.js';
import { formatDuration, paintState, stateSymbol, truncate } from './format.js';
import type { JobModel, ViewTask } from './job-model.js';
import type { WireEvent } from './wire.js';

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
const rank: Record<string, number> = { ACTION_PENDING: 0, FAILED: 1, RUNNING: 2 };

/**
 * The live terminal view of a job: a header, a progress bar of done/total, counts per state, and
 * the tasks that need eyes (ACTION_PENDING with the exact approve command, FAILED with the retry
 * command, RUNNING with message and elapsed time). Notable events (operator actions, failures,
 * approvals wanted) are printed above it and stay in the scrollback.
 *
 * @example
 * const view = liveView(model, { server: 'http://127.0.0.1:7300' });
 * job.subscribe((e) => { model.apply(eventToWire(e)); view.event(eventToWire(e)); });
 */
export function liveView(model: JobModel, options: LiveViewOptions = {}): EventSink {
  const out = options.out ?? process.stdout;
  const log = createLogUpdate(out);
  const started = Date.now();
  let dirty = true;
  let closed = false;

  const render = () => {
    dirty = false;
    log(frame(model, out.columns || 100, out.rows || 30, started, options.server));
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
    event(event: WireEvent) {
      if (closed) return;
      dirty = true;
      if (isNotable(event)) above(formatEventLine(event, options.server));
    },
    info(line: string) {
      if (!closed) above(line);
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(schedule);
      clearInterval(refresh);
      render();
      log.done();
    },
  };
}

function isNotable(event: WireEvent): boolean {
  return (
    event.cause === 'OPERATOR' ||
    (event.to !== event.from && (event.to === 'FAILED' || event.to === 'ACTION_PENDING'))
  );
}

/** One frame of the live view, as text (exported for tests). */
export function frame(
  model: JobModel,
  columns: number,
  rows: number,
  started: number,
  server?: string,
): string {
  const counts = model.countsByState();
  const done = (counts.SUCCESS ?? 0) + (counts.FAILED ?? 0) + (counts.SKIPPED ?? 0);
  const total = Math.max(model.total, 1);
  const paused = model.root?.paused ? pc.yellow(' (paused)') : '';
  const lines = [
    `${pc.bold(model.name)}${model.name === model.id ? '' : pc.dim(` (job ${model.id})`)}  ${paintState(model.state, `${stateSymbol(model.state)} ${model.state}`)}${paused}  ${pc.dim(formatDuration(Date.now() - started))}`,
    progressBar(done, total, Math.min(40, Math.max(10, columns - 30))),
    countOrder
      .filter(([state]) => (counts[state] ?? 0) > 0 || state === 'SUCCESS')
      .map(([state, label]) => paintState(state, `${stateSymbol(state)} ${counts[state] ?? 0} ${label}`))
      .join('  '),
  ];
  const tasks = model.notableTasks().sort((a, b) => (rank[a.state] ?? 9) - (rank[b.state] ?? 9));
  const room = Math.max(3, rows - lines.length - 3);
  if (tasks.length > 0) lines.push('');
  const now = Date.now();
  let used = 0;
  for (const [i, task] of tasks.entries()) {
    const block = taskLines(task, model.id, columns, now, server);
    if (used + block.length > room && i < tasks.length) {
      lines.push(pc.dim(`… and ${tasks.length - i} more (rnr get ${model.id})`));
      break;
    }
    lines.push(...block);
    used += block.length;
  }
  return lines.join('\n');
}

function progressBar(done: number, total: number, width: number): string {
  const filled = Math.round((done / total) * width);
  const bar = pc.green('█'.repeat(filled)) + pc.dim('░'.repeat(width - filled));
  return `${bar}  ${done}/${total}  ${Math.floor((done / total) * 100)}%`;
}

function taskLines(task: ViewTask, jobId: string, columns: number, now: number, server?: string): string[] {
  const elapsed = task.startedAt && task.state !== 'FAILED' ? formatDuration(now - task.startedAt) : '';
  const head = `${stateSymbol(task.state)} ${task.id}`;
  const tail = [
    elapsed.padStart(6),
    task.paused ? '(paused)' : '',
    task.attempt > 0 ? `attempt ${task.attempt}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const fixed = `${head}  ${tail}  `;
  const message = truncate(task.message, columns - [...fixed].length - 1);
  const line = `${paintState(task.state, head)}  ${pc.dim(tail)}  ${message}`;
  if (task.state === 'ACTION_PENDING') {
    return [pc.bold(line), pc.bold(pc.yellow(`    → ${commandFor('approve', jobId, task.id, server)}`))];
  }
  if (task.state === 'FAILED') return [line, pc.dim(`    → ${commandFor('retry', jobId, task.id, server)}`)];
  return [line];
}
