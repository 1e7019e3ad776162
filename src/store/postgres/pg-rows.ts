import type { TaskEvent } from '../../engine/messages.js';
import type { CommitBatch, JsonObject, RunRecord, StateCounts, TaskRecord } from '../../engine/store.js';
import { fromDb, jsonFromDb, jsonToDb, toDb } from './text-codec.js';

// Rows of rnr's PostgreSQL tables and the records of the store port, both ways. A commit sends its
// runs, task rows and event rows as one JSON array each, which the statement unpacks with
// json_to_recordset: the same parameters whatever the batch's size, one statement, one round trip
// (see commitSql).

type Row = Record<string, unknown>;

/** The columns a RunRecord is read from (`r` is the runs table). */
export const RUN_COLUMNS = `r.ord, r.id, r.name, r.workflow, r.run, r.input, r.trigger, r.started_by, r.labels,
  r.state, r.counts, r.total, r.created_at, r.started_at, r.finished_at, r.seq, r.epoch, r.owner_process`;

/** The task columns in the order commitSql writes them. */
const TASK_COLUMNS = `task_id, parent_id, position, name, kind, state, message, paused, parallelism,
  parallelism_set, fail_fast, attempt, approval, labels, created_at, started_at, finished_at, updated_at,
  poll_errors, state_set_by_operator, machine_snapshot, retry_at`;

/** json_to_recordset's view of a task row: short keys, in TASK_COLUMNS order. */
const TASK_RECORD = `i text, p text, n integer, nm text, k smallint, s smallint, m text, pa boolean,
  pl double precision, ps boolean, ff boolean, a integer, ap text, l text, c double precision,
  st double precision, f double precision, u double precision, pe integer, so boolean, ms text,
  ra double precision`;

const EVENT_COLUMNS = `seq, task_id, from_state, to_state, paused, message, cause, actor, reason, time,
  action, attempt, parallelism, retry_at`;

const EVENT_RECORD = `q bigint, i text, fr smallint, t smallint, pa boolean, m text, c smallint, ac text,
  r text, tm double precision, an text, a integer, pl double precision, ra double precision`;

const TASK_UPDATES = TASK_COLUMNS.split(',')
  .map((c) => c.trim())
  .filter((c) => c !== 'task_id')
  .map((c) => `${c} = excluded.${c}`)
  .join(', ');

/** The field names of a json_to_recordset column list, for a SELECT list (`x.i, x.p, …`). */
const fieldsOf = (record: string): string =>
  record
    .split(',')
    .map((c) => `x.${c.trim().split(/\s+/)[0]}`)
    .join(', ');

/**
 * The commit of the batches of one or more runs as one statement (one transaction, one round trip,
 * one WAL flush — see pg-commit.ts for when several go together): each run row's UPDATE is that
 * run's fence — it matches only under the writer's epoch and owner and only when the stored seq is
 * the one the batch continues from — and the task upsert and the event insert join their rows
 * through the runs it matched, so a stale or out-of-order batch writes nothing at all, whatever the
 * others in the statement do. `written` lists the runs that went in.
 *
 * $1 runs JSON (`[{ id, nm, q, s, co, t, sa, fa, e, o, pv }]`: id, name, seq, state, counts,
 * total, started_at, finished_at, epoch, owner, seq before the batch) · $2 tasks JSON · $3 events
 * JSON (each row with `ri`, its run) · $4 the commands the batches apply (`[{ id, r, ri }]`, r
 * their result; see pg-commands.ts) · $5 the store's notice channel.
 *
 * The same write marks those commands applied (only while pending: apply-once rides on the fence)
 * and NOTIFYs the store's channel — `e <seq> <run>` for each run's events, `d <command> <run>` for
 * each command settled — delivered by PostgreSQL when, and only if, the transaction commits.
 */
export function commitSql(schema: string): string {
  return `WITH batch AS (
    SELECT * FROM json_to_recordset($1::json) AS x(id text, nm text, q bigint, s smallint, co text,
      t integer, sa double precision, fa double precision, e bigint, o text, pv bigint)
  ), run AS (
    UPDATE ${schema}.runs r SET name = b.nm, seq = b.q, state = b.s, counts = b.co, total = b.t,
      started_at = b.sa, finished_at = b.fa, updated_at = now()
    FROM batch b
    -- IS NOT DISTINCT FROM: a run opened without an owner (a store of one process) has none.
    WHERE r.id = b.id AND r.epoch = b.e AND r.owner_process IS NOT DISTINCT FROM b.o AND r.seq = b.pv
    RETURNING r.id, b.q, b.e
  ), task_rows AS (
    INSERT INTO ${schema}.tasks AS t (run_id, ${TASK_COLUMNS})
    SELECT run.id, ${fieldsOf(TASK_RECORD)}
    FROM json_to_recordset($2::json) AS x(ri text, ${TASK_RECORD}) JOIN run ON run.id = x.ri
    ON CONFLICT (run_id, task_id) DO UPDATE SET ${TASK_UPDATES}
  ), event_rows AS (
    INSERT INTO ${schema}.events (run_id, ${EVENT_COLUMNS})
    SELECT run.id, ${fieldsOf(EVENT_RECORD)}
    FROM json_to_recordset($3::json) AS x(ri text, ${EVENT_RECORD}) JOIN run ON run.id = x.ri
  ), applied AS (
    UPDATE ${schema}.commands c SET status = 'applied', settled_at = now(), epoch = run.e, result = x.r
    FROM json_to_recordset($4::json) AS x(id bigint, r text, ri text) JOIN run ON run.id = x.ri
    WHERE c.id = x.id AND c.run_id = run.id AND c.status = 'pending'
    RETURNING c.id, c.run_id
  ), notices AS (
    SELECT pg_notify($5, concat('e ', run.q, ' ', run.id)) FROM run WHERE octet_length(run.id) < 7000
    UNION ALL
    SELECT pg_notify($5, concat('d ', applied.id, ' ', applied.run_id)) FROM applied
      WHERE octet_length(applied.run_id) < 7000
  )
  SELECT (SELECT array_agg(id) FROM run) AS written, (SELECT count(*) FROM notices)::int AS notices`;
}

/** One run's part of a commit: its batch, the fence it writes under, the commands it applies. */
export interface CommitPart {
  batch: CommitBatch;
  epoch: number;
  owner: string;
  applied: { id: string; r: string }[];
}

/** The parameters of {@link commitSql} for the parts of a commit. */
export function commitParams(parts: readonly CommitPart[], channel: string): unknown[] {
  const runs: unknown[] = [];
  const tasks: unknown[] = [];
  const events: unknown[] = [];
  const applied: unknown[] = [];
  for (const { batch, epoch, owner, applied: commands } of parts) {
    const run = batch.run;
    const ri = toDb(run.id);
    runs.push({
      id: ri,
      nm: toDb(run.name),
      q: run.seq,
      s: run.state,
      co: JSON.stringify(run.counts),
      t: run.total,
      sa: run.startedAt ?? null,
      fa: run.finishedAt ?? null,
      e: epoch,
      o: owner,
      pv: run.seq - batch.events.length,
    });
    for (const t of batch.tasks)
      tasks.push({
        ri,
        i: toDb(t.id),
        p: toDb(t.parentId),
        n: t.index,
        nm: toDb(t.name),
        k: t.kind,
        s: t.state,
        m: toDb(t.message),
        pa: t.paused,
        pl: t.parallelism,
        ps: t.parallelismSet,
        ff: t.failFast,
        a: t.attempt,
        ap: jsonToDb(t.approval),
        l: JSON.stringify(t.labels ?? {}),
        c: t.createdAt,
        st: t.startedAt,
        f: t.finishedAt,
        u: t.updatedAt,
        pe: t.pollErrors,
        so: t.stateSetByOperator,
        ms: jsonToDb(t.machineSnapshot),
        ra: t.retryAt,
      });
    for (const e of batch.events)
      events.push({
        ri,
        q: e.seq,
        i: toDb(e.taskId),
        fr: e.from,
        t: e.to,
        pa: e.paused,
        m: toDb(e.message ?? ''),
        c: e.cause,
        ac: toDb(e.actor ?? ''),
        r: toDb(e.reason ?? ''),
        tm: e.time,
        an: toDb(e.action ?? ''),
        a: e.attempt ?? 0,
        pl: e.parallelism ?? 0,
        ra: e.retryAt,
      });
    for (const command of commands) applied.push({ ...command, ri });
  }
  return [
    JSON.stringify(runs),
    JSON.stringify(tasks),
    JSON.stringify(events),
    JSON.stringify(applied),
    channel,
  ];
}

const optional = (value: unknown): number | undefined =>
  value === null || value === undefined ? undefined : Number(value);

/** A runs row as a {@link RunRecord} (the owner while a process holds it). */
export function runFromRow(row: Row): RunRecord {
  const record: RunRecord = {
    id: fromDb(row.id),
    name: fromDb(row.name),
    createdAt: Number(row.created_at),
    seq: Number(row.seq),
    workflow: fromDb(row.workflow),
    run: Number(row.run),
    input: jsonFromDb(row.input) as JsonObject,
    trigger: Number(row.trigger),
    startedBy: fromDb(row.started_by),
    state: Number(row.state),
    counts: jsonFromDb(row.counts) as StateCounts,
    total: Number(row.total),
    labels: jsonFromDb(row.labels) as Record<string, string>,
  };
  const startedAt = optional(row.started_at);
  if (startedAt !== undefined) record.startedAt = startedAt;
  const finishedAt = optional(row.finished_at);
  if (finishedAt !== undefined) record.finishedAt = finishedAt;
  if (typeof row.owner_process === 'string')
    record.owner = { process: row.owner_process, epoch: Number(row.epoch) };
  return record;
}

/** The values of a new runs row, in INSERT_RUN's order ($1…$16). */
export function runValues(run: RunRecord, idempotencyKey: string | undefined): unknown[] {
  return [
    toDb(run.id),
    toDb(run.name),
    toDb(run.workflow),
    run.run,
    JSON.stringify(run.input ?? {}),
    run.trigger,
    toDb(run.startedBy),
    JSON.stringify(run.labels ?? {}),
    run.state,
    JSON.stringify(run.counts),
    run.total,
    run.createdAt,
    run.startedAt ?? null,
    run.finishedAt ?? null,
    run.seq,
    idempotencyKey === undefined ? null : toDb(idempotencyKey),
  ];
}

/** The INSERT of a new run ($17 epoch, $18 owner process or null); answers its columns. */
export function insertRunSql(schema: string): string {
  return `INSERT INTO ${schema}.runs AS r (id, name, workflow, run, input, trigger, started_by, labels, state,
      counts, total, created_at, started_at, finished_at, seq, idempotency_key, epoch, owner_process, owned_since)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
      CASE WHEN $18::text IS NULL THEN NULL ELSE now() END)
    ON CONFLICT (id) DO NOTHING
    RETURNING ${RUN_COLUMNS}`;
}

/** A tasks row (or one object of a json_agg of rows) as a {@link TaskRecord}. */
export function taskFromRow(row: Row): TaskRecord {
  const task: TaskRecord = {
    id: fromDb(row.task_id),
    parentId: fromDb(row.parent_id),
    index: Number(row.position),
    name: fromDb(row.name),
    kind: Number(row.kind),
    state: Number(row.state),
    message: fromDb(row.message),
    paused: row.paused === true,
    parallelism: Number(row.parallelism),
    parallelismSet: row.parallelism_set === true,
    failFast: row.fail_fast === true,
    attempt: Number(row.attempt),
    labels: (jsonFromDb(row.labels) as Record<string, string> | undefined) ?? {},
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    pollErrors: Number(row.poll_errors),
    stateSetByOperator: row.state_set_by_operator === true,
  };
  const approval = jsonFromDb(row.approval);
  if (approval !== undefined) task.approval = approval as TaskRecord['approval'];
  const startedAt = optional(row.started_at);
  if (startedAt !== undefined) task.startedAt = startedAt;
  const finishedAt = optional(row.finished_at);
  if (finishedAt !== undefined) task.finishedAt = finishedAt;
  const snapshot = jsonFromDb(row.machine_snapshot);
  if (snapshot !== undefined) task.machineSnapshot = snapshot;
  const retryAt = optional(row.retry_at);
  if (retryAt !== undefined) task.retryAt = retryAt;
  return task;
}

/** An events row as a {@link TaskEvent}. */
export function eventFromRow(row: Row): TaskEvent {
  const event: TaskEvent = {
    seq: Number(row.seq),
    jobId: fromDb(row.run_id),
    taskId: fromDb(row.task_id),
    from: Number(row.from_state),
    to: Number(row.to_state),
    paused: row.paused === true,
    message: fromDb(row.message),
    cause: Number(row.cause),
    actor: fromDb(row.actor),
    reason: fromDb(row.reason),
    time: Number(row.time),
    action: fromDb(row.action),
    attempt: Number(row.attempt),
    parallelism: Number(row.parallelism),
  };
  const retryAt = optional(row.retry_at);
  if (retryAt !== undefined) event.retryAt = retryAt;
  return event;
}

/**
 * Reads a run inside `client`'s transaction: its row with its last event seq, then its tasks (plain
 * rows: a json_agg of 10,000 rows costs the server three times as much). The caller's transaction
 * makes the two one snapshot (REPEATABLE READ), or holds the run's row (openRun).
 */
export async function readRun(
  client: { query(text: string, values: unknown[]): Promise<{ rows: Row[] }> },
  schema: string,
  runId: string,
): Promise<{ run: RunRecord; tasks: TaskRecord[] } | undefined> {
  const found = await client.query(
    `SELECT ${RUN_COLUMNS},
        (SELECT coalesce(max(e.seq), 0) FROM ${schema}.events e WHERE e.run_id = r.id) AS last_seq
      FROM ${schema}.runs r WHERE r.id = $1`,
    [toDb(runId)],
  );
  const row = found.rows[0];
  if (!row) return undefined;
  const run = runFromRow(row);
  // The log is the truth for seq: never hand out a seq that is already written.
  run.seq = Math.max(run.seq, Number(row.last_seq ?? 0));
  const tasks = await client.query(`SELECT * FROM ${schema}.tasks WHERE run_id = $1`, [toDb(runId)]);
  return { run, tasks: tasks.rows.map(taskFromRow) };
}
