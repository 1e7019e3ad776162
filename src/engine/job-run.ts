import type { JobCore } from './job-core.js';
import type { JobHalt, JobSnapshot, JobSummary, RunFields, RunOwner } from './messages.js';
import { runFieldsOf } from './run-view.js';
import type { Fence, OpenedRun, RunRecord, StateCounts } from './store.js';
import { taskStateNames } from './task-state.js';
import { toTask } from './task-view.js';

/**
 * The run a job is: its identity (workflow, number, input, who started it), its creation time and
 * its fence in the store — as `createJob` was told, then as the store remembers once the job has
 * loaded — and the views built from it with the job's state: the run's record every batch carries,
 * `snapshot()` and `summary()`.
 */
export class JobRun {
  /** The fence the store gave when it opened the run (commits carry it). */
  fence: Fence | undefined;

  constructor(
    readonly id: string,
    readonly name: string,
    private fields: RunFields,
    private createdAt: number,
  ) {}

  /** Takes what the store remembers of the run (its creation, input, starter) when it opens. */
  opened(opened: OpenedRun): void {
    this.fence = opened.fence;
    this.createdAt = opened.run.createdAt;
    this.fields = runFieldsOf(opened.run);
  }

  /** The run's record as it stands with `core` (the summary fields every batch carries). */
  record(core: JobCore, seq: number): RunRecord {
    const root = core.root;
    const record: RunRecord = {
      id: this.id,
      name: this.name,
      createdAt: this.createdAt,
      seq,
      ...this.fields,
      state: root.state,
      counts: countsOf(core),
      total: core.index.byId.size,
    };
    if (root.startedAt !== undefined) record.startedAt = root.startedAt;
    if (root.finishedAt !== undefined) record.finishedAt = root.finishedAt;
    return record;
  }

  /** The job as a `Job` message. */
  snapshot(core: JobCore, halted: JobHalt | undefined): JobSnapshot {
    const snapshot: JobSnapshot = {
      id: this.id,
      name: this.name,
      root: toTask(core.root, Number.POSITIVE_INFINITY),
      createdAt: this.createdAt,
      seq: core.log.seq,
      ...this.runFields(),
    };
    if (halted) snapshot.halted = halted;
    const owner = this.owner(halted);
    if (owner) snapshot.owner = owner;
    return snapshot;
  }

  /** The job's headline figures, as a `JobSummary`. */
  summary(core: JobCore, halted: JobHalt | undefined): JobSummary {
    const root = core.root;
    const summary: JobSummary = {
      id: this.id,
      name: this.name,
      state: root.state,
      counts: countsOf(core),
      createdAt: this.createdAt,
      total: core.index.byId.size,
      seq: core.log.seq,
      ...this.runFields(),
    };
    if (root.startedAt !== undefined) summary.startedAt = root.startedAt;
    if (root.finishedAt !== undefined) summary.finishedAt = root.finishedAt;
    if (halted) summary.halted = halted;
    const owner = this.owner(halted);
    if (owner) summary.owner = owner;
    return summary;
  }

  /** The owner while this job holds the run: a run lost to another process is not this job's. */
  private owner(halted: JobHalt | undefined): RunOwner | undefined {
    if (!this.fence || halted?.code === 'RNR_ERR_LEASE_LOST') return undefined;
    return { process: this.fence.process, epoch: this.fence.epoch };
  }

  private runFields(): RunFields {
    return { ...this.fields, input: { ...this.fields.input }, labels: { ...this.fields.labels } };
  }
}

/** Tasks per state name of a job's state. */
function countsOf(core: JobCore): StateCounts {
  const counts = {} as StateCounts;
  const byState = core.changes.counts;
  taskStateNames.forEach((name, state) => {
    counts[name] = byState[state] ?? 0;
  });
  return counts;
}
