// Operator actions and event streams for runs that live in another process, on a real PostgreSQL:
// two run hosts, each on its own store instance (its own process id in the database), one database.
import { afterEach, describe, expect, it } from 'vitest';
import { rnr } from '../../src/generated/rnr.js';
import {
  callbackTask,
  isRnrError,
  nestedTask,
  type TaskEvent,
  TaskState,
  workflow,
} from '../../src/index.js';
import { createRunHost, type LocalRunHost } from '../../src/runs/index.js';
import { createServer, PROTOBUF_MEDIA_TYPE } from '../../src/server/index.js';
import { postgresStore } from '../../src/store/postgres/index.js';
import { until as waitFor } from '../fixtures/cluster.js';
import { createDatabase } from '../fixtures/postgres/index.js';

const gated = workflow({
  name: 'gated',
  pollIntervalMs: 20,
  build: () =>
    nestedTask({
      name: 'gated',
      children: [
        callbackTask({ name: 'gate', poll: ({ approval }) => (approval ? true : 'ACTION_PENDING') }),
        callbackTask({ name: 'after', poll: () => true }),
      ],
    }),
});

const hosts: LocalRunHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

function host(url: string, hostsWorkflow: boolean, commandWaitMs = 5_000): LocalRunHost {
  const h = createRunHost({
    workflows: hostsWorkflow ? [gated] : [],
    store: postgresStore(url),
    ownsStore: true,
    log: () => {},
    commandWaitMs,
  });
  hosts.push(h);
  return h;
}

/** `until` of the cluster fixture, with the condition apart from the read (a read that throws is "not yet"). */
const until = <T>(what: string, read: () => Promise<T> | T, ok: (value: T) => boolean): Promise<T> =>
  waitFor(what, async () => {
    const value = await read();
    return ok(value) ? { value } : undefined;
  }).then((found) => (found as { value: T }).value);

const gateState = (h: LocalRunHost, run: string) => h.task(run, 'gated/gate').then((t) => t.state);

describe('commands for a run that lives in another process', () => {
  it('are applied by the owner and answered with the task; a refusal answers the owner error', async () => {
    const db = await createDatabase({ label: 'remote' });
    const owner = host(db.url, true);
    const other = host(db.url, false);
    const { summary } = await owner.start('gated');
    await until(
      'the gate',
      () => gateState(other, summary.id),
      (s) => s === TaskState.ACTION_PENDING,
    );
    // The owner refuses what it cannot do: its error, through the command.
    const refused = await other
      .operate(summary.id, { op: 'approve', task: 'gated', actor: 'bob' })
      .catch((e) => e);
    expect(refused).toMatchObject({ code: 'RNR_ERR_NOT_ACTION_PENDING' });

    const answer = await other.submit?.(summary.id, {
      op: 'approve',
      task: 'gated/gate',
      actor: 'alice',
      reason: 'looks good',
      idempotencyKey: 'k1',
    });
    expect(answer).toMatchObject({
      applied: { id: 'gated/gate', approval: { by: 'alice' } },
      replayed: false,
    });
    // The same key: the same answer, not a second approval.
    const again = await other.submit?.(summary.id, {
      op: 'approve',
      task: 'gated/gate',
      actor: 'alice',
      reason: 'looks good',
      idempotencyKey: 'k1',
    });
    expect(again).toMatchObject({ applied: { id: 'gated/gate' }, replayed: true });
    // The same key for another action is refused.
    const reused = await other
      .submit?.(summary.id, { op: 'skip', task: 'gated/gate', actor: 'alice', idempotencyKey: 'k1' })
      .catch((e: unknown) => e);
    expect(isRnrError(reused, 'RNR_ERR_CONFLICT')).toBe(true);
    const done = await until(
      'the end',
      () => other.summary(summary.id),
      (s) => s.state === TaskState.SUCCESS,
    );
    const events = await other.events(done.id, 0);
    expect(events.filter((e) => e.action === 'approve')).toHaveLength(1);
    // A finished run nobody holds any more, of a workflow this process does not host: refused here.
    await until(
      'the release',
      () => other.summary(summary.id),
      (s) => s.owner === undefined,
    );
    const ended = await other
      .operate(summary.id, { op: 'retry', task: 'gated/gate', actor: 'a' })
      .catch((e) => e);
    expect(isRnrError(ended, 'RNR_ERR_CONFLICT')).toBe(true);
  }, 30_000);

  it('is pending while no process owns the run, and applied once when one takes it', async () => {
    const db = await createDatabase({ label: 'remote' });
    const first = host(db.url, true);
    const { summary } = await first.start('gated');
    await until(
      'the gate',
      () => gateState(first, summary.id),
      (s) => s === TaskState.ACTION_PENDING,
    );
    await first.close(); // releases the run: nobody owns it now
    const other = host(db.url, false, 200);
    const pending = await other.submit?.(summary.id, { op: 'pause', task: 'gated/gate', actor: 'carol' });
    expect(pending).toMatchObject({ pending: { job: summary.id, op: 'pause', task: 'gated/gate' } });
    // Over HTTP: 202, as the CommandPending message when protobuf is asked for, else as JSON.
    const app = createServer({ runs: other });
    const resume = await app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${summary.id}/tasks/gated%2Fgate/resume`,
      headers: { accept: PROTOBUF_MEDIA_TYPE, 'x-rnr-actor': 'carol', 'idempotency-key': 'resume-1' },
      payload: {},
    });
    expect(resume.statusCode).toBe(202);
    expect(resume.headers['content-type']).toBe(PROTOBUF_MEDIA_TYPE);
    const decoded = rnr.v1.CommandPending.toObject(rnr.v1.CommandPending.decode(resume.rawPayload));
    expect(decoded).toMatchObject({
      pending: true,
      command: {
        job: summary.id,
        op: 'resume',
        task: 'gated/gate',
        actor: 'carol',
        idempotencyKey: 'resume-1',
      },
    });
    expect(Number(decoded.command?.createdAt)).toBeGreaterThan(0);
    const again = await app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${summary.id}/tasks/gated%2Fgate/resume`,
      headers: { 'x-rnr-actor': 'carol', 'idempotency-key': 'resume-1' },
      payload: {},
    });
    expect(again.statusCode).toBe(202); // the same command, still pending: not recorded twice
    expect(again.json()).toMatchObject({ pending: true, command: { id: decoded.command?.id, op: 'resume' } });
    await app.close();
    await expect(
      other.operate(summary.id, { op: 'approve', task: 'gated/gate', actor: 'carol' }),
    ).rejects.toMatchObject({ code: 'RNR_ERR_COMMAND_PENDING' });
    // A process with the workflow takes the run: it applies both, in order, once each.
    const next = host(db.url, true);
    await next.resumeAll();
    await until(
      'the approval',
      () => gateState(other, summary.id),
      (s) => s === TaskState.SUCCESS,
    );
    const events = await other.events(summary.id, 0);
    const ops = events.filter((e) => e.actor === 'carol').map((e) => e.action);
    expect(ops).toEqual(['pause', 'resume', 'approve']);
  }, 30_000);

  it('streams every event of a run in another process, in seq order, without a gap', async () => {
    const db = await createDatabase({ label: 'remote' });
    const owner = host(db.url, true);
    const other = host(db.url, false);
    const { summary } = await owner.start('gated');
    const stream = await other.stream(summary.id);
    const heard: TaskEvent[] = [];
    const unsubscribe = stream.subscribe((event) => heard.push(event));
    await until(
      'the gate',
      () => gateState(other, summary.id),
      (s) => s === TaskState.ACTION_PENDING,
    );
    await owner.operate(summary.id, { op: 'approve', task: 'gated/gate', actor: 'dave' });
    const done = await until(
      'the end',
      () => other.summary(summary.id),
      (s) => s.state === TaskState.SUCCESS,
    );
    await until(
      'every event',
      () => heard.length,
      () => heard.at(-1)?.seq === done.seq,
    );
    unsubscribe();
    const first = heard[0]?.seq ?? 0;
    expect(heard.map((e) => e.seq)).toEqual(Array.from({ length: heard.length }, (_, i) => first + i));
    const log = await other.events(summary.id, first - 1);
    expect(heard).toEqual(log);
  }, 30_000);
});
