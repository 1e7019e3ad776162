import { type Job, parseTaskState, type Task } from '../index.js';
import type { RunCommand } from './types.js';

/**
 * Applies an operator command to a live job: the engine checks the task and the arguments at once
 * (an `RnrError` for an unknown task or a bad state leaves the job untouched) and resolves with the
 * task once the change is durable.
 */
export async function applyRunCommand(job: Job, command: RunCommand): Promise<Task> {
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
