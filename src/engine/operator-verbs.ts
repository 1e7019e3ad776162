import type { TaskStateKey } from '../../machines/task.machine.js';
import { RnrError } from '../errors.js';
import type { Clock } from './clock.js';
import type { EventMeta } from './event-log.js';
import { capMessage } from './message-cap.js';
import type { PollRunner } from './poll-runner.js';
import type { Scheduler } from './scheduler.js';
import { checkParallelism } from './specs.js';
import type { TaskNode } from './task-node.js';
import { isDone, parseTaskState, stateName, TaskState } from './task-state.js';
import type { TaskTransitions } from './task-transitions.js';
import { toTask } from './task-view.js';
import { EventCause, type OperatorOptions, type SetStateOptions, type Task, TaskKind } from './types.js';

/** What the operator verbs need of their job. */
export interface OperatorHost {
  readonly clock: Clock;
  /** The task with that id, or `RNR_ERR_TASK_NOT_FOUND`. */
  node(id: string): TaskNode;
}

/**
 * An operator action whose input is checked (task found, arguments valid): `apply()` makes the
 * change in memory at once (throwing for a task in the wrong state, such as approving one that is
 * not ACTION_PENDING) and resolves with the task once the change is durable.
 */
export type PreparedAction = () => Promise<Task>;

/**
 * The operator's verbs on a job's tasks (`Job.setTaskState`, `retry`, `skip`, `approve`, `pause`,
 * `resume`, `setParallelism`): each checks its input at once and hands back the action, which
 * changes the task through the transition core, records one OPERATOR event (also when nothing
 * changed), lets DONE ancestors reopen, and resolves once the change is committed. The job applies
 * a prepared action at once, or once it has loaded from its store.
 */
export class OperatorVerbs {
  constructor(
    private readonly host: OperatorHost,
    private readonly changes: TaskTransitions,
    private readonly scheduler: Scheduler,
    private readonly polls: PollRunner,
  ) {}

  setTaskState(id: string, state: TaskState | TaskStateKey, options?: SetStateOptions): PreparedAction {
    const to = parseTaskState(state);
    if (options?.message !== undefined && typeof options.message !== 'string') {
      throw new RnrError(
        'RNR_ERR_INVALID_OPTION',
        `message: got ${JSON.stringify(options.message)}, expected a string`,
      );
    }
    return this.operate(id, 'state', options, (node, meta) => {
      if (options?.message !== undefined) node.message = capMessage(options.message);
      // A leaf the operator calls done keeps no progress line of a run it did not finish.
      else if (to === TaskState.SUCCESS && node.state !== to && !node.isNested) node.message = '';
      // An operator's state is a fresh start: the next poll error counts from zero again.
      node.pollErrors = 0;
      this.polls.abort(node, 'state changed by an operator');
      if (this.changes.apply(node, { type: 'set', state: stateName(to) }, EventCause.OPERATOR, meta))
        return true;
      // RUNNING on a task waiting for its retry: the wait ends, the task is polled again as it is.
      return this.changes.retryCancelled(node, meta);
    });
  }

  retry(id: string, options?: OperatorOptions): PreparedAction {
    return this.operate(id, 'retry', options, (node, meta) => {
      this.polls.abort(node, 'retried by an operator');
      node.attempt += 1;
      node.pollErrors = 0;
      // A fresh attempt starts with a fresh status line; the old one stays in the event log.
      node.message = '';
      node.approval = undefined;
      this.scheduler.resolveAgain(node);
      const changed = this.changes.apply(node, { type: 'retry' }, EventCause.OPERATOR, meta, true);
      // After the apply: stopping a live machine leaves its last snapshot on the node.
      node.machineSnapshot = undefined;
      return changed;
    });
  }

  skip(id: string, options?: OperatorOptions): PreparedAction {
    return this.operate(id, 'skip', options, (node, meta) => {
      this.polls.abort(node, 'skipped by an operator');
      return this.changes.apply(node, { type: 'skip' }, EventCause.OPERATOR, meta);
    });
  }

  approve(id: string, options?: OperatorOptions): PreparedAction {
    const check = (node: TaskNode) => {
      if (node.state !== TaskState.ACTION_PENDING) {
        throw new RnrError(
          'RNR_ERR_NOT_ACTION_PENDING',
          `task ${JSON.stringify(id)} is ${stateName(node.state)}, not ACTION_PENDING: nothing to approve`,
        );
      }
    };
    return this.operate(id, 'approve', options, (n, meta) => {
      check(n);
      this.polls.abort(n, 'approved by an operator');
      n.approval = {
        by: meta.actor ?? 'anonymous',
        at: this.host.clock.now(),
        ...(meta.reason ? { reason: meta.reason } : {}),
      };
      const recorded = this.changes.apply(n, { type: 'approve' }, EventCause.OPERATOR, meta);
      n.machine?.approve(meta.actor ?? 'anonymous', meta.reason ?? '');
      return recorded;
    });
  }

  pause(id: string, options?: OperatorOptions): PreparedAction {
    return this.operate(id, 'pause', options, (node) => this.changes.setPaused(node, true));
  }

  resume(id: string, options?: OperatorOptions): PreparedAction {
    return this.operate(id, 'resume', options, (node) => this.changes.setPaused(node, false));
  }

  setParallelism(id: string, parallelism: number, options?: OperatorOptions): PreparedAction {
    const node = this.host.node(id);
    if (node.spec.kind !== TaskKind.NESTED) {
      throw new RnrError(
        'RNR_ERR_NOT_NESTED',
        `task ${JSON.stringify(id)} is not a nested task: it has no parallelism`,
      );
    }
    const n = checkParallelism(`parallelism of ${JSON.stringify(id)}`, parallelism);
    return this.operate(id, 'parallelism', options, (t) => {
      this.changes.setParallelism(t, n);
      return false;
    });
  }

  /**
   * Prepares the cancel of a job: every unfinished task, top down from `root`, ends SKIPPED (its
   * poll in flight aborted) with one OPERATOR event (`action: 'cancel'`) and the status line
   * `cancelled by <actor>: <reason>`; tasks that ended keep their state. Applying it to a job whose
   * root has ended throws `RNR_ERR_CONFLICT`. Resolves with the root once durable.
   */
  cancel(root: TaskNode, jobId: string, options?: OperatorOptions): PreparedAction {
    const meta = this.meta('cancel', options);
    const line = capMessage(`cancelled by ${meta.actor}${meta.reason ? `: ${meta.reason}` : ''}`);
    return () => {
      if (isDone(root.state)) {
        throw new RnrError(
          'RNR_ERR_CONFLICT',
          `job ${JSON.stringify(jobId)} has already ended ${stateName(root.state)}: nothing to cancel`,
        );
      }
      // Top down: a nested task SKIPPED by an operator stays so while its children follow (a
      // parent skipped last would first settle SUCCESS on children that were all skipped).
      const stack = [root];
      for (let node = stack.pop(); node; node = stack.pop()) {
        if (!isDone(node.state)) {
          this.polls.abort(node, 'job cancelled by an operator');
          node.message = line;
          if (!this.changes.apply(node, { type: 'skip' }, EventCause.OPERATOR, meta))
            this.changes.record(node, node.state, EventCause.OPERATOR, meta);
        }
        const children = node.children ?? [];
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as TaskNode);
      }
      const task = toTask(root, 0);
      return this.changes.commit().then(() => task);
    };
  }

  /** Who and why, checked: an actor (default `'anonymous'`) and a reason must be strings. */
  private meta(action: string, options: OperatorOptions | undefined): EventMeta {
    const actor = options?.actor;
    const reason = options?.reason;
    if (actor !== undefined && typeof actor !== 'string') {
      throw new RnrError('RNR_ERR_INVALID_OPTION', `actor: got ${JSON.stringify(actor)}, expected a string`);
    }
    if (reason !== undefined && typeof reason !== 'string') {
      throw new RnrError(
        'RNR_ERR_INVALID_OPTION',
        `reason: got ${JSON.stringify(reason)}, expected a string`,
      );
    }
    return { actor: actor || 'anonymous', reason: capMessage(reason ?? ''), action };
  }

  /**
   * Prepares one operator action: checks who and why and finds the task now; the action, when
   * applied, runs `change`, records an OPERATOR event when `change` recorded none, reopens DONE
   * ancestors the change no longer justifies, and commits (a failed commit rejects: the action is
   * not acknowledged, and the job rolls it back).
   */
  private operate(
    id: string,
    action: string,
    options: OperatorOptions | undefined,
    change: (node: TaskNode, meta: EventMeta) => boolean,
  ): PreparedAction {
    const node = this.host.node(id);
    const meta = this.meta(action, options);
    return () => {
      if (!change(node, meta)) this.changes.record(node, node.state, EventCause.OPERATOR, meta);
      this.scheduler.reopenAncestors(node);
      const task = toTask(node, 0);
      return this.changes.commit().then(() => task);
    };
  }
}
