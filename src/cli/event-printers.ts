import pc from 'picocolors';
import type { TaskEventJson } from '../wire/json.js';
import { formatClock, paintState, printable, shellQuote, stateSymbol } from './format.js';

/** The default control API address; commands shown to the user omit `--server` when it is this. */
export const defaultServer = 'http://127.0.0.1:7300';

/** Something that shows a stream of events: the live view, the plain printer, the JSON printer. */
export interface EventDisplay {
  /** Shows one event. */
  event(event: TaskEventJson): void;
  /** Shows an informational line (listening on…, resumed from…). */
  info(line: string): void;
  /**
   * Ends the display (final render, cursor restored). `serving: false` says nothing serves the job
   * any more, so the last frame offers no commands that would find no server.
   */
  close(end?: { serving: boolean }): void;
}

/**
 * The exact command that acts on a task, e.g. `rnr approve upgrade 'upgrade/node 3'`, with
 * `--server` added when the server is not the default one.
 */
export function commandFor(verb: string, jobId: string, taskId: string, server?: string): string {
  const flag = server && server !== defaultServer ? ` --server ${shellQuote(server)}` : '';
  return `rnr ${verb} ${shellQuote(jobId)} ${shellQuote(taskId)}${flag}`;
}

/**
 * One line for an event: time, seq, glyph, task, transition, message, and who acted and why.
 *
 * @example
 * formatEventLine(event); // '22:40:01 #12 ✓ upgrade/node-3 RUNNING → SUCCESS  drained'
 */
export function formatEventLine(event: TaskEventJson, server?: string): string {
  const to = printable(event.to ?? 'UNKNOWN');
  const from = printable(event.from ?? 'UNKNOWN');
  const change = from === to ? to : `${from} → ${to}`;
  const parts = [
    pc.dim(`${formatClock(event.time)} #${event.seq}`),
    paintState(to, `${stateSymbol(to)} ${printable(event.taskId)}`),
    paintState(to, change),
  ];
  if (event.paused) parts.push(pc.yellow('(paused)'));
  if (event.message) parts.push(printable(event.message));
  if (event.cause === 'OPERATOR') {
    const who = printable(event.actor || 'anonymous');
    const action =
      event.action === 'parallelism' ? `parallelism ${event.parallelism}` : printable(event.action);
    const what = action ? `${action} by ${who}` : `by ${who}`;
    parts.push(pc.magenta(`[${what}${event.reason ? `: ${printable(event.reason)}` : ''}]`));
  }
  if (to === 'ACTION_PENDING' && from !== to && event.jobId) {
    parts.push(pc.bold(pc.yellow(`→ ${commandFor('approve', event.jobId, event.taskId, server)}`)));
  }
  return parts.join('  ');
}

/** Prints one plain line per event (and per info line) to `out`: the view for CI logs and pipes. */
export function plainPrinter(out: NodeJS.WritableStream = process.stdout, server?: string): EventDisplay {
  return {
    event: (event) => out.write(`${formatEventLine(event, server)}\n`),
    info: (line) => out.write(`${line}\n`),
    close: () => {},
  };
}

/**
 * Prints each event as one JSON line (the proto3 JSON mapping) to `out`; info lines go to
 * `err`, so `out` stays machine-readable.
 */
export function jsonPrinter(
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): EventDisplay {
  return {
    event: (event) => out.write(`${JSON.stringify(event)}\n`),
    info: (line) => err.write(`${line}\n`),
    close: () => {},
  };
}

/** Shows no events; info lines go to `err` (for `--quiet`). */
export function quietPrinter(err: NodeJS.WritableStream = process.stderr): EventDisplay {
  return { event: () => {}, info: (line) => err.write(`${line}\n`), close: () => {} };
}
