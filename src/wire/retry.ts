import { formatDuration } from './duration.js';

/** What the views read of a task's pending retry (a `TaskJson`, the CLI's and the web view's models). */
export interface RetryFields {
  attempt?: number;
  retryAt?: number;
  maxAttempts?: number;
}

/**
 * The try a pending retry starts, as people count: `attempt 2/5` (the Task's `attempt` counts from
 * 0); `attempt 2` when the total is not known.
 *
 * @example
 * nextAttemptText({ attempt: 0, maxAttempts: 5 }); // 'attempt 2/5'
 */
export function nextAttemptText(task: RetryFields): string {
  const next = (task.attempt ?? 0) + 2;
  return task.maxAttempts ? `attempt ${next}/${task.maxAttempts}` : `attempt ${next}`;
}

/**
 * A pending retry for the terminal: `retry in 25s (attempt 2/5)`, or `retry due (attempt 2/5)` once
 * its time has passed (the job is stopped or the task paused); undefined when none is pending.
 *
 * @example
 * retryInText({ attempt: 0, maxAttempts: 5, retryAt: now + 25_000 }, now); // 'retry in 25s (attempt 2/5)'
 */
export function retryInText(task: RetryFields, now: number): string | undefined {
  if (!task.retryAt) return undefined;
  const left = task.retryAt - now;
  return `${left > 0 ? `retry in ${formatDuration(left)}` : 'retry due'} (${nextAttemptText(task)})`;
}
