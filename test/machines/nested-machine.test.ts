import fc from 'fast-check';
import { callbackTask, createJob, type Job, nestedTask, type Task, TaskState } from 'rnr';
import { describe, expect, it, vi } from 'vitest';
import { createActor, type InspectionEvent } from 'xstate';
import { type NestedMachineContext, nestedSchedulingMachine } from '../../machines/nested.machine.js';

type Outcome = 'SUCCESS' | 'FAILED' | 'SKIPPED';

const stateValue = (actor: { getSnapshot(): { value: unknown } }) => actor.getSnapshot().value;

describe('nested task chart on its own (machines/nested.machine.ts)', () => {
  const chart = (children: number, parallelism: number, failFast = true) =>
    createActor(nestedSchedulingMachine, { input: { parallelism, failFast, pending: children } }).start();

  it('starts PENDING; on start it waits for a tick; a tick starts children while its guard allows', () => {
    const actor = chart(5, 2);
    expect(stateValue(actor)).toBe('PENDING');
    actor.send({ type: 'start' });
    expect(stateValue(actor)).toEqual({ RUNNING: 'waiting' });
    expect(actor.getSnapshot().context).toMatchObject({ pending: 5, running: 0 });
    actor.send({ type: 'tick' });
    expect(actor.getSnapshot().context).toMatchObject({ pending: 3, running: 2 });
    actor.send({ type: 'tick' });
    expect(actor.getSnapshot().context).toMatchObject({ pending: 3, running: 2 }); // full
  });

  it('hears a child finish, settles when all are done, and starts nothing between ticks', () => {
    const actor = chart(2, 1);
    actor.send({ type: 'start' });
    actor.send({ type: 'tick' });
    actor.send({ type: 'child.changed', id: 'a', from: 'RUNNING', to: 'SUCCESS', release: false });
    expect(actor.getSnapshot().context).toMatchObject({ pending: 1, running: 0 });
    expect(stateValue(actor)).toEqual({ RUNNING: 'waiting' });
    actor.send({ type: 'tick' });
    actor.send({ type: 'child.changed', id: 'b', from: 'RUNNING', to: 'SKIPPED', release: false });
    expect(stateValue(actor)).toBe('SUCCESS');
  });

  it('with failFast, a failed child stops new starts and FAILED comes once none runs', () => {
    const actor = chart(3, 2);
    actor.send({ type: 'start' });
    actor.send({ type: 'tick' });
    actor.send({ type: 'child.changed', id: 'a', from: 'RUNNING', to: 'FAILED', release: false });
    actor.send({ type: 'tick' });
    expect(actor.getSnapshot().context).toMatchObject({ pending: 1, running: 1, failed: 1 });
    actor.send({ type: 'child.changed', id: 'b', from: 'RUNNING', to: 'SUCCESS', release: false });
    expect(stateValue(actor)).toBe('FAILED');
    // Not final: a retry of the child reopens the count, an operator can set it RUNNING again.
    actor.send({ type: 'child.changed', id: 'a', from: 'FAILED', to: 'PENDING', release: false });
    actor.send({ type: 'set', state: 'RUNNING' });
    actor.send({ type: 'tick' });
    expect(actor.getSnapshot().context).toMatchObject({ pending: 0, running: 2, failed: 0 });
  });

  it('paused: starts nothing; a new parallelism counts from the next tick', () => {
    const actor = chart(4, 1);
    actor.send({ type: 'start' });
    actor.send({ type: 'pause' });
    actor.send({ type: 'tick' });
    expect(actor.getSnapshot().context.running).toBe(0);
    actor.send({ type: 'resume' });
    actor.send({ type: 'parallelism', parallelism: 3 });
    expect(actor.getSnapshot().context.running).toBe(0);
    actor.send({ type: 'tick' });
    expect(actor.getSnapshot().context.running).toBe(3);
  });

  it('with a children function, waits in resolving until the children are known', () => {
    const actor = createActor(nestedSchedulingMachine, {
      input: { parallelism: 2, failFast: true, resolved: false, dynamic: true },
    }).start();
    actor.send({ type: 'start' });
    actor.send({ type: 'tick' });
    expect(stateValue(actor)).toEqual({ RUNNING: 'resolving' }); // no children yet is not "all done"
    actor.send({ type: 'children.resolved', pending: 3, running: 0, failed: 0 });
    expect(actor.getSnapshot().context).toMatchObject({ pending: 1, running: 2, resolved: true });
    actor.send({ type: 'retry' });
    expect(stateValue(actor)).toBe('PENDING');
    expect(actor.getSnapshot().context).toMatchObject({ attempt: 1, resolved: false });
  });
});

/** The latest context of every nested task's actor, and every task actor's parent, from inspection. */
function watchActors() {
  const contexts = new Map<string, NestedMachineContext>();
  const parents = new Map<string, string | undefined>();
  const status = new Map<string, string>();
  const inspect = (event: InspectionEvent) => {
    const ref = event.actorRef as unknown as { id: string; logic: { id?: string }; _parent?: { id: string } };
    if (event.type === '@xstate.actor' && (ref.logic.id === 'nested' || ref.logic.id === 'task'))
      parents.set(ref.id, ref._parent?.id);
    if (event.type === '@xstate.snapshot' && ref.logic.id === 'nested')
      contexts.set(ref.id, (event.snapshot as unknown as { context: NestedMachineContext }).context);
    if (event.type === '@xstate.snapshot' && (ref.logic.id === 'nested' || ref.logic.id === 'task'))
      status.set(ref.id, (event.snapshot as unknown as { status: string }).status);
  };
  return { contexts, parents, status, inspect };
}

/** What a nested task's counters must be, from its children as the job reports them. */
function countsOf(task: Task) {
  const group = (s: TaskState) =>
    s === TaskState.RUNNING || s === TaskState.ACTION_PENDING
      ? 'running'
      : s === TaskState.PENDING || s === TaskState.UNKNOWN
        ? 'pending'
        : 'done';
  return {
    pending: task.children.filter((c) => group(c.state) === 'pending').length,
    running: task.children.filter((c) => group(c.state) === 'running').length,
    failed: task.children.filter((c) => c.state === TaskState.FAILED).length,
  };
}

/** Every nested task that is active: its actor's counters match its children; its tree matches the job's. */
function checkAgree(job: Job, watch: ReturnType<typeof watchActors>, at: string): void {
  const visit = (task: Task) => {
    if (task.kind === 1 && (task.state === TaskState.RUNNING || task.state === TaskState.ACTION_PENDING)) {
      const ctx = watch.contexts.get(task.id);
      expect(ctx, `${at}: ${task.id} has an actor`).toBeDefined();
      expect(
        { pending: ctx?.pending, running: ctx?.running, failed: ctx?.failed },
        `${at}: ${task.id}`,
      ).toEqual(countsOf(task));
      expect(ctx?.parallelism, `${at}: ${task.id} parallelism`).toBe(task.parallelism);
      expect(ctx?.paused, `${at}: ${task.id} paused`).toBe(task.paused);
    }
    if (task.state === TaskState.RUNNING || task.state === TaskState.ACTION_PENDING) {
      expect(watch.parents.get(task.id), `${at}: parent actor of ${task.id}`).toBe(task.parentId || job.id);
      expect(watch.status.get(task.id), `${at}: actor of ${task.id}`).toBe('active');
    }
    task.children.forEach(visit);
  };
  visit(job.snapshot().root);
}

describe('the nested chart as the engine runs it', () => {
  it('keeps counters that match the children, through polls and operator actions, in a tree of actors', async () => {
    // XState warns of an event sent to a stopped actor: an actor the engine still counts on.
    const warn = vi.spyOn(console, 'warn');
    const child = fc.record({
      polls: fc.integer({ min: 1, max: 4 }),
      outcome: fc.constantFrom<Outcome>('SUCCESS', 'FAILED', 'SKIPPED'),
    });
    const action = fc.record({
      tick: fc.integer({ min: 0, max: 12 }),
      verb: fc.constantFrom('skip', 'retry', 'running', 'pause', 'resume', 'parallelism'),
      target: fc.integer({ min: 0, max: 20 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(child, { maxLength: 4 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.array(action, { maxLength: 4 }),
        async (zones, parallelism, failFast, actions) => {
          const spec = (c: { polls: number; outcome: Outcome }, name: string) => {
            let polls = 0;
            return callbackTask({ name, poll: () => (++polls >= c.polls ? c.outcome : undefined) });
          };
          const watch = watchActors();
          const job = createJob({
            name: 'j',
            inspect: watch.inspect,
            root: nestedTask({
              name: 'r',
              parallelism,
              failFast,
              children: zones.map((kids, z) =>
                nestedTask({
                  name: `z${z}`,
                  parallelism,
                  failFast,
                  children: kids.map((c, i) => spec(c, `c${i}`)),
                }),
              ),
            }),
          });
          const ids = [
            ...job.snapshot().root.children.flatMap((z) => [z.id, ...z.children.map((c) => c.id)]),
          ];
          for (let tick = 0; tick < 14; tick++) {
            await job.tick();
            checkAgree(job, watch, `tick ${tick}`);
            for (const a of actions.filter((x) => x.tick === tick)) {
              const id = ids[a.target % ids.length] as string;
              if (a.verb === 'skip') job.skip(id);
              else if (a.verb === 'retry') job.retry(id);
              else if (a.verb === 'running') job.setTaskState(id, 'RUNNING');
              else if (a.verb === 'pause') job.pause(id);
              else if (a.verb === 'resume') job.resume(id);
              else if (job.getTask(id).kind === 1) job.setParallelism(id, 1 + (a.target % 3));
              checkAgree(job, watch, `tick ${tick} after ${a.verb} ${id}`);
            }
          }
          await job.close();
        },
      ),
      { numRuns: 120 },
    );
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});
