import { callbackTask, createJob, machineTask, nestedTask } from 'rnr';
import { createServer } from 'rnr/server';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';

const drain = setup({}).createMachine({
  id: 'drain',
  initial: 'cordon',
  states: {
    cordon: { meta: { message: 'cordoning' }, on: { 'rnr.poll': 'evict' } },
    evict: {
      initial: 'waiting',
      states: {
        waiting: { tags: ['action-pending'], on: { 'rnr.approve': 'forced' } },
        forced: { type: 'final' },
      },
      onDone: 'done',
    },
    done: { type: 'final' },
  },
});

function machineJob() {
  return createJob({
    id: 'maint',
    name: 'maint',
    root: nestedTask({
      id: 'maint',
      name: 'maint',
      parallelism: 2,
      children: [
        machineTask({ id: 'maint/node-1', name: 'node-1', machine: drain }),
        callbackTask({ id: 'maint/plain', name: 'plain', poll: () => undefined }),
      ],
    }),
  });
}

describe("GET /api/v1/jobs/:job/tasks/:task/machine: a machine task's own statechart", () => {
  it('answers machine.toJSON(), and the task carries the active paths to highlight', async () => {
    const job = machineJob();
    await job.tick();
    const app = createServer({ jobs: [job] });
    const chart = await app.inject({
      url: `/api/v1/jobs/maint/tasks/${encodeURIComponent('maint/node-1')}/machine`,
    });
    expect(chart.statusCode).toBe(200);
    const body = chart.json() as { id: string; states: Record<string, { states?: Record<string, unknown> }> };
    expect(body.id).toBe('drain');
    expect(Object.keys(body.states)).toEqual(['cordon', 'evict', 'done']);
    expect(Object.keys(body.states.evict?.states ?? {})).toEqual(['waiting', 'forced']);
    const task = await app.inject({ url: `/api/v1/jobs/maint/tasks/${encodeURIComponent('maint/node-1')}` });
    expect(task.json()).toMatchObject({
      state: 'ACTION_PENDING',
      machine: { machineId: 'drain', active: ['evict', 'evict.waiting'] },
    });
    await app.close();
  });

  it('answers 409 RNR_ERR_NOT_MACHINE for other tasks, 404 for unknown ones, 406 for protobuf only', async () => {
    const app = createServer({ jobs: [machineJob()] });
    const plain = await app.inject({
      url: `/api/v1/jobs/maint/tasks/${encodeURIComponent('maint/plain')}/machine`,
    });
    expect(plain.statusCode).toBe(409);
    expect(plain.json()).toMatchObject({ error: { code: 'RNR_ERR_NOT_MACHINE' } });
    const unknown = await app.inject({
      url: `/api/v1/jobs/maint/tasks/${encodeURIComponent('maint/nope')}/machine`,
    });
    expect(unknown.statusCode).toBe(404);
    const proto = await app.inject({
      url: `/api/v1/jobs/maint/tasks/${encodeURIComponent('maint/node-1')}/machine`,
      headers: { accept: 'application/x-protobuf' },
    });
    expect(proto.statusCode).toBe(406);
    await app.close();
  });
});
