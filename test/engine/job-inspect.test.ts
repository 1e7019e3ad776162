// JobOptions.inspect: XState's inspection observer reaches every actor a job creates.
import { callbackTask, createJob, machineTask, nestedTask, RnrError, TaskState } from 'rnr';
import { describe, expect, it } from 'vitest';
import { type InspectionEvent, setup } from 'xstate';

/** The inspected actor: its id, and the id of the machine it runs. */
const actorOf = (event: InspectionEvent) =>
  event.actorRef as unknown as { id: string; logic: { id?: string } };
const logicId = (event: InspectionEvent) => actorOf(event).logic.id;

const twoStep = setup({}).createMachine({
  id: 'two-step',
  initial: 'first',
  states: { first: { on: { 'rnr.poll': 'done' } }, done: { type: 'final' } },
});

describe('createJob({ inspect })', () => {
  it('is called for the ticker, the task actors and the user machine', async () => {
    const events: InspectionEvent[] = [];
    const job = createJob({
      name: 'inspected',
      root: nestedTask({
        id: 'root',
        name: 'root',
        children: [
          callbackTask({ id: 'root/cb', name: 'cb', poll: () => true }),
          machineTask({ id: 'root/m', name: 'm', machine: twoStep }),
        ],
      }),
      inspect: (event) => events.push(event),
    });
    await job.tick();
    await job.tick();
    expect(job.getTask('root').state).toBe(TaskState.SUCCESS);

    const actorsOf = (type: string) => new Set(events.filter((e) => e.type === type).map((e) => logicId(e)));
    // The ticker (job), a task-chart actor per task (task) and the user's own machine (two-step).
    expect(actorsOf('@xstate.actor')).toEqual(new Set(['job', 'task', 'two-step']));
    const taskActors = events.filter((e) => e.type === '@xstate.actor' && logicId(e) === 'task');
    // Named by task id, so an inspector shows which task each actor is.
    expect(new Set(taskActors.map((e) => actorOf(e).id))).toEqual(new Set(['root', 'root/cb', 'root/m']));
    const userSnapshots = events.filter(
      (e): e is Extract<InspectionEvent, { type: '@xstate.snapshot' }> =>
        e.type === '@xstate.snapshot' && logicId(e) === 'two-step',
    );
    expect(userSnapshots.map((e) => (e.snapshot as unknown as { value: unknown }).value)).toContain('done');
    await job.close();
  });

  it('rejects an inspect that is not a function', () => {
    expect(() =>
      createJob({
        name: 'bad',
        root: callbackTask({ name: 'x', poll: () => true }),
        inspect: { next: () => {} } as never,
      }),
    ).toThrow(RnrError);
    expect(() =>
      createJob({
        name: 'bad',
        root: callbackTask({ name: 'x', poll: () => true }),
        inspect: 'yes' as never,
      }),
    ).toThrow(/createJob inspect: got "yes", expected a function of XState's InspectionEvent/);
  });
});
