import type { InspectionEvent } from 'xstate';
import type { Clock } from './clock.js';
import type { Store } from './store.js';
import type { Job } from './types.js';
import type { AnyWorkflow } from './workflow.js';

// The contract of a workflow module: what its default export may be and what a runner (`rnr run`,
// `rnr serve`) passes to it. Part of the engine's public API, so that `rnr` does not depend on the CLI.

/**
 * What `rnr run` passes to a workflow module whose default export is a function (the older form;
 * export a {@link AnyWorkflow | workflow()} instead). Spread it into `createJob` so the job keeps
 * its state where the command says (`--store`) and ticks at `--poll-interval` (and is inspected
 * under `--inspect`):
 *
 * @example
 * export default (options: WorkflowOptions) => createJob({ name: 'upgrade', root, ...options });
 */
export interface WorkflowOptions {
  /** The command's store (SQLite under `--state-dir`, or `--store`). */
  store: Store;
  /** Set only when `--poll-interval` was given, so the workflow's own default applies otherwise. */
  pollIntervalMs?: number;
  /** The wall clock. */
  clock: Clock;
  /** Set only with `--inspect`: XState's inspection observer for the job's actors (`JobOptions.inspect`). */
  inspect?: (event: InspectionEvent) => void;
}

/**
 * A default export rnr can run: a `Workflow` (from `workflow()`: rnr makes each run's Job), or, in
 * the older forms, one Job or a (possibly async) function of {@link WorkflowOptions} returning one.
 */
export type WorkflowExport = AnyWorkflow | Job | ((options: WorkflowOptions) => Job | Promise<Job>);
