import type { InspectionEvent } from 'xstate';
import type { Clock } from './clock.js';
import type { Store } from './store.js';
import type { Job } from './types.js';

// The contract of a workflow module: what its default export may be and what a runner (`rnr run`,
// `rnr serve`) passes to it. Part of the engine's public API, so that `rnr` does not depend on the CLI.

/**
 * What `rnr run` passes to a workflow whose default export is a function. Spread it into
 * `createJob` so the job keeps its state where the command says (`--state-dir`) and ticks at
 * `--poll-interval` (and is inspected under `--inspect`):
 *
 * @example
 * export default (options: WorkflowOptions) => createJob({ name: 'upgrade', root, ...options });
 */
export interface WorkflowOptions {
  /** The command's store (SQLite under `--state-dir`). */
  store: Store;
  /** Set only when `--poll-interval` was given, so the workflow's own default applies otherwise. */
  pollIntervalMs?: number;
  /** The wall clock. */
  clock: Clock;
  /** Set only with `--inspect`: XState's inspection observer for the job's actors (`JobOptions.inspect`). */
  inspect?: (event: InspectionEvent) => void;
}

/** A default export rnr can run: a Job, or a (possibly async) function of {@link WorkflowOptions}. */
export type WorkflowExport = Job | ((options: WorkflowOptions) => Job | Promise<Job>);
