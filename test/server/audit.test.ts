// Every operator action, accepted or refused (by auth, by the origin guard, by the engine), leaves
// one audit record, over HTTP and on sockets; refused socket upgrades too. Records go to the
// logger and to the `audit` option (a function, or a JSON-lines file).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type AuditRecord, createServer } from '../../src/server/index.js';
import { closeAfterEach, connect, listening } from './fixtures.js';

const token = 'op-secret';
const viewerToken = 'view-secret';
const closers = closeAfterEach();
const { started } = closers;

const skip = (headers: Record<string, string>, payload?: object) => ({
  method: 'POST' as const,
  url: '/api/v1/jobs/deploy/tasks/deploy%2Fsoak/skip',
  headers: { host: '127.0.0.1:7300', ...(payload && { 'content-type': 'application/json' }), ...headers },
  ...(payload && { payload: JSON.stringify(payload) }),
});

describe('audit records', () => {
  it('one per HTTP operator action: accepted, refused by auth, by the origin guard and by the engine', async () => {
    const job = await started();
    const records: AuditRecord[] = [];
    const app = createServer({ jobs: [job], token, viewerToken, audit: (r) => records.push(r) });
    closers.push(() => app.close());
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    await app.inject(skip({}));
    await app.inject(skip({ ...bearer('wrong'), 'x-rnr-actor': 'mallory' }));
    await app.inject(skip({ ...bearer(viewerToken), 'x-rnr-actor': 'vic' }, { reason: 'look' }));
    await app.inject(skip({ ...bearer(token), origin: 'https://evil.example' }));
    await app.inject(skip({ ...bearer(token), 'x-rnr-actor': 'alice' }, { reason: 'host is gone' }));
    await app.inject(skip({ ...bearer(token), 'x-rnr-actor': 'alice' }));
    await app.inject({
      method: 'POST',
      url: '/api/v1/jobs/deploy/tasks/deploy%2Fsoak/approve',
      headers: { host: '127.0.0.1:7300', ...bearer(token) },
    });
    await app.inject({ url: '/api/v1/jobs', headers: bearer(token) });
    expect(records.map(({ time, remote, error, ...r }) => r)).toEqual([
      {
        op: 'skip',
        job: 'deploy',
        task: 'deploy/soak',
        actor: 'anonymous',
        role: 'none',
        via: 'http',
        ok: false,
        status: 401,
        code: 'RNR_ERR_UNAUTHORIZED',
      },
      {
        op: 'skip',
        job: 'deploy',
        task: 'deploy/soak',
        actor: 'mallory',
        role: 'none',
        via: 'http',
        ok: false,
        status: 401,
        code: 'RNR_ERR_UNAUTHORIZED',
      },
      {
        op: 'skip',
        job: 'deploy',
        task: 'deploy/soak',
        actor: 'vic',
        role: 'viewer',
        via: 'http',
        ok: false,
        status: 403,
        code: 'RNR_ERR_FORBIDDEN',
      },
      {
        op: 'skip',
        job: 'deploy',
        task: 'deploy/soak',
        actor: 'anonymous',
        role: 'none',
        via: 'http',
        ok: false,
        status: 403,
        code: 'RNR_ERR_FORBIDDEN',
      },
      {
        op: 'skip',
        job: 'deploy',
        task: 'deploy/soak',
        actor: 'alice',
        role: 'operator',
        via: 'http',
        reason: 'host is gone',
        ok: true,
        status: 200,
      },
      {
        op: 'skip',
        job: 'deploy',
        task: 'deploy/soak',
        actor: 'alice',
        role: 'operator',
        via: 'http',
        ok: true,
        status: 200,
      },
      {
        op: 'approve',
        job: 'deploy',
        task: 'deploy/soak',
        actor: 'anonymous',
        role: 'operator',
        via: 'http',
        ok: false,
        status: 409,
        code: 'RNR_ERR_NOT_ACTION_PENDING',
      },
    ]);
    expect(records[0]?.remote).toBe('127.0.0.1');
    expect(records[3]?.error).toMatch(/evil\.example/);
    expect(records.every((r) => typeof r.time === 'number')).toBe(true);
  });

  it('one per socket command, and one per refused socket upgrade', async () => {
    const job = await started();
    const records: AuditRecord[] = [];
    const { app, ws } = await listening({ jobs: [job], token, viewerToken, audit: (r) => records.push(r) });
    closers.push(() => app.close());
    const url = `${ws}/api/v1/jobs/deploy/events?since=${job.seq}`;
    await expect(connect(`${url}&access_token=nope`)).rejects.toThrow('HTTP 401');
    await expect(connect(`${url}&access_token=${token}`, { origin: 'http://localhost:1' })).rejects.toThrow(
      'HTTP 403',
    );
    const viewer = await connect(`${url}&access_token=${viewerToken}&actor=vic`);
    viewer.socket.send(JSON.stringify({ id: 1, op: 'pause', task: 'deploy' }));
    await viewer.next(1);
    const operator = await connect(`${url}&access_token=${token}&actor=olga`);
    operator.socket.send(JSON.stringify({ id: 1, op: 'hello', actor: 'olga' }));
    operator.socket.send(JSON.stringify({ id: 2, op: 'approve', task: 'deploy/gate', reason: 'ok' }));
    operator.socket.send(JSON.stringify({ id: 3, op: 'approve', task: 'deploy/soak' }));
    await operator.next(4);
    expect(records.map(({ time, remote, error, ...r }) => r)).toEqual([
      {
        op: 'connect',
        job: 'deploy',
        actor: 'anonymous',
        role: 'none',
        via: 'socket',
        ok: false,
        status: 401,
        code: 'RNR_ERR_UNAUTHORIZED',
      },
      {
        op: 'connect',
        job: 'deploy',
        actor: 'anonymous',
        role: 'none',
        via: 'socket',
        ok: false,
        status: 403,
        code: 'RNR_ERR_FORBIDDEN',
      },
      {
        op: 'pause',
        job: 'deploy',
        task: 'deploy',
        actor: 'vic',
        role: 'viewer',
        via: 'socket',
        ok: false,
        status: 403,
        code: 'RNR_ERR_FORBIDDEN',
      },
      {
        op: 'approve',
        job: 'deploy',
        task: 'deploy/gate',
        actor: 'olga',
        role: 'operator',
        via: 'socket',
        reason: 'ok',
        ok: true,
        status: 200,
      },
      {
        op: 'approve',
        job: 'deploy',
        task: 'deploy/soak',
        actor: 'olga',
        role: 'operator',
        via: 'socket',
        ok: false,
        status: 409,
        code: 'RNR_ERR_NOT_ACTION_PENDING',
      },
    ]);
    viewer.socket.close();
    operator.socket.close();
  });

  it('go to a JSON-lines file, to every sink listed beside it, and to the logger', async () => {
    const job = await started();
    const dir = mkdtempSync(join(tmpdir(), 'rnr-audit-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'state', 'audit.jsonl');
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const sunk: AuditRecord[] = [];
    const app = createServer({
      jobs: [job],
      audit: [file, (record) => sunk.push(record)],
      logger: { level: 'info', stream },
    });
    await app.inject(skip({ 'x-rnr-actor': 'alice' }, { reason: 'gone' }));
    await app.inject(skip({ origin: 'https://evil.example' }));
    await app.close();
    const written = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
    expect(written.map((r) => [r.actor, r.ok, r.status])).toEqual([
      ['alice', true, 200],
      ['anonymous', false, 403],
    ]);
    expect(sunk).toEqual(written);
    const logged = lines
      .map((l) => JSON.parse(l) as { audit?: AuditRecord; msg: string })
      .filter((l) => l.audit);
    expect(logged.map((l) => l.msg)).toEqual([
      'alice skip deploy/deploy/soak',
      'anonymous skip deploy/deploy/soak refused (RNR_ERR_FORBIDDEN)',
    ]);
    expect(() => createServer({ jobs: [], audit: 42 as never })).toThrow(
      /audit must be a function, a file path, or a list of them, got 42/,
    );
    expect(() => createServer({ jobs: [], audit: [file, ''] })).toThrow(/a list of them, got ""/);
    // A file that cannot be opened (a directory) after one that could: none is left open.
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    expect(() => createServer({ jobs: [], audit: [join(dir, 'other.jsonl'), dir] })).toThrow(/EISDIR/);
    expect(fds()).toBe(before);
  });
});
