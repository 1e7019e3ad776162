import type { TaskEvent } from '../engine/messages.js';
import type { JobRecord, TaskRecord } from '../engine/store.js';
import type { JobOwner } from './job-owner.js';

/** The SQL of every statement the store prepares once per database. */
export const sql = {
  selectJob: 'SELECT id, name, created_at, seq FROM jobs WHERE id = ?',
  listJobs: 'SELECT id, name, created_at, seq FROM jobs ORDER BY created_at, rowid',
  insertJob:
    'INSERT INTO jobs (id, name, created_at, seq, updated_at) VALUES (@id, @name, @createdAt, @seq, @updatedAt)',
  upsertJob: `INSERT INTO jobs (id, name, created_at, seq, updated_at) VALUES (@id, @name, @createdAt, @seq, @updatedAt)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, seq = excluded.seq, updated_at = excluded.updated_at`,
  selectTasks: 'SELECT * FROM tasks WHERE job_id = ? ORDER BY task_id',
  upsertTask: `INSERT INTO tasks (job_id, task_id, parent_id, name, kind, state, message, paused, parallelism,
      parallelism_set, attempt, approval, labels, created_at, started_at, finished_at, updated_at, poll_errors,
      state_set_by_operator, machine_snapshot)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (job_id, task_id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name,
      kind = excluded.kind, state = excluded.state, message = excluded.message, paused = excluded.paused,
      parallelism = excluded.parallelism, parallelism_set = excluded.parallelism_set, attempt = excluded.attempt,
      approval = excluded.approval, labels = excluded.labels, created_at = excluded.created_at,
      started_at = excluded.started_at, finished_at = excluded.finished_at, updated_at = excluded.updated_at,
      poll_errors = excluded.poll_errors, state_set_by_operator = excluded.state_set_by_operator,
      machine_snapshot = excluded.machine_snapshot`,
  insertEvent: `INSERT INTO events (job_id, seq, task_id, from_state, to_state, paused, message, cause, actor, reason,
      time, action, attempt, parallelism)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  selectEvents: 'SELECT * FROM events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?',
  lastSeq: 'SELECT max(seq) FROM events WHERE job_id = ?',
  selectOwner: 'SELECT * FROM owners WHERE job_id = ?',
  upsertOwner: `INSERT INTO owners (job_id, pid, host, since, boot_id, proc_start, token)
    VALUES (@jobId, @pid, @host, @since, @bootId, @procStart, @token)
    ON CONFLICT (job_id) DO UPDATE SET pid = excluded.pid, host = excluded.host, since = excluded.since,
      boot_id = excluded.boot_id, proc_start = excluded.proc_start, token = excluded.token`,
  deleteOwner: 'DELETE FROM owners WHERE job_id = ? AND token = ?',
} as const;

type Row = Record<string, unknown>;

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const parse = (text: unknown): unknown => (typeof text === 'string' ? JSON.parse(text) : undefined);
const optional = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** A job row as a {@link JobRecord}. */
export function jobFromRow(row: Row): JobRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    createdAt: Number(row.created_at),
    seq: Number(row.seq),
  };
}

/** The named parameters of a job row. */
export function jobParams(job: JobRecord, updatedAt: number): Row {
  return { id: job.id, name: job.name, createdAt: job.createdAt, seq: job.seq, updatedAt };
}

/**
 * The parameters of a task row, in column order (positional binding: the hot path of a commit);
 * booleans as 0/1, objects as JSON.
 */
export function taskParams(jobId: string, task: TaskRecord): unknown[] {
  return [
    jobId,
    task.id,
    task.parentId,
    task.name,
    task.kind,
    task.state,
    task.message,
    task.paused ? 1 : 0,
    task.parallelism,
    task.parallelismSet ? 1 : 0,
    task.attempt,
    json(task.approval),
    JSON.stringify(task.labels),
    task.createdAt,
    task.startedAt ?? null,
    task.finishedAt ?? null,
    task.updatedAt,
    task.pollErrors,
    task.stateSetByOperator ? 1 : 0,
    json(task.machineSnapshot),
  ];
}

/** A task row as a {@link TaskRecord}; optional fields absent rather than undefined-valued. */
export function taskFromRow(row: Row): TaskRecord {
  const task: TaskRecord = {
    id: String(row.task_id),
    parentId: String(row.parent_id),
    name: String(row.name),
    kind: Number(row.kind),
    state: Number(row.state),
    message: String(row.message),
    paused: row.paused === 1,
    parallelism: Number(row.parallelism),
    parallelismSet: row.parallelism_set === 1,
    attempt: Number(row.attempt),
    labels: (parse(row.labels) as Record<string, string> | undefined) ?? {},
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    pollErrors: Number(row.poll_errors),
    stateSetByOperator: row.state_set_by_operator === 1,
  };
  const approval = parse(row.approval);
  if (approval !== undefined) task.approval = approval as TaskRecord['approval'];
  const startedAt = optional(row.started_at);
  if (startedAt !== undefined) task.startedAt = startedAt;
  const finishedAt = optional(row.finished_at);
  if (finishedAt !== undefined) task.finishedAt = finishedAt;
  const snapshot = parse(row.machine_snapshot);
  if (snapshot !== undefined) task.machineSnapshot = snapshot;
  return task;
}

/** The parameters of an event row, in column order. */
export function eventParams(jobId: string, event: TaskEvent): unknown[] {
  return [
    jobId,
    event.seq,
    event.taskId,
    event.from,
    event.to,
    event.paused ? 1 : 0,
    event.message ?? '',
    event.cause,
    event.actor ?? '',
    event.reason ?? '',
    event.time,
    event.action ?? '',
    event.attempt ?? 0,
    event.parallelism ?? 0,
  ];
}

/** An event row as a {@link TaskEvent}. */
export function eventFromRow(row: Row): TaskEvent {
  return {
    seq: Number(row.seq),
    jobId: String(row.job_id),
    taskId: String(row.task_id),
    from: Number(row.from_state),
    to: Number(row.to_state),
    paused: row.paused === 1,
    message: String(row.message),
    cause: Number(row.cause),
    actor: String(row.actor),
    reason: String(row.reason),
    time: Number(row.time),
    action: String(row.action),
    attempt: Number(row.attempt),
    parallelism: Number(row.parallelism),
  };
}

/** An owner row as a {@link JobOwner}. */
export function ownerFromRow(row: Row): JobOwner {
  return {
    pid: Number(row.pid),
    host: String(row.host),
    since: Number(row.since),
    bootId: String(row.boot_id),
    procStart: String(row.proc_start),
    token: String(row.token),
  };
}
