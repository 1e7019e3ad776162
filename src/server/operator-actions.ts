import type { Job, Task } from '../index.js';
import { parseTaskState } from '../index.js';
import type { OperatorOp } from '../wire/names.js';

/** An operator action on one task, from an HTTP request or a socket command. */
export interface OperatorCommand {
  op: OperatorOp;
  task: string;
  /** A TaskState or its name (checked by the engine). */
  state?: string | number;
  parallelism?: number;
  message?: string;
  reason?: string;
  /** Who acts; `'anonymous'` when nobody said. */
  actor: string;
}

/** Falls back to `'anonymous'` for a missing or blank actor. */
export function actorName(value: unknown): string {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 256) : 'anonymous';
}

/**
 * Applies an operator command to a job; resolves with the task once the change is durable. The
 * engine's RnrErrors (unknown task, bad state… thrown at once; the store's error, rejected) leave
 * the job untouched. Auditing is the caller's (see audit.ts).
 */
export async function applyCommand(job: Job, command: OperatorCommand): Promise<Task> {
  return dispatch(job, command);
}

function dispatch(job: Job, command: OperatorCommand): Promise<Task> {
  const options = { actor: command.actor, ...(command.reason !== undefined && { reason: command.reason }) };
  switch (command.op) {
    case 'state':
      return job.setTaskState(command.task, parseTaskState(command.state), {
        ...options,
        ...(command.message !== undefined && { message: command.message }),
      });
    case 'parallelism':
      return job.setParallelism(command.task, command.parallelism ?? Number.NaN, options);
    case 'retry':
      return job.retry(command.task, options);
    case 'skip':
      return job.skip(command.task, options);
    case 'approve':
      return job.approve(command.task, options);
    case 'pause':
      return job.pause(command.task, options);
    case 'resume':
      return job.resume(command.task, options);
  }
}
