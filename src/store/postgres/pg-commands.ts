import type {
  CommandOp,
  CommandRecord,
  CommandRequest,
  CommitBatch,
  StoreCommands,
  SubmittedCommand,
} from '../../engine/store.js';
import { RnrError } from '../../errors.js';
import { Coalesced } from './coalesced.js';
import type { PgDatabase } from './pg-database.js';
import { fromDb, jsonFromDb, toDb } from './text-codec.js';

type Row = Record<string, unknown>;

/** A command attached to the commit of the batch that holds its action's first event. */
interface Attachment {
  command: CommandRecord;
  seq: number;
}

const ops: ReadonlySet<string> = new Set<CommandOp>([
  'state',
  'retry',
  'skip',
  'approve',
  'pause',
  'resume',
  'parallelism',
  'cancel',
]);

const COLUMNS = `c.id, c.run_id, c.op, c.task, c.args, c.actor, c.reason, c.idempotency_key,
  c.created_at, c.status, c.epoch, c.result, c.error`;

/** A commands row as a {@link CommandRecord}. */
function commandFromRow(row: Row): CommandRecord {
  const args = (jsonFromDb(row.args) ?? {}) as Pick<CommandRecord, 'state' | 'parallelism' | 'message'>;
  const op = String(row.op);
  const record: CommandRecord = {
    id: String(row.id),
    runId: fromDb(row.run_id),
    op: (ops.has(op) ? op : 'retry') as CommandOp,
    task: fromDb(row.task),
    actor: fromDb(row.actor),
    createdAt: row.created_at instanceof Date ? row.created_at.getTime() : Number(row.created_at),
    status: row.status === 'applied' || row.status === 'refused' ? row.status : 'pending',
  };
  if (args.state !== undefined) record.state = args.state;
  if (args.parallelism !== undefined) record.parallelism = args.parallelism;
  if (args.message !== undefined) record.message = args.message;
  if (typeof row.reason === 'string') record.reason = fromDb(row.reason);
  if (typeof row.idempotency_key === 'string') record.idempotencyKey = fromDb(row.idempotency_key);
  if (row.epoch !== null && row.epoch !== undefined) record.epoch = Number(row.epoch);
  if (typeof row.result === 'string') record.result = jsonFromDb(row.result) as CommandRecord['result'];
  if (typeof row.error === 'string') record.error = jsonFromDb(row.error) as CommandRecord['error'];
  return record;
}

/** The arguments of a command, as stored (the rest has columns of its own). */
function argsOf(request: CommandRequest): string {
  return JSON.stringify({
    ...(request.state !== undefined && { state: request.state }),
    ...(request.parallelism !== undefined && { parallelism: request.parallelism }),
    ...(request.message !== undefined && { message: request.message }),
  });
}

/** True when two requests ask for the same action (a replayed idempotency key must). */
function sameAction(a: CommandRequest, b: CommandRecord): boolean {
  return (
    a.op === b.op &&
    a.task === b.task &&
    argsOf(a) === argsOf(b) &&
    (a.reason ?? undefined) === (b.reason ?? undefined)
  );
}

/**
 * The commands table of a PostgreSQL store (docs/cluster.md, "One API over all"). Submitting is
 * one statement that records the command (or finds the one under the same idempotency key), reads
 * the run's owner, and NOTIFYs `s <command> <run>`; applying rides on the owner's batch commit
 * (commitSql marks the attached commands applied in the same fenced write); a refusal is written
 * only while the refusing store still owns the run under the same epoch (or nobody owns it),
 * holding the run's row so that a takeover cannot slip between.
 */
export class PgCommands implements StoreCommands {
  private readonly attached = new Map<string, Attachment[]>();

  constructor(
    private readonly db: PgDatabase,
    private readonly channel: string,
    private readonly me: string,
    /** The epoch this store instance holds a run in, if it does. */
    private readonly claimOf: (runId: string) => number | undefined,
  ) {}

  async submit(request: CommandRequest): Promise<SubmittedCommand> {
    if (!ops.has(request.op))
      throw new RnrError('RNR_ERR_BAD_REQUEST', `unknown operator action ${JSON.stringify(request.op)}`);
    // A key whose command another statement recorded after this one's snapshot is read next time.
    for (let attempt = 1; ; attempt++) {
      const answer = await this.submitOnce(request);
      if (answer || attempt === 3) {
        if (answer) return answer;
        throw new RnrError(
          'RNR_ERR_INTERNAL',
          `command under Idempotency-Key ${JSON.stringify(request.idempotencyKey)} could not be read back`,
        );
      }
    }
  }

  private async submitOnce(request: CommandRequest): Promise<SubmittedCommand | undefined> {
    const s = this.db.schema;
    const runId = toDb(request.runId);
    const key = request.idempotencyKey === undefined ? null : toDb(request.idempotencyKey);
    const { rows } = await this.db.query(`recording a command for job ${JSON.stringify(request.runId)}`, {
      text: `WITH run AS (
          SELECT id, owner_process, done, workflow FROM ${s}.runs WHERE id = $1
        ), inserted AS (
          INSERT INTO ${s}.commands (run_id, op, task, args, actor, reason, idempotency_key, created_by)
          SELECT run.id, $2, $3, $4, $5, $6, $7, $8 FROM run
          ON CONFLICT (run_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
          RETURNING *
        ), told AS (
          SELECT pg_notify($9, concat('s ', inserted.id, ' ', inserted.run_id)) FROM inserted
          WHERE octet_length(inserted.run_id) < 7000
        )
        SELECT ${COLUMNS}, true AS created, run.owner_process AS run_owner, run.done AS run_done,
            run.workflow AS run_workflow, (SELECT count(*) FROM told) AS told
          FROM inserted c, run
        UNION ALL
        SELECT ${COLUMNS}, false, run.owner_process, run.done, run.workflow, 0
          FROM ${s}.commands c, run
          WHERE $7::text IS NOT NULL AND c.run_id = run.id AND c.idempotency_key = $7
          AND NOT EXISTS (SELECT 1 FROM inserted)
        UNION ALL
        SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false,
            run.owner_process, run.done, run.workflow, 0
          FROM run WHERE $7::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM inserted)`,
      values: [
        runId,
        request.op,
        toDb(request.task),
        argsOf(request),
        toDb(request.actor),
        request.reason === undefined ? null : toDb(request.reason),
        key,
        this.me,
        this.channel,
      ],
    });
    const found = rows.find((row) => row.id !== null) ?? rows[0];
    if (!found) {
      throw new RnrError('RNR_ERR_JOB_NOT_FOUND', `no job with id ${JSON.stringify(request.runId)}`);
    }
    if (found.id === null) return undefined;
    const command = commandFromRow(found);
    if (found.created !== true && !sameAction(request, command)) {
      throw new RnrError(
        'RNR_ERR_CONFLICT',
        `Idempotency-Key ${JSON.stringify(request.idempotencyKey)} was used for another action on job ${JSON.stringify(request.runId)} (command ${command.id}: ${command.op} ${JSON.stringify(command.task)}); use a new key for a new action`,
      );
    }
    return {
      command,
      created: found.created === true,
      run: {
        ...(typeof found.run_owner === 'string' && { owner: found.run_owner }),
        done: found.run_done === true,
        workflow: fromDb(found.run_workflow),
      },
    };
  }

  /** Reads one command; reads asked while one is in flight go together in the next. */
  get(id: string): Promise<CommandRecord | undefined> {
    if (!/^\d{1,18}$/.test(id)) return Promise.resolve(undefined);
    return this.reads.call(id);
  }

  private readonly reads = new Coalesced<string, CommandRecord | undefined>(async (ids) => {
    const { rows } = await this.db.query(`reading command ${ids.length === 1 ? ids[0] : 's'}`, {
      text: `SELECT ${COLUMNS} FROM ${this.db.schema}.commands c WHERE c.id = ANY($1::bigint[])`,
      values: [[...new Set(ids)]],
    });
    const found = new Map(rows.map((row) => [String(row.id), commandFromRow(row)]));
    return (id) => found.get(id);
  });

  /** A run's pending commands in order; asked for several runs at once, one round trip. */
  pending(runId: string): Promise<CommandRecord[]> {
    return this.pendingOf.call(runId);
  }

  private readonly pendingOf = new Coalesced<string, CommandRecord[]>(async (runIds) => {
    const one = runIds.length === 1 ? JSON.stringify(runIds[0]) : `${runIds.length} jobs`;
    const { rows } = await this.db.query(`reading the commands of ${one}`, {
      text: `SELECT ${COLUMNS} FROM ${this.db.schema}.commands c
        WHERE c.run_id = ANY($1::text[]) AND c.status = 'pending' ORDER BY c.id`,
      values: [[...new Set(runIds)].map(toDb)],
    });
    const byRun = new Map<string, CommandRecord[]>();
    for (const row of rows) {
      const command = commandFromRow(row);
      const list = byRun.get(command.runId);
      if (list) list.push(command);
      else byRun.set(command.runId, [command]);
    }
    return (runId) => byRun.get(runId) ?? [];
  });

  /** Which of the runs have pending commands; asked several times at once, one round trip. */
  waiting(runIds: readonly string[]): Promise<string[]> {
    if (runIds.length === 0) return Promise.resolve([]);
    return this.waitingOf.call(runIds);
  }

  private readonly waitingOf = new Coalesced<readonly string[], string[]>(async (asked) => {
    const { rows } = await this.db.query('looking for pending commands', {
      text: `SELECT DISTINCT run_id FROM ${this.db.schema}.commands
        WHERE status = 'pending' AND run_id = ANY($1::text[])`,
      values: [[...new Set(asked.flat())].map(toDb)],
    });
    const found = new Set(rows.map((row) => fromDb(row.run_id)));
    return (runIds) => runIds.filter((id) => found.has(id));
  });

  applying(command: CommandRecord, seq: number): () => void {
    const list = this.attached.get(command.runId) ?? [];
    const attachment: Attachment = { command, seq };
    list.push(attachment);
    this.attached.set(command.runId, list);
    return () => {
      const now = this.attached.get(command.runId);
      const i = now?.indexOf(attachment) ?? -1;
      if (now && i >= 0) now.splice(i, 1);
      if (now?.length === 0) this.attached.delete(command.runId);
    };
  }

  /**
   * The commands a batch applies, for commitSql (`ri` is filled in there): each attachment whose event is in the
   * batch and is its command's action by its actor, with its result (the task's record, or the
   * run's for a cancel). Attachments the batch passed by are dropped either way: the events they
   * named are in this batch (committed with it or not at all) or were rolled back.
   */
  appliedBy(batch: CommitBatch): { id: string; r: string }[] {
    const list = this.attached.get(batch.run.id);
    if (!list || batch.events.length === 0) return [];
    const last = batch.run.seq;
    const out: { id: string; r: string }[] = [];
    for (const a of list.filter((x) => x.seq <= last)) {
      const event = batch.events.find((e) => e.seq === a.seq);
      if (!event || event.action !== a.command.op || event.actor !== a.command.actor) continue;
      const result =
        a.command.op === 'cancel'
          ? { run: { ...batch.run, owner: undefined } }
          : { task: batch.tasks.find((t) => t.id === event.taskId) };
      out.push({ id: a.command.id, r: toDb(JSON.stringify(result)) });
    }
    const rest = list.filter((x) => x.seq > last);
    if (rest.length > 0) this.attached.set(batch.run.id, rest);
    else this.attached.delete(batch.run.id);
    return out;
  }

  async refuse(command: CommandRecord, error: { code: string; message: string }): Promise<boolean> {
    const s = this.db.schema;
    const epoch = this.claimOf(command.runId);
    const { rows } = await this.db.query(`refusing command ${command.id}`, {
      text: `WITH run AS (
          SELECT id FROM ${s}.runs WHERE id = $2
            AND (CASE WHEN $4::bigint IS NULL THEN owner_process IS NULL
                      ELSE epoch = $4 AND owner_process = $5 END)
          FOR SHARE
        ), settled AS (
          UPDATE ${s}.commands c SET status = 'refused', settled_at = now(), epoch = $4, error = $3
          FROM run WHERE c.id = $1 AND c.run_id = run.id AND c.status = 'pending'
          RETURNING c.id
        ), told AS (
          SELECT pg_notify($6, concat('d ', settled.id, ' ', $2::text)) FROM settled
          WHERE octet_length($2::text) < 7000
        )
        SELECT (SELECT count(*) FROM settled)::int AS n, (SELECT count(*) FROM told)::int AS t`,
      values: [
        command.id,
        toDb(command.runId),
        toDb(JSON.stringify(error)),
        epoch ?? null,
        this.me,
        this.channel,
      ],
    });
    return Number(rows[0]?.n) === 1;
  }
}
