import { EventCause, machineTask, TaskKind, TaskState } from 'rnr';
import { createTestEnvironment, minutes, settle } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { fromPromise, setup } from 'xstate';
import { drain, one } from '../fixtures/drain-machine.js';

describe('machineTask: the task state follows the actor snapshot', () => {
  it('runs cordon → ACTION_PENDING → approve → SUCCESS, with messages and the machine status', async () => {
    const job = one();
    expect(job.getTask('m')).toMatchObject({
      kind: TaskKind.MACHINE,
      state: TaskState.PENDING,
      machine: { machineId: 'drain', status: 'pending', active: [] },
    });

    await job.tick(); // starts the actor (cordon) and polls it in the same tick (→ drain)
    expect(job.getTask('m')).toMatchObject({
      state: TaskState.ACTION_PENDING,
      message: 'pods stuck: approve to force-evict',
      machine: { machineId: 'drain', value: '"drain"', active: ['drain'], status: 'active' },
    });

    await job.tick(); // polls do not get past the approval
    expect(job.getTask('m').state).toBe(TaskState.ACTION_PENDING);

    await job.approve('m', { actor: 'alice', reason: 'PDB blocks' });
    const task = job.getTask('m');
    expect(task).toMatchObject({ state: TaskState.SUCCESS, message: 'drained', approval: { by: 'alice' } });
    expect(task.machine).toMatchObject({ value: '"done"', status: 'done' });
    const events = await job.events();
    expect(events.map((e) => [TaskState[e.from], TaskState[e.to], e.cause])).toEqual([
      ['PENDING', 'RUNNING', EventCause.SCHEDULER],
      ['RUNNING', 'RUNNING', EventCause.POLL],
      ['RUNNING', 'ACTION_PENDING', EventCause.POLL],
      ['ACTION_PENDING', 'RUNNING', EventCause.OPERATOR],
      ['RUNNING', 'SUCCESS', EventCause.POLL],
    ]);
    expect(events[1]?.message).toBe('cordoning');
  });

  it('sends rnr.approve with who and why, and rnr.poll once per tick', async () => {
    const received: unknown[] = [];
    const recording = drain.provide({ actions: { record: ({ event }) => void received.push(event) } });
    const job = one(recording);
    await job.tick();
    await job.tick();
    await job.tick();
    await job.approve('m', { actor: 'bob', reason: 'change 7' });
    expect(received).toEqual([
      { type: 'rnr.poll' },
      { type: 'rnr.poll' },
      { type: 'rnr.approve', by: 'bob', reason: 'change 7' },
    ]);
  });

  it('ends in the DONE state an output { state, message } names', async () => {
    const skipper = setup({}).createMachine({
      initial: 'check',
      states: {
        check: { on: { 'rnr.poll': 'nothing' } },
        nothing: { type: 'final' },
      },
      output: { state: 'SKIPPED', message: 'already drained' },
    });
    const job = one(skipper);
    await job.tick();
    expect(job.getTask('m')).toMatchObject({ state: TaskState.SKIPPED, message: 'already drained' });
  });

  it('fails a machine that finishes with a state that is not DONE', async () => {
    const odd = setup({}).createMachine({
      initial: 'x',
      states: { x: { type: 'final' } },
      output: { state: 'RUNNING' },
    });
    const job = one(odd);
    await job.tick();
    expect(job.getTask('m').state).toBe(TaskState.FAILED);
    expect(job.getTask('m').message).toContain('output state RUNNING');
  });

  it('takes the deepest meta.message, else names the active state', async () => {
    const nested = setup({}).createMachine({
      id: 'reboot',
      initial: 'reboot',
      states: {
        reboot: {
          meta: { message: 'rebooting' },
          initial: 'issued',
          states: {
            issued: { on: { 'rnr.poll': 'waitReady' } },
            waitReady: { meta: { message: 'waiting for Ready' }, on: { 'rnr.poll': '#reboot.plain' } },
          },
        },
        plain: { on: { 'rnr.poll': 'end' } },
        end: { type: 'final' },
      },
    });
    const job = one(nested);
    await job.tick(); // reboot.issued (only the parent has a message), then polled → reboot.waitReady
    expect(job.getTask('m')).toMatchObject({
      message: 'waiting for Ready',
      machine: { value: '{"reboot":"waitReady"}', active: ['reboot', 'reboot.waitReady'] },
    });
    await job.tick();
    expect(job.getTask('m').message).toBe('plain');
    await job.tick();
    expect(job.getTask('m').state).toBe(TaskState.SUCCESS);
    expect((await job.events()).map((e) => e.message)).toEqual([
      '',
      'rebooting',
      'waiting for Ready',
      'plain',
      'end',
    ]);
  });

  it('follows snapshots between ticks: invoked work and delayed transitions on the job clock', async () => {
    let finish: (v: string) => void = () => {};
    const waits = setup({
      actors: { work: fromPromise(() => new Promise<string>((resolve) => (finish = resolve))) },
    }).createMachine({
      initial: 'working',
      states: {
        working: { invoke: { src: 'work', onDone: 'cooling' } },
        cooling: { meta: { message: 'cooling down' }, after: { [minutes(10)]: 'done' } },
        done: { type: 'final' },
      },
    });
    const env = createTestEnvironment();
    const job = env.createJob({
      name: 'j',
      pollIntervalMs: minutes(60),
      root: machineTask({ id: 'm', name: 'm', machine: waits }),
    });
    await job.tick();
    const seen: string[] = [];
    job.subscribe((e) => seen.push(`${TaskState[e.to]} ${e.message}`));
    finish('ok');
    await settle();
    expect(seen).toEqual(['RUNNING cooling down']); // published without a tick
    await env.advance(minutes(9));
    expect(job.getTask('m').state).toBe(TaskState.RUNNING);
    await env.advance(minutes(1));
    expect(job.getTask('m').state).toBe(TaskState.SUCCESS);
  });
});
