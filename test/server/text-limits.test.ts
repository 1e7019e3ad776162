import { describe, expect, it } from 'vitest';
import { callbackTask, createJob, MAX_MESSAGE_CHARS, nestedTask } from '../../src/index.js';
import { deployJob, server } from './fixtures.js';

const url = '/api/v1/jobs/deploy/tasks/deploy%2Fsoak/state';
const post = (payload: unknown) => ({
  method: 'POST' as const,
  url,
  headers: { 'content-type': 'application/json' },
  payload: JSON.stringify(payload),
});

describe('text limits (docs/api.md)', () => {
  it('an operator message or reason of up to 4,096 characters is taken; a longer one is a 400', async () => {
    const job = deployJob();
    await job.tick();
    const app = server([job]);
    const max = 'm'.repeat(MAX_MESSAGE_CHARS);
    expect((await app.inject(post({ state: 'RUNNING', message: max, reason: max }))).statusCode).toBe(200);
    const seq = job.seq;
    for (const body of [
      { state: 'SKIPPED', message: `${max}m` },
      { state: 'SKIPPED', reason: `${max}r` },
    ]) {
      const res = await app.inject(post(body));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('RNR_ERR_BAD_REQUEST');
    }
    expect(job.seq).toBe(seq);
    await app.close();
    await job.close();
  });

  it('a poll message is never longer than 4,096 characters when read from the API', async () => {
    const job = createJob({
      id: 'loud',
      name: 'loud',
      root: nestedTask({
        id: 'loud',
        name: 'loud',
        children: [
          callbackTask({ id: 'loud/t', name: 't', poll: () => ({ message: 'x'.repeat(1_000_000) }) }),
        ],
      }),
    });
    await job.tick();
    const app = server([job]);
    const task = (await app.inject('/api/v1/jobs/loud/tasks/loud%2Ft')).json();
    expect(task.message).toHaveLength(MAX_MESSAGE_CHARS);
    expect(task.message).toMatch(/… \[truncated 995,9\d\d chars\]$/);
    const { events } = (await app.inject('/api/v1/jobs/loud/events')).json();
    expect(events.at(-1).message).toBe(task.message);
    await app.close();
    await job.close();
  });
});
