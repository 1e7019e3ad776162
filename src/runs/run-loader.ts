import type { InspectionEvent } from 'xstate';
import {
  type AnyWorkflow,
  type BuildContext,
  type Clock,
  callbackTask,
  createJob,
  describeError,
  isRnrError,
  type Job,
  type JobOptions,
  RnrError,
  type RunRecord,
  type Store,
  type TaskSpec,
} from '../index.js';

/** How a host makes the Job of a run. */
export interface RunLoaderOptions {
  store: Store;
  clock: Clock;
  /** Overrides every workflow's `pollIntervalMs` (`--poll-interval`). */
  pollIntervalMs?: number;
  inspect?: (event: InspectionEvent) => void;
  /** The build's `ctx.log`. */
  log: (line: string) => void;
  /** `rnr`'s `createJob` unless a test says otherwise. */
  createJob?: (options: JobOptions) => Job;
}

function isTaskSpecLike(value: unknown): value is TaskSpec {
  // The engine checks the spec for real in createJob; this only tells "nothing useful came back".
  return (
    typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'number'
  );
}

/**
 * The root of a new run whose `build` threw or returned no task: one leaf that fails with the
 * reason, so the run is recorded FAILED (its number used, its input kept) rather than lost.
 */
function buildFailure(workflow: AnyWorkflow, reason: string): TaskSpec {
  return callbackTask({
    id: 'build',
    name: `build ${workflow.name}`,
    poll: () => ({ state: 'FAILED', message: reason }),
  });
}

/** Calls the workflow's `build` for a run; throws `RNR_ERR_WORKFLOW_INVALID` saying why it failed. */
export async function buildRoot(
  workflow: AnyWorkflow,
  run: RunRecord,
  log: (line: string) => void,
): Promise<TaskSpec> {
  const ctx: BuildContext = {
    run: { id: run.id, number: run.run },
    workflow: { name: workflow.name },
    log: (line) => log(`run ${run.id}: ${String(line)}`),
  };
  let root: unknown;
  try {
    root = await workflow.build(run.input, ctx);
  } catch (err) {
    throw new RnrError(
      'RNR_ERR_WORKFLOW_INVALID',
      `workflow ${workflow.name}: build threw for run ${run.id}: ${describeError(err, 1000)}`,
      { cause: err },
    );
  }
  if (!isTaskSpecLike(root)) {
    throw new RnrError(
      'RNR_ERR_WORKFLOW_INVALID',
      `workflow ${workflow.name}: build returned ${describeError(root, 100)} for run ${run.id}, not a task (callbackTask, nestedTask or machineTask)`,
    );
  }
  return root;
}

/**
 * Makes the Job of a run from its record: `build(input, ctx)`, then `createJob` with the host's
 * store and clock (so the run resumes what the store holds of it). A new run whose build fails
 * gets a root that fails with the reason (`fresh`); an existing run's build failure throws, and
 * the run stays in the store as it was.
 */
export async function loadRunJob(
  workflow: AnyWorkflow,
  run: RunRecord,
  options: RunLoaderOptions,
  fresh: boolean,
): Promise<Job> {
  let root: TaskSpec;
  try {
    root = await buildRoot(workflow, run, options.log);
  } catch (err) {
    if (!fresh || !isRnrError(err, 'RNR_ERR_WORKFLOW_INVALID')) throw err;
    options.log(err.message);
    root = buildFailure(workflow, err.message);
  }
  const make = options.createJob ?? createJob;
  const jobOptions = (tree: TaskSpec): JobOptions => ({
    id: run.id,
    name: run.name,
    root: tree,
    store: options.store,
    clock: options.clock,
    pollIntervalMs: options.pollIntervalMs ?? workflow.pollIntervalMs,
    ...(options.inspect && { inspect: options.inspect }),
    run,
  });
  try {
    return make(jobOptions(root));
  } catch (err) {
    // A tree createJob refuses (duplicate ids, a bad parallelism) is the workflow's fault too.
    if (!fresh || !(err instanceof RnrError) || err.code === 'RNR_ERR_JOB_LOCKED') throw err;
    const reason = `workflow ${workflow.name}: run ${run.id}: ${err.message}`;
    options.log(reason);
    return make(jobOptions(buildFailure(workflow, reason)));
  }
}
