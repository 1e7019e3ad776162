// JobOptions.inspect: XState's inspection observer reaches every actor a job creates.
import { callbackTask, createJob, machineTask, nestedTask, RnrError, TaskState } from 'rnr';
import { describe, expect, it, vi } from 'vitest';
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

type Ref = { id: string; system: unknown; logic: { id?: string }; _parent?: { id: string } };
const refOf = (event: InspectionEvent) => event.actorRef as unknown as Ref;

describe('createJob({ inspect })', () => {
  it('is called for the job, the task actors and the user machine', async () => {
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
    // The job (job), a nested task (nested), its leaves (task) and the user's own machine (two-step).
    expect(actorsOf('@xstate.actor')).toEqual(new Set(['job', 'nested', 'task', 'two-step']));
    const taskActors = events.filter((e) => e.type === '@xstate.actor' && logicId(e) === 'task');
    // Named by task id, so an inspector shows which task each actor is.
    expect(new Set(taskActors.map((e) => actorOf(e).id))).toEqual(new Set(['root/cb', 'root/m']));
    const userSnapshots = events.filter(
      (e): e is Extract<InspectionEvent, { type: '@xstate.snapshot' }> =>
        e.type === '@xstate.snapshot' && logicId(e) === 'two-step',
    );
    expect(userSnapshots.map((e) => (e.snapshot as unknown as { value: unknown }).value)).toContain('done');
    await job.close();
  });

  it('shows the live task tree as an actor tree: the root task a child of the job, children of their parent', async () => {
    const events: InspectionEvent[] = [];
    let release = false;
    const waits = (id: string) => callbackTask({ id, name: id, poll: () => release });
    const job = createJob({
      name: 'tree',
      root: nestedTask({
        id: 'fleet',
        name: 'fleet',
        parallelism: 2,
        children: [
          nestedTask({ id: 'zone-a', name: 'a', parallelism: 2, children: [waits('vm-1'), waits('vm-2')] }),
          nestedTask({ id: 'zone-b', name: 'b', children: [waits('vm-3'), waits('vm-4')] }),
          waits('vm-5'),
        ],
      }),
      inspect: (event) => events.push(event),
    });
    await job.tick();
    const created = events.filter((e) => e.type === '@xstate.actor').map(refOf);
    const jobActor = created.find((r) => r.logic.id === 'job');
    expect(jobActor?.id).toBe('tree');
    expect(jobActor?._parent).toBeUndefined();
    const parentOf = new Map(created.filter((r) => r.logic.id !== 'job').map((r) => [r.id, r._parent?.id]));
    // Running tasks only: vm-4 waits for vm-3 (zone-b runs one at a time) and vm-5 for a free place.
    expect(parentOf).toEqual(
      new Map([
        ['fleet', 'tree'],
        ['zone-a', 'fleet'],
        ['vm-1', 'zone-a'],
        ['vm-2', 'zone-a'],
        ['zone-b', 'fleet'],
        ['vm-3', 'zone-b'],
      ]),
    );
    // One system: every task actor reports to the job's inspector through the job's actor.
    expect(new Set(created.map((r) => r.system)).size).toBe(1);

    release = true;
    await job.tick();
    await job.tick();
    await job.tick();
    expect(job.getTask('fleet').state).toBe(TaskState.SUCCESS);
    // DONE tasks keep no actor: every task actor created so far has stopped; the job's stays.
    const last = new Map<string, string>();
    for (const e of events)
      if (e.type === '@xstate.snapshot')
        last.set(refOf(e).id, (e.snapshot as unknown as { status: string }).status);
    for (const [id, status] of last)
      expect(`${id}: ${status}`).toBe(`${id}: ${id === 'tree' ? 'active' : 'stopped'}`);
    expect([...last.keys()].sort()).toEqual(
      ['fleet', 'tree', 'vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-5', 'zone-a', 'zone-b'].sort(),
    );
    await job.close();
  });

  it('close stops every actor of the tree, running tasks included', async () => {
    const events: InspectionEvent[] = [];
    const runs = (id: string) => callbackTask({ id, name: id, poll: () => undefined });
    const job = createJob({
      name: 'closing',
      root: nestedTask({
        id: 'r',
        name: 'r',
        parallelism: 3,
        children: [
          nestedTask({ id: 'z', name: 'z', parallelism: 2, children: [runs('a'), runs('b')] }),
          runs('c'),
        ],
      }),
      inspect: (event) => events.push(event),
    });
    await job.tick();
    await job.close();
    const last = new Map<string, string>();
    for (const e of events)
      if (e.type === '@xstate.snapshot')
        last.set(refOf(e).id, (e.snapshot as unknown as { status: string }).status);
    expect(Object.fromEntries(last)).toEqual({
      closing: 'stopped',
      r: 'stopped',
      z: 'stopped',
      a: 'stopped',
      b: 'stopped',
      c: 'stopped',
    });
  });

  it('a nested task set DONE while its children run keeps its actor for them, and lets it go after', async () => {
    const events: InspectionEvent[] = [];
    let done = false;
    const waits = (id: string) => callbackTask({ id, name: id, poll: () => done });
    const job = createJob({
      name: 'holding',
      root: nestedTask({
        id: 'r',
        name: 'r',
        children: [
          nestedTask({ id: 'z', name: 'z', parallelism: 2, children: [waits('a'), waits('b')] }),
          nestedTask({ id: 'y', name: 'y', children: [waits('c')] }),
        ],
      }),
      inspect: (event) => events.push(event),
    });
    const status = () => {
      const last = new Map<string, string>();
      for (const e of events)
        if (e.type === '@xstate.snapshot')
          last.set(refOf(e).id, (e.snapshot as unknown as { status: string }).status);
      return last;
    };
    await job.tick();
    await job.skip('z', { reason: 'zone retired' });
    // Nothing running is stopped: a and b go on under z's actor, which holds them.
    expect(job.getTask('z').state).toBe(TaskState.SKIPPED);
    expect([status().get('z'), status().get('a'), status().get('b')]).toEqual(['active', 'active', 'active']);
    // An operator starts c under y, which never ran: y gets an actor to hold it, a child of r's.
    await job.setTaskState('c', 'RUNNING');
    const parentOf = new Map(
      events.filter((e) => e.type === '@xstate.actor').map((e) => [refOf(e).id, refOf(e)._parent?.id]),
    );
    expect([parentOf.get('y'), parentOf.get('c')]).toEqual(['r', 'y']);
    await job.tick();
    expect(job.getTask('a').state).toBe(TaskState.RUNNING);
    done = true;
    await job.tick();
    // a and b finished: z had nothing left to hold. r started y once z was done; y settled with c.
    expect([status().get('z'), status().get('a'), status().get('b')]).toEqual([
      'stopped',
      'stopped',
      'stopped',
    ]);
    expect([status().get('y'), status().get('c')]).toEqual(['stopped', 'stopped']);
    expect(job.getTask('r').state).toBe(TaskState.SUCCESS);
    await job.close();
  });

  it('XState warns of nothing while a job runs, resolves children and takes operator actions', async () => {
    const warn = vi.spyOn(console, 'warn');
    const job = createJob({
      name: 'quiet',
      root: nestedTask({
        id: 'r',
        name: 'r',
        parallelism: 3,
        children: [
          nestedTask({
            id: 'dyn',
            name: 'dyn',
            children: async () => [callbackTask({ id: 'x', name: 'x', poll: () => 'FAILED' })],
          }),
          machineTask({ id: 'm', name: 'm', machine: twoStep }),
          callbackTask({ id: 'p', name: 'p', poll: () => ({ state: 'ACTION_PENDING' }) }),
        ],
      }),
      inspect: () => {},
    });
    await job.tick();
    await job.tick();
    await job.retry('x');
    await job.approve('p');
    await job.setTaskState('dyn', 'RUNNING');
    await job.tick();
    await job.skip('x');
    await job.tick();
    await job.close();
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
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
