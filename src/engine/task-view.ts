import { restingStatus } from './machine-state.js';
import type { TaskNode } from './task-node.js';
import { type Task, TaskKind } from './types.js';

/** The public `Task` message of a node, with children down to `depth` levels. */
export function toTask(node: TaskNode, depth: number): Task {
  const task: Task = {
    id: node.id,
    name: node.name,
    kind: node.kind,
    state: node.state,
    message: node.message,
    paused: node.paused,
    parallelism: node.parallelism,
    failFast: node.spec.kind === 1 ? node.spec.failFast : false,
    children: [],
    attempt: node.attempt,
    labels: node.spec.labels ? { ...node.spec.labels } : {},
    parentId: node.parent?.id ?? '',
    createdAt: node.createdAt,
    updatedAt: node.updatedAt,
  };
  if (node.retryAt !== undefined) task.retryAt = node.retryAt;
  const retry = node.spec.kind === TaskKind.NESTED ? undefined : node.spec.retry;
  if (retry) task.maxAttempts = retry.attempts;
  if (node.approval) task.approval = { ...node.approval };
  if (node.startedAt !== undefined) task.startedAt = node.startedAt;
  if (node.finishedAt !== undefined) task.finishedAt = node.finishedAt;
  if (node.machine) task.machine = node.machine.status();
  else if (node.spec.kind === TaskKind.MACHINE)
    task.machine = restingStatus(node.spec.machine, node.machineSnapshot);
  if (depth > 0 && node.children) {
    for (const child of node.children) task.children.push(toTask(child, depth - 1));
  }
  return task;
}
