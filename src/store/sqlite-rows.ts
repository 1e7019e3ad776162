import type { TaskEvent } from '../engine/messages.js';
import type { JsonObject, RunRecord, StateCounts, TaskRecord } from '../engine/store.js';
import { isDone } from '../engine/task-state.js';
import type { JobOwner } from './job-owner.js';

/** The columns of a run row a RunRecord is read from. */
const RUN_COLUMNS =
  'r.ord, r.id, r.name, r.workflow, r.run, r.input, r.trigger, r.started_by, r.labels, r.state, r.counts, r.total, r.created_at, r.started_at, r.finished_at, r.seq, r.epoch';

/** The SELECT of run rows with their owner's token (the base of listing; see listSql). */
export const RUN_SELECT = `SELECT ${RUN_COLUMNS}, o.token AS owner FROM runs r LEFT JOIN owners o ON o.job_id = r.id`;

/** The SQL of every statement the store prepares once per database. */
export const sql = {
  selectRun: `${RUN_SELECT} WHERE r.id = ?`,
  insertRun: `INSERT INTO runs (id, name, workflow, run, input, trigger, started_by, labels, state, done, counts,
      total, created_at, started_at, finished_at, seq, epoch, idempotency_key, updated_at)
    VALUES (@id, @name, @workflow, @run, @input, @trigger, @startedBy, @labels, @state, @done, @counts, @total,
      @createdAt, @startedAt, @finishedAt, @seq, @epoch, @idempotencyKey, @updatedAt)`,
  // The fence: a commit under another epoch changes no row (and so nothing at all). The indexed
  // columns (state, done) are set apart, only when they change: an UPDATE that names an indexed
  // column rewrites that index's entry, a page more in the WAL (and the fsync) of every commit.
  updateRun: `UPDATE runs SET name = ?, seq = ?, counts = ?, total = ?, started_at = ?, finished_at = ?,
      updated_at = ? WHERE id = ? AND epoch = coalesce(?, epoch)`,
  updateRunState: 'UPDATE runs SET state = ?, done = ? WHERE id = ? AND state <> ?',
  bumpEpoch: 'UPDATE runs SET epoch = epoch + 1 WHERE id = ? RETURNING epoch',
  runExists: 'SELECT 1 FROM runs WHERE id = ?',
  numberTaken: 'SELECT id FROM runs WHERE workflow = ? AND run = ?',
  lastRun: 'SELECT last_run FROM workflows WHERE workflow = ?',
  setLastRun: `INSERT INTO workflows (workflow, last_run) VALUES (?, ?)
    ON CONFLICT (workflow) DO UPDATE SET last_run = max(last_run, excluded.last_run)`,
  runByKey: `${RUN_SELECT} WHERE r.workflow = ? AND r.idempotency_key = ?`,
  unfinished: 'SELECT id FROM runs WHERE workflow = ? AND done = 0 ORDER BY ord',
  finishedBeyond: `SELECT r.id, o.token AS owner FROM runs r LEFT JOIN owners o ON o.job_id = r.id
    WHERE r.workflow = ? AND r.done = 1 ORDER BY r.ord DESC LIMIT -1 OFFSET ?`,
  deleteRun: 'DELETE FROM runs WHERE id = ?',
  deleteTasks: 'DELETE FROM tasks WHERE job_id = ?',
  deleteEvents: 'DELETE FROM events WHERE job_id = ?',
  selectTasks: 'SELECT * FROM tasks WHERE job_id = ? ORDER BY task_id',
  upsertTask: `INSERT INTO tasks (job_id, task_id, parent_id, name, kind, state, message, paused, parallelism,
      parallelism_set, attempt, approval, labels, created_at, started_at, finished_at, updated_at, poll_errors,
      state_set_by_operator, machine_snapshot, position, fail_fast, retry_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (job_id, task_id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name,
      kind = excluded.kind, state = excluded.state, message = excluded.message, paused = excluded.paused,
      parallelism = excluded.parallelism, parallelism_set = excluded.parallelism_set, attempt = excluded.attempt,
      approval = excluded.approval, labels = excluded.labels, created_at = excluded.created_at,
      started_at = excluded.started_at, finished_at = excluded.finished_at, updated_at = excluded.updated_at,
      poll_errors = excluded.poll_errors, state_set_by_operator = excluded.state_set_by_operator,
      machine_snapshot = excluded.machine_snapshot, position = excluded.position, fail_fast = excluded.fail_fast,
      retry_at = excluded.retry_at`,
  insertEvent: `INSERT INTO events (job_id, seq, task_id, from_state, to_state, paused, message, cause, actor, reason,
      time, action, attempt, parallelism, retry_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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

/** A run row (with its owner's token) as a {@link RunRecord}. */
export function runFromRow(row: Row): RunRecord {
  const record: RunRecord = {
    id: String(row.id),
    name: String(row.name),
    createdAt: Number(row.created_at),
    seq: Number(row.seq),
    workflow: String(row.workflow),
    run: Number(row.run),
    input: parse(row.input) as JsonObject,
    trigger: Number(row.trigger),
    startedBy: String(row.started_by),
    state: Number(row.state),
    counts: parse(row.counts) as StateCounts,
    total: Number(row.total),
    labels: parse(row.labels) as Record<string, string>,
  };
  const startedAt = optional(row.started_at);
  if (startedAt !== undefined) record.startedAt = startedAt;
  const finishedAt = optional(row.finished_at);
  if (finishedAt !== undefined) record.finishedAt = finishedAt;
  if (typeof row.owner === 'string') record.owner = { process: row.owner, epoch: Number(row.epoch) };
  return record;
}

/** The named parameters of a new run row. */
export function runParams(
  run: RunRecord,
  epoch: number,
  idempotencyKey: string | null,
  updatedAt: number,
): Row {
  return {
    id: run.id,
    name: run.name,
    workflow: run.workflow,
    run: run.run,
    input: JSON.stringify(run.input ?? {}),
    trigger: run.trigger,
    startedBy: run.startedBy,
    labels: JSON.stringify(run.labels ?? {}),
    state: run.state,
    done: isDone(run.state) ? 1 : 0,
    counts: JSON.stringify(run.counts),
    total: run.total,
    createdAt: run.createdAt,
    startedAt: run.startedAt ?? null,
    finishedAt: run.finishedAt ?? null,
    seq: run.seq,
    epoch,
    idempotencyKey,
    updatedAt,
  };
}

/** The parameters of a commit's run update, in column order (the epoch last: null checks none). */
export function runUpdateParams(run: RunRecord, epoch: number | undefined, updatedAt: number): unknown[] {
  return [
    run.name,
    run.seq,
    JSON.stringify(run.counts),
    run.total,
    run.startedAt ?? null,
    run.finishedAt ?? null,
    updatedAt,
    run.id,
    epoch ?? null,
  ];
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
    task.index,
    task.failFast ? 1 : 0,
    task.retryAt ?? null,
  ];
}

/** A task row as a {@link TaskRecord}; optional fields absent rather than undefined-valued. */
export function taskFromRow(row: Row): TaskRecord {
  const task: TaskRecord = {
    id: String(row.task_id),
    parentId: String(row.parent_id),
    index: Number(row.position),
    name: String(row.name),
    kind: Number(row.kind),
    state: Number(row.state),
    message: String(row.message),
    paused: row.paused === 1,
    parallelism: Number(row.parallelism),
    parallelismSet: row.parallelism_set === 1,
    failFast: row.fail_fast === 1,
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
  const retryAt = optional(row.retry_at);
  if (retryAt !== undefined) task.retryAt = retryAt;
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
    event.retryAt ?? null,
  ];
}

/** An event row as a {@link TaskEvent}. */
export function eventFromRow(row: Row): TaskEvent {
  const event: TaskEvent = {
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
  const retryAt = optional(row.retry_at);
  if (retryAt !== undefined) event.retryAt = retryAt;
  return event;
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
