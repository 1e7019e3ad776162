import { afterEach, describe, expect, it } from 'vitest';
import { callbackTask, createJob, type Job, memoryStore, nestedTask, RunTrigger } from '../../src/index.js';
import { decodeJob, decodeJobList, PROTOBUF_MEDIA_TYPE } from '../../src/server/index.js';
import { TestClock } from '../../src/testing/index.js';
import { failingStore } from '../fixtures/failing-store.js';
import { server } from './fixtures.js';

const accept = { accept: PROTOBUF_MEDIA_TYPE };
let jobs: Job[] = [];
afterEach(async () => {
  await Promise.all(jobs.map((job) => job.close()));
  jobs = [];
});

/** Run 3 of workflow `upgrade`, with input, on a store that fails commits while told to. */
async function upgrade() {
  const store = failingStore(memoryStore());
  const job = createJob({
    name: 'Upgrade',
    clock: new TestClock(),
    store,
    run: {
      workflow: 'upgrade',
      run: 3,
      input: { version: '1.6.0', zones: ['a', 'b'], dry: false },
      trigger: RunTrigger.API,
      startedBy: 'alice',
    },
    root: nestedTask({
      id: 'fleet',
      name: 'fleet',
      children: [callbackTask({ id: 'vm-1', name: 'vm-1', poll: () => undefined })],
    }),
  });
  jobs.push(job);
  await job.tick();
  return { job, store };
}

describe('a run over the API', () => {
  it('carries workflow, run, input, trigger and startedBy in JSON and in protobuf', async () => {
    const { job } = await upgrade();
    const app = server([job]);
    const run = {
      workflow: 'upgrade',
      run: 3,
      input: { version: '1.6.0', zones: ['a', 'b'], dry: false },
      startedBy: 'alice',
    };
    const list = (await app.inject({ url: '/api/v1/jobs' })).json() as { jobs: object[] };
    expect(list.jobs[0]).toMatchObject({ id: 'upgrade-3', trigger: 'API', ...run });
    const one = (await app.inject({ url: '/api/v1/jobs/upgrade-3' })).json() as object;
    expect(one).toMatchObject({ id: 'upgrade-3', trigger: 'API', ...run });
    expect(one).not.toHaveProperty('halted');
    const binary = await app.inject({ url: '/api/v1/jobs/upgrade-3', headers: accept });
    expect(decodeJob(binary.rawPayload)).toEqual(job.snapshot());
    const binaryList = await app.inject({ url: '/api/v1/jobs', headers: accept });
    expect(decodeJobList(binaryList.rawPayload)).toEqual([job.summary()]);
  });
});

describe('a halted job over the API', () => {
  it('says it is halted in the list and the job, and refuses actions with 500 RNR_ERR_STORE_IO', async () => {
    const { job, store } = await upgrade();
    const app = server([job]);
    store.failing = 'refused';
    const refused = await app.inject({ method: 'POST', url: `/api/v1/jobs/upgrade-3/tasks/vm-1/pause` });
    expect(refused.statusCode).toBe(500);
    expect(refused.json()).toMatchObject({ error: { code: 'RNR_ERR_STORE_IO' } });
    const halted = { code: 'RNR_ERR_STORE_IO', message: expect.stringContaining('disk full') };
    const list = (await app.inject({ url: '/api/v1/jobs' })).json() as { jobs: object[] };
    expect(list.jobs[0]).toMatchObject({
      halted: { ...halted, since: expect.any(Number), retryAt: expect.any(Number) },
    });
    expect((await app.inject({ url: '/api/v1/jobs/upgrade-3' })).json()).toMatchObject({ halted });
    const binary = await app.inject({ url: '/api/v1/jobs/upgrade-3', headers: accept });
    expect(decodeJob(binary.rawPayload)).toEqual(job.snapshot());
    const again = await app.inject({ method: 'POST', url: `/api/v1/jobs/upgrade-3/tasks/vm-1/skip` });
    expect(again.json()).toMatchObject({
      error: { code: 'RNR_ERR_STORE_IO', message: expect.stringContaining('halted') },
    });
    expect(job.getTask('vm-1').paused).toBe(false);
  });
});
