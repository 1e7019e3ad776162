import { describe, expect, it } from 'vitest';
import { TaskState } from '../../src/index.js';
import {
  decodeError,
  decodeEventList,
  decodeJob,
  decodeJobList,
  decodeTask,
  encodeMessage,
  PROTOBUF_MEDIA_TYPE,
} from '../../src/server/index.js';
import { decodeRequest } from '../../src/server/proto-codec.js';
import { closeAfterEach, listening, server } from './fixtures.js';

const enc = encodeURIComponent;
const accept = { accept: PROTOBUF_MEDIA_TYPE };
const { started } = closeAfterEach();

describe('binary protobuf', () => {
  it('answers a job as rnr.v1.Job that decodes to the snapshot', async () => {
    const job = await started();
    const res = await server([job]).inject({ url: '/api/v1/jobs/deploy', headers: accept });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(PROTOBUF_MEDIA_TYPE);
    expect(decodeJob(res.rawPayload)).toEqual(job.snapshot());
  });

  it('answers the job list, one task and the event log', async () => {
    const job = await started();
    const app = server([job]);
    const list = await app.inject({ url: '/api/v1/jobs', headers: accept });
    expect(decodeJobList(list.rawPayload)).toEqual([job.summary()]);
    const task = await app.inject({
      url: `/api/v1/jobs/deploy/tasks/${enc('deploy/gate')}`,
      headers: accept,
    });
    expect(decodeTask(task.rawPayload)).toEqual(job.getTask('deploy/gate'));
    const events = await app.inject({ url: '/api/v1/jobs/deploy/events?since=1', headers: accept });
    expect(decodeEventList(events.rawPayload)).toEqual(await job.events(1));
  });

  it('accepts protobuf request bodies and answers the updated task', async () => {
    const job = await started();
    const app = server([job]);
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/jobs/deploy/tasks/${enc('deploy/soak')}/state`,
      headers: { ...accept, 'content-type': PROTOBUF_MEDIA_TYPE, 'x-rnr-actor': 'carol' },
      payload: Buffer.from(
        encodeMessage('SetStateRequest', { state: TaskState.FAILED, message: 'disk full', reason: 'r' }),
      ),
    });
    expect(res.statusCode).toBe(200);
    expect(decodeTask(res.rawPayload)).toMatchObject({ id: 'deploy/soak', state: TaskState.FAILED });
    expect((await job.events(0)).at(-1)).toMatchObject({ actor: 'carol', reason: 'r', to: TaskState.FAILED });

    const parallelism = await app.inject({
      method: 'POST',
      url: '/api/v1/jobs/deploy/tasks/deploy/parallelism',
      headers: { 'content-type': PROTOBUF_MEDIA_TYPE },
      payload: Buffer.from(encodeMessage('SetParallelismRequest', { parallelism: 5 })),
    });
    expect(parallelism.json()).toMatchObject({ parallelism: 5 });
    const pause = await app.inject({
      method: 'POST',
      url: `/api/v1/jobs/deploy/tasks/${enc('deploy/zone')}/pause`,
      headers: { 'content-type': PROTOBUF_MEDIA_TYPE },
      payload: Buffer.alloc(0),
    });
    expect(pause.json()).toMatchObject({ paused: true });
  });

  it('answers errors as rnr.v1.ErrorResponse when protobuf is accepted', async () => {
    const app = server([await started()]);
    const res = await app.inject({ url: '/api/v1/jobs/nope', headers: accept });
    expect(res.statusCode).toBe(404);
    expect(decodeError(res.rawPayload)).toMatchObject({ code: 'RNR_ERR_JOB_NOT_FOUND' });
  });

  it('prefers JSON for browsers and refuses formats it cannot produce with 406', async () => {
    const app = server([await started()]);
    const browser = await app.inject({
      url: '/api/v1/jobs',
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(browser.headers['content-type']).toMatch(/^application\/json/);
    const png = await app.inject({ url: '/api/v1/jobs', headers: { accept: 'image/png' } });
    expect(png.statusCode).toBe(406);
    expect(png.json().error.code).toBe('RNR_ERR_NOT_ACCEPTABLE');
  });

  it('speaks protobuf over a real socket', async () => {
    const job = await started();
    const { app, http } = await listening({ jobs: [job] });
    try {
      const res = await fetch(`${http}/api/v1/jobs/deploy`, { headers: accept });
      expect(decodeJob(new Uint8Array(await res.arrayBuffer()))).toEqual(job.snapshot());
    } finally {
      await app.close();
    }
  });

  it('carries the idempotency key of a socket command in a binary SocketCommand frame', () => {
    const frame = encodeMessage('SocketCommand', {
      id: 'c1',
      op: 'approve',
      task: 'deploy/gate',
      idempotencyKey: 'approve-once',
    });
    expect(decodeRequest('SocketCommand', frame)).toEqual({
      id: 'c1',
      op: 'approve',
      task: 'deploy/gate',
      idempotencyKey: 'approve-once',
    });
  });
});
