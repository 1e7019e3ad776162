import { describe, expect, it } from 'vitest';
import { callbackTask, createJob, type Job, nestedTask } from '../../src/index.js';
import { decodeEventList, decodeTask, PROTOBUF_MEDIA_TYPE } from '../../src/server/index.js';
import { TestClock } from '../../src/testing/index.js';
import { closeAfterEach, server } from './fixtures.js';

const { push } = closeAfterEach();
const LEAF = encodeURIComponent('r/flaky');

/** A job whose leaf `r/flaky` failed its first try and waits 30 s for attempt 2 of 3. */
async function waiting(): Promise<{ job: Job; retryAt: number }> {
  const clock = new TestClock();
  const job = createJob({
    id: 'r',
    name: 'r',
    clock,
    root: nestedTask({
      id: 'r',
      name: 'r',
      children: [
        callbackTask({
          id: 'r/flaky',
          name: 'flaky',
          retry: { attempts: 3, backoff: { initialMs: 30_000 } },
          poll: () => {
            throw new Error('boom');
          },
        }),
      ],
    }),
  });
  push(() => job.close());
  await job.tick();
  return { job, retryAt: clock.now() + 30_000 };
}

describe('a pending retry in the control API', () => {
  it('JSON: the Task carries retryAt and maxAttempts, the event that planned it retryAt', async () => {
    const { job, retryAt } = await waiting();
    const app = server([job]);
    const task = (await app.inject({ url: `/api/v1/jobs/r/tasks/${LEAF}` })).json();
    expect(task).toMatchObject({ state: 'RUNNING', attempt: 0, retryAt, maxAttempts: 3 });
    const { events } = (await app.inject({ url: '/api/v1/jobs/r/events?since=0' })).json() as {
      events: Record<string, unknown>[];
    };
    const planned = events.filter((e) => e.retryAt !== undefined);
    expect(planned).toEqual([
      expect.objectContaining({ taskId: 'r/flaky', retryAt, from: 'RUNNING', to: 'RUNNING' }),
    ]);
    // A task without the option has neither field.
    const root = (await app.inject({ url: '/api/v1/jobs/r/tasks/r?depth=0' })).json();
    expect(root).not.toHaveProperty('retryAt');
    expect(root).not.toHaveProperty('maxAttempts');
  });

  it('protobuf: the same fields decode back to the engine objects', async () => {
    const { job } = await waiting();
    const app = server([job]);
    const headers = { accept: PROTOBUF_MEDIA_TYPE };
    const task = await app.inject({ url: `/api/v1/jobs/r/tasks/${LEAF}`, headers });
    expect(decodeTask(task.rawPayload)).toEqual(job.getTask('r/flaky'));
    const events = await app.inject({ url: '/api/v1/jobs/r/events?since=0', headers });
    expect(decodeEventList(events.rawPayload)).toEqual(await job.events(0));
  });
});
