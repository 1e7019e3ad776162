import { describe, expect, it } from 'vitest';
import { type Job, TaskState } from '../../src/index.js';
import {
  decodeEvent,
  encodeMessage,
  JOB_GONE_CLOSE,
  SLOW_CONSUMER_CLOSE,
  TOO_MANY_SOCKETS_CLOSE,
} from '../../src/server/index.js';
import { eventToJson } from '../../src/wire/encode.js';
import { busyJob, closeAfterEach, connect, deployJob, listening, server } from './fixtures.js';

const closers = closeAfterEach();

async function serve(job: Job, options = {}) {
  closers.push(() => job.close());
  const served = await listening({ jobs: [job], ...options });
  closers.push(() => served.app.close());
  return served;
}

const seqs = (events: Array<Record<string, unknown>>) => events.map((e) => e.seq as number);

describe('event stream over WebSocket', () => {
  it('sends the backlog after ?since, then each new event, as proto3 JSON text frames', async () => {
    const job = deployJob();
    await job.tick();
    const { ws } = await serve(job);
    const backlog = await job.events(2);
    const client = await connect(`${ws}/api/v1/jobs/deploy/events?since=2`);
    await client.next(backlog.length);
    expect(client.json()).toEqual(JSON.parse(JSON.stringify(backlog.map(eventToJson))));

    await job.skip('deploy/soak', { actor: 'lib' });
    await client.next(backlog.length + 1);
    expect(client.json().at(-1)).toMatchObject({
      seq: job.seq,
      taskId: 'deploy/soak',
      to: 'SKIPPED',
      cause: 'OPERATOR',
    });
    client.socket.close();
  });

  it('treats a since beyond the log as "live events only"', async () => {
    const job = deployJob();
    await job.tick();
    const { ws } = await serve(job);
    const client = await connect(`${ws}/api/v1/jobs/deploy/events?since=999999`);
    await job.pause('deploy/zone');
    await client.next(1);
    expect(client.json()).toEqual([
      expect.objectContaining({ seq: job.seq, taskId: 'deploy/zone', paused: true }),
    ]);
    client.socket.close();
  });

  it('sends binary rnr.v1.TaskEvent frames with ?format=proto', async () => {
    const job = deployJob();
    await job.tick();
    const { ws } = await serve(job);
    const client = await connect(`${ws}/api/v1/jobs/deploy/events?format=proto`);
    await client.next(job.seq);
    expect(client.messages.every((m) => m.binary)).toBe(true);
    expect(client.messages.map((m) => decodeEvent(m.data))).toEqual(await job.events(0));
    client.socket.close();
  });

  it('answers operator commands with the request id, after the events they caused', async () => {
    const job = deployJob();
    await job.tick();
    const { ws } = await serve(job);
    const client = await connect(`${ws}/api/v1/jobs/deploy/events?since=${job.seq}&actor=dora`);
    const send = (command: object) => client.socket.send(JSON.stringify(command));

    send({ id: 1, op: 'approve', task: 'deploy/gate', reason: 'change approved' });
    await client.next(2);
    const [event, ack] = client.json();
    expect(event).toMatchObject({
      taskId: 'deploy/gate',
      actor: 'dora',
      reason: 'change approved',
      to: 'RUNNING',
    });
    expect(ack).toEqual({ id: 1, ok: true });

    send({ id: 'h', op: 'hello', actor: 'erin' });
    send({ id: 2, op: 'state', task: 'deploy/soak', state: 'FAILED', message: 'nope' });
    send({ id: 3, op: 'skip', task: 'no/such/task' });
    send({ id: 4, op: 'state', task: 'deploy/soak', state: 'BROKEN' });
    send({ id: 5, op: 'parallelism', task: 'deploy/zone/vm-1', parallelism: 2 });
    send({ id: 6, op: 'launch', task: 'deploy' });
    client.socket.send('{not json');
    await client.next(2 + 1 + 2 + 5);
    const rest = client.json().slice(2);
    expect(rest[0]).toEqual({ id: 'h', ok: true });
    expect(rest[1]).toMatchObject({ taskId: 'deploy/soak', actor: 'erin', to: 'FAILED' });
    expect(rest.slice(2)).toEqual([
      { id: 2, ok: true },
      { id: 3, error: { code: 'RNR_ERR_TASK_NOT_FOUND', message: expect.any(String) } },
      { id: 4, error: { code: 'RNR_ERR_INVALID_STATE', message: expect.stringContaining('BROKEN') } },
      { id: 5, error: { code: 'RNR_ERR_NOT_NESTED', message: expect.any(String) } },
      { id: 6, error: { code: 'RNR_ERR_BAD_REQUEST', message: expect.any(String) } },
      { id: null, error: { code: 'RNR_ERR_MALFORMED_BODY', message: expect.any(String) } },
    ]);
    expect(job.getTask('deploy/soak').state).toBe(TaskState.FAILED);
    client.socket.close();
  });

  it('takes binary SocketCommand frames, and closes on a frame over 64 KiB', async () => {
    const job = deployJob();
    await job.tick();
    const { ws } = await serve(job);
    const client = await connect(`${ws}/api/v1/jobs/deploy/events?since=${job.seq}&format=proto`);
    client.socket.send(
      encodeMessage('SocketCommand', { id: 'b1', op: 'skip', task: 'deploy/soak', reason: 'binary' }),
    );
    await client.next(2);
    const [event, ack] = client.messages;
    expect(event?.binary).toBe(true);
    expect(decodeEvent(event?.data ?? Buffer.alloc(0))).toMatchObject({
      taskId: 'deploy/soak',
      reason: 'binary',
    });
    expect(JSON.parse(ack?.data.toString() ?? '')).toEqual({ id: 'b1', ok: true });
    client.socket.send(JSON.stringify({ id: 'big', op: 'skip', task: 'deploy', reason: 'x'.repeat(70_000) }));
    expect((await client.closed).code).toBe(1009);
    expect(job.getTask('deploy').state).not.toBe(TaskState.SKIPPED);
  });

  it('loses and doubles nothing when a client drops mid-stream and reconnects with since', async () => {
    const job = busyJob(200);
    const { ws } = await serve(job);
    const url = (since: number) => `${ws}/api/v1/jobs/busy/events?since=${since}`;
    // The job keeps ticking (200 events a tick) while the client drops and replays its backlog.
    let ticking = true;
    const ticker = (async () => {
      for (let i = 0; i < 60; i++) {
        await job.tick();
        await new Promise((resolve) => setImmediate(resolve));
      }
      ticking = false;
    })();
    const seen: number[] = [];
    let drops = 0;
    let client = await connect(url(0));
    while (ticking) {
      // Handle 150 events, then drop: the reconnect replays a long backlog (many pages) while
      // live events keep arriving, which is where a gap or a double would show.
      await client.next(150);
      client.socket.terminate();
      drops++;
      seen.push(...seqs(client.json().slice(0, 150)));
      client = await connect(url(seen.at(-1) ?? 0));
    }
    await ticker;
    await client.next(job.seq - (seen.at(-1) ?? 0));
    seen.push(...seqs(client.json()));
    client.socket.close();
    expect(drops).toBeGreaterThan(3);
    expect(job.seq).toBeGreaterThan(10_000);
    expect(seen).toEqual(Array.from({ length: job.seq }, (_, i) => i + 1));
  });

  it('hands over from backlog to live without a gap or a double when events land mid-replay', async () => {
    const job = busyJob(200);
    for (let i = 0; i < 6; i++) await job.tick();
    // Each of the three backlog reads (two full pages, then a short one that would end the replay)
    // is followed at once by a new event: it is in no page already read, and published while the
    // socket is not live yet, so the socket must still deliver it (and not twice).
    let paused = false;
    let races = 3;
    const racy = new Proxy(job, {
      get(target, key) {
        if (key === 'events') {
          return async (since?: number, limit?: number) => {
            const page = await target.events(since, limit);
            if (races-- <= 0) return page;
            paused = !paused;
            if (paused) target.pause('busy');
            else target.resume('busy');
            return page;
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { ws } = await serve(racy);
    const backlog = job.seq;
    expect(backlog).toBeGreaterThan(1000);
    const client = await connect(`${ws}/api/v1/jobs/busy/events?since=0`);
    await client.next(backlog + 3);
    await job.skip('busy/t0');
    await client.next(job.seq);
    expect(seqs(client.json())).toEqual(Array.from({ length: job.seq }, (_, i) => i + 1));
    client.socket.close();
  });

  it('bounds what a consumer that stops reading holds, and it catches up losslessly when it reads again', async () => {
    const job = busyJob(200);
    const maxSocketBuffer = 64 * 1024;
    const { app, ws } = await serve(job, { maxSocketBuffer });
    const slow = await connect(`${ws}/api/v1/jobs/busy/events`);
    const fast = await connect(`${ws}/api/v1/jobs/busy/events`);
    // The slow client stops reading: the kernel buffers fill, then the server's queue would grow.
    const raw = (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    let most = 0;
    for (let i = 0; i < 150; i++) {
      await job.tick();
      await fast.next(job.seq);
      for (const client of app.websocketServer.clients) most = Math.max(most, client.bufferedAmount);
    }
    expect(job.seq).toBeGreaterThan(25_000);
    // Never more than the bound plus one tick's burst handed over before the check, ~200 frames.
    expect(most).toBeLessThan(maxSocketBuffer + 200 * 400);
    // The engine and the other client were never held up.
    expect(seqs(fast.json())).toEqual(Array.from({ length: job.seq }, (_, i) => i + 1));
    raw.resume();
    await slow.next(job.seq);
    expect(seqs(slow.json())).toEqual(Array.from({ length: job.seq }, (_, i) => i + 1));
    fast.socket.close();
    slow.socket.close();
  });

  it('closes a socket that reads nothing for a heartbeat interval with 4008 and the since to resume from', async () => {
    const job = busyJob(50);
    await job.tick();
    const { app, ws } = await serve(job, { heartbeatMs: 100 });
    const stuck = await connect(`${ws}/api/v1/jobs/busy/events?since=${job.seq}`);
    const raw = (stuck.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    // Reading nothing: not even the server's pings (a pong comes only after what was sent before).
    raw.pause();
    const [serverSide] = app.websocketServer.clients;
    // Once the server has given up on it, the client reads again and finds the close frame.
    serverSide?.once('close', () => raw.resume());
    const code = stuck.closed;
    const { code: closeCode, reason } = await code;
    expect(closeCode).toBe(SLOW_CONSUMER_CLOSE);
    expect(reason).toMatch(/since=\d+/);
    expect(Number(/since=(\d+)/.exec(reason)?.[1])).toBe(job.seq);
  });

  it('refuses sockets over the limits, per token and in all, with 4029', async () => {
    const job = deployJob();
    await job.tick();
    const token = 'op';
    const viewerToken = 'view';
    const { ws } = await serve(job, { token, viewerToken, maxSockets: 3, maxSocketsPerToken: 2 });
    const url = (t: string) => `${ws}/api/v1/jobs/deploy/events?since=${job.seq}&access_token=${t}`;
    const a = await connect(url(token));
    const b = await connect(url(token));
    const c = await connect(url(token));
    const third = await c.closed;
    expect(third.code).toBe(TOO_MANY_SOCKETS_CLOSE);
    expect(third.reason).toMatch(/^RNR_ERR_TOO_MANY_SOCKETS: 2 .*with this token/);
    const v = await connect(url(viewerToken));
    const w = await connect(url(viewerToken));
    const full = await w.closed;
    expect(full.code).toBe(TOO_MANY_SOCKETS_CLOSE);
    expect(full.reason).toMatch(/3 event sockets open on this server/);
    // A closed socket frees its slot.
    a.socket.close();
    await a.closed;
    const d = await connect(url(token));
    await job.skip('deploy/soak');
    await d.next(1);
    for (const client of [b, v, d]) client.socket.close();
  });

  it('closes the sockets of a job that leaves the server with 4004', async () => {
    const job = deployJob();
    const { app, ws } = await serve(job);
    const client = await connect(`${ws}/api/v1/jobs/deploy/events`);
    app.rnr.jobs.remove('deploy');
    expect((await client.closed).code).toBe(JOB_GONE_CLOSE);
  });

  it('rejects the upgrade of an unknown job with 404', async () => {
    const { ws } = await serve(deployJob());
    await expect(connect(`${ws}/api/v1/jobs/nope/events`)).rejects.toThrow('HTTP 404');
  });

  it('streams in-process too (injectWS)', async () => {
    const job = deployJob();
    closers.push(() => job.close());
    await job.tick();
    const app = server([job]);
    closers.push(() => app.close());
    await app.ready();
    const socket = await app.injectWS(`/api/v1/jobs/deploy/events?since=${job.seq}`);
    const frames: string[] = [];
    const got = new Promise<void>((resolve) =>
      socket.on('message', (data: Buffer) => {
        frames.push(data.toString());
        if (frames.length === 2) resolve();
      }),
    );
    socket.send(JSON.stringify({ id: 'x', op: 'pause', task: 'deploy' }));
    await got;
    expect(JSON.parse(frames[0] ?? '')).toMatchObject({ taskId: 'deploy', paused: true });
    expect(JSON.parse(frames[1] ?? '')).toEqual({ id: 'x', ok: true });
    socket.terminate();
  });
});
