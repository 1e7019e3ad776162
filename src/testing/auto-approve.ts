import { TaskState } from '../engine/task-state.js';
import type { Job, Task } from '../engine/types.js';
import { RnrError } from '../errors.js';
import { nearestIds } from '../nearest-ids.js';

/**
 * Which ACTION_PENDING tasks {@link TestEnvironment.run} approves on its own: all (`true`), those
 * with these ids (as they are, or relative to the job's root: `'approve-prod'` for
 * `'upgrade/approve-prod'`), or those a predicate picks.
 */
export type AutoApprove = boolean | readonly string[] | ((task: Task) => boolean);

/**
 * Approves the ACTION_PENDING tasks of one job that an {@link AutoApprove} picks, as they appear
 * (and those already waiting when it starts).
 */
export class AutoApprover {
  private seen: number;
  private readonly waiting = new Set<string>();

  constructor(
    private readonly job: Job,
    private readonly approve: AutoApprove | undefined,
    private readonly actor: string,
  ) {
    this.seen = job.seq;
    if (!approve || job.summary().counts.ACTION_PENDING === 0) return;
    const visit = (task: Task): void => {
      if (task.state === TaskState.ACTION_PENDING) this.waiting.add(task.id);
      task.children.forEach(visit);
    };
    visit(job.snapshot().root);
  }

  /** Approves every task that waits and is picked; resolves once the approvals are durable. */
  async pass(): Promise<void> {
    const approve = this.approve;
    if (!approve) return;
    for (const e of await this.job.events(this.seen)) {
      this.seen = e.seq;
      if (e.to === TaskState.ACTION_PENDING) this.waiting.add(e.taskId);
    }
    const listed = Array.isArray(approve) ? new Set(approve.map((id) => this.resolve(id))) : undefined;
    for (const id of this.waiting) {
      this.waiting.delete(id);
      if (!this.job.hasTask(id)) continue;
      const task = this.job.getTask(id, { depth: 0 });
      if (task.state !== TaskState.ACTION_PENDING) continue;
      const yes =
        approve === true || (listed ? listed.has(task.id) : typeof approve === 'function' && approve(task));
      if (yes)
        await this.job.approve(task.id, { actor: this.actor, reason: 'approved by the test environment' });
    }
  }

  /**
   * Fails when the `approve` list names a task the job does not have (a typo would otherwise leave
   * a gate waiting and the run ending for another reason), suggesting the nearest ids. Called at
   * the end of a run, when children resolved at run time exist too.
   */
  checkListed(): void {
    if (!Array.isArray(this.approve)) return;
    const unknown = (this.approve as readonly string[]).filter((id) => !this.job.hasTask(this.resolve(id)));
    if (unknown.length === 0) return;
    const ids = allIds(this.job.snapshot().root);
    const each = unknown.map((id) => {
      const near = nearestIds(id, ids);
      return `${JSON.stringify(id)}${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`;
    });
    throw new RnrError(
      'RNR_ERR_TASK_NOT_FOUND',
      `env.run: approve names no task of job ${JSON.stringify(this.job.id)}: ${each.join('; ')}`,
    );
  }

  /** `id` as it is when the job has it, else read relative to the root. */
  private resolve(id: string): string {
    if (this.job.hasTask(id)) return id;
    const root = this.job.snapshot().root.id;
    const relative = `${root}/${id.replace(/^\/+/, '')}`;
    return this.job.hasTask(relative) ? relative : id;
  }
}

function allIds(root: Task): string[] {
  const out: string[] = [];
  const stack = [root];
  for (let task = stack.pop(); task; task = stack.pop()) {
    out.push(task.id);
    stack.push(...task.children);
  }
  return out;
}
