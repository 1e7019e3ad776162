import fc from 'fast-check';
import {
  callbackTask,
  createJob,
  isRnrError,
  type Job,
  nestedTask,
  type PollResult,
  type Task,
  type TaskEvent,
  TaskState,
  taskStateNames,
} from 'rnr';
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';

const LEAVES = ['root/a', 'root/zone/b', 'root/zone/c', 'root/d'];
const TASKS = ['root', 'root/zone', ...LEAVES];

/** What a leaf's poll returns, from a script (then: no change). */
const pollResult = fc.constantFrom<PollResult>(
  undefined,
  true,
  { message: 'working' },
  'ACTION_PENDING',
  TaskState.FAILED,
  'SKIPPED',
  TaskState.RUNNING,
);

type OperatorCommand =
  | { op: 'set'; task: number; state: TaskState }
  | { op: 'retry' | 'skip' | 'approve' | 'pause' | 'resume'; task: number }
  | { op: 'parallelism'; task: number; n: number };
/** `during`: the operator acts while the tick's (async) polls are in flight (scheduling rule 4, docs/engine.md). */
type Command = { op: 'tick' } | OperatorCommand | { op: 'during'; inner: OperatorCommand };

const task = fc.nat(TASKS.length - 1);
const operatorCommand: fc.Arbitrary<OperatorCommand> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), task, state: fc.nat(6) as fc.Arbitrary<TaskState> }),
  fc.record({ op: fc.constantFrom('retry' as const, 'skip' as const, 'approve' as const), task }),
  fc.record({ op: fc.constantFrom('pause' as const, 'resume' as const), task }),
  fc.record({ op: fc.constant('parallelism' as const), task, n: fc.integer({ min: 1, max: 3 }) }),
);
const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.constant({ op: 'tick' as const }), weight: 3 },
  { arbitrary: operatorCommand, weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('during' as const), inner: operatorCommand }), weight: 2 },
);

/** Polls that should not have happened: a task polled while not active (DONE/PENDING) or paused. */
const wrongPolls: string[] = [];

function build(scripts: PollResult[][]): Job {
  const leaf = (name: string, i: number) =>
    callbackTask({
      name,
      poll: async (ctx) => {
        const now = job.getTask(ctx.task.id);
        const active = now.state === TaskState.RUNNING || now.state === TaskState.ACTION_PENDING;
        if (!active || now.paused)
          wrongPolls.push(
            `${ctx.task.id} polled while ${TaskState[now.state]}${now.paused ? ' (paused)' : ''}`,
          );
        const result = (scripts[i] ?? []).shift();
        await Promise.resolve();
        return result;
      },
    });
  const job: Job = createJob({
    name: 'prop',
    clock: new TestClock(),
    root: nestedTask({
      id: 'root',
      name: 'root',
      parallelism: 2,
      children: [
        leaf('a', 0),
        nestedTask({ name: 'zone', failFast: false, children: [leaf('b', 1), leaf('c', 2)] }),
        leaf('d', 3),
      ],
    }),
  });
  return job;
}

/** Runs one command. */
async function run(job: Job, c: Command): Promise<void> {
  if (c.op === 'tick') return job.tick();
  if (c.op === 'during') {
    const ticking = job.tick();
    await act(job, c.inner);
    const id = TASKS[c.inner.task] as string;
    const after = job.getTask(id, { depth: 0 }).state;
    await ticking;
    // a leaf the operator changed mid-poll keeps the operator's state: the poll's result is discarded
    if (LEAVES.includes(id) && ['set', 'skip', 'retry'].includes(c.inner.op))
      expect(job.getTask(id).state, `${c.inner.op} ${id} during a poll`).toBe(after);
    return;
  }
  await act(job, c);
}

/** One operator call, awaited; calls the contract rejects must throw the documented code at once. */
async function act(job: Job, c: OperatorCommand): Promise<void> {
  const id = TASKS[c.task] as string;
  const nested = id === 'root' || id === 'root/zone';
  if (c.op === 'approve' && job.getTask(id).state !== TaskState.ACTION_PENDING) {
    expect(() => job.approve(id)).toThrow(expect.objectContaining({ code: 'RNR_ERR_NOT_ACTION_PENDING' }));
    return;
  }
  if (c.op === 'parallelism' && !nested) {
    expect(() => job.setParallelism(id, c.n)).toThrow(
      expect.objectContaining({ code: 'RNR_ERR_NOT_NESTED' }),
    );
    return;
  }
  try {
    if (c.op === 'set') await job.setTaskState(id, c.state, { actor: 'prop' });
    else if (c.op === 'parallelism') await job.setParallelism(id, c.n);
    else await job[c.op](id);
  } catch (err) {
    throw isRnrError(err) ? new Error(`${c.op} ${id}: ${err.code} ${err.message}`) : err;
  }
}

const flatten = (t: Task): Task[] => [t, ...t.children.flatMap(flatten)];

describe('the event log under random operator actions and polls', () => {
  it('is gapless, matches what listeners heard, replays to every task state and paused flag; no DONE or paused task is polled', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(pollResult, { maxLength: 6 }), { minLength: 4, maxLength: 4 }),
        fc.array(command, { minLength: 1, maxLength: 25 }),
        fc.boolean(),
        async (scripts, commands, autoApprove) => {
          const job = build(scripts.map((s) => [...s]));
          await job.load();
          // A listener that acts on the job (an auto-approver) must not disturb anyone's order.
          if (autoApprove)
            job.subscribe((e) => {
              if (e.to === TaskState.ACTION_PENDING && job.getTask(e.taskId, { depth: 0 }).state === e.to)
                void job.approve(e.taskId, { actor: 'auto' });
            });
          const heard: TaskEvent[] = [];
          job.subscribe((e) => heard.push(e));
          const shadow = new Map(
            flatten(job.snapshot().root).map((t) => [t.id, { state: t.state, paused: t.paused }]),
          );
          let replayed = 0;
          for (const c of commands) {
            await run(job, c);
            const events = await job.events(0);
            expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
            expect(heard).toEqual(events);
            for (const e of events.slice(replayed)) {
              expect(e.from, `seq ${e.seq} ${e.taskId}`).toBe(shadow.get(e.taskId)?.state);
              shadow.set(e.taskId, { state: e.to, paused: e.paused });
            }
            replayed = events.length;
            const tasks = flatten(job.snapshot().root);
            for (const t of tasks)
              expect(shadow.get(t.id), t.id).toEqual({ state: t.state, paused: t.paused });
            const counts = Object.fromEntries(taskStateNames.map((n) => [n, 0]));
            for (const t of tasks) counts[TaskState[t.state]] = (counts[TaskState[t.state]] ?? 0) + 1;
            expect(job.summary().counts).toEqual(counts);
            expect(job.summary().state).toBe(job.snapshot().root.state);
            expect(wrongPolls).toEqual([]);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
