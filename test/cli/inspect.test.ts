// `rnr run --inspect`: the real binary relays its actors' inspection events over a WebSocket, where
// Stately's inspector (or this test) reads them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RnrProcess, rnr, startRun, stateDir } from './harness.js';

interface Message {
  type: string;
  name?: string;
  event?: { type?: string };
  snapshot?: { value?: unknown; status?: string };
}

describe('rnr run --inspect', () => {
  let server: { run: RnrProcess; url: string };
  let inspectorUrl: string;
  let wsUrl: string;

  beforeAll(async () => {
    server = await startRun('cli-machine.ts', ['--hold', '--inspect-port', '0']);
    const [, page, socket] = await server.run.waitFor(/inspector at (http:\S+) .*events on (ws:\S+)\)/);
    inspectorUrl = page as string;
    wsUrl = socket as string;
    await server.run.waitFor(/nodes\/node-1 +RUNNING → ACTION_PENDING/);
  });
  afterAll(() => {
    if (server.run.proc.exitCode === null) server.run.proc.kill('SIGKILL');
  });

  it('prints where the inspector listens, on loopback, and serves the page that frames Stately', async () => {
    expect(inspectorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(inspectorUrl).then((r) => r.text());
    expect(page).toContain('https://stately.ai/inspect');
  });

  it("sends a WebSocket client the actors' events and snapshots, none of the per-step noise", async () => {
    const ws = new WebSocket(wsUrl);
    const messages: Message[] = [];
    const seen = new Promise<void>((done, fail) => {
      ws.on('error', fail);
      ws.on('message', (data) => {
        const message = JSON.parse(data.toString()) as Message;
        messages.push(message);
        // The user's machine reaches its final state once the operator approves.
        if (message.type === '@xstate.snapshot' && message.snapshot?.value === 'done') done();
      });
    });
    await new Promise((open) => ws.once('open', open));
    const approve = await rnr(['approve', 'nodes', 'nodes/node-1', '--server', server.url]);
    expect(approve.code).toBe(0);
    await seen;
    ws.close();

    const types = new Set(messages.map((m) => m.type));
    expect([...types].sort()).toEqual(['@xstate.actor', '@xstate.event', '@xstate.snapshot']);
    expect(messages.some((m) => m.type === '@xstate.event' && m.event?.type === 'rnr.approve')).toBe(true);
    // The task actor of the approved task is named by its id.
    expect(messages.some((m) => m.type === '@xstate.actor' && m.name === 'nodes/node-1')).toBe(true);

    server.run.proc.kill('SIGINT');
    expect((await server.run.exited).code).toBe(0);
  });
});

describe('rnr run --inspect-port', () => {
  it('implies --inspect, and a job that ends still exits with its outcome', async () => {
    const exit = await rnr([
      'run',
      'test/fixtures/cli-quick.ts',
      '--port',
      '0',
      '--state-dir',
      stateDir(),
      '--inspect-port',
      '0',
      '--json',
    ]);
    expect(exit.code).toBe(0);
    expect(exit.stderr).toMatch(/^rnr: inspector at http:\/\/127\.0\.0\.1:\d+ /m);
    expect(exit.stderr).toMatch(/job quick ended SUCCESS/);
  });

  it('fails with one line and exit 2 when the port is taken', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    const port = (taken.address() as { port: number }).port;
    try {
      const exit = await rnr([
        'run',
        'test/fixtures/cli-quick.ts',
        '--port',
        '0',
        '--inspect-port',
        String(port),
      ]);
      expect(exit.code).toBe(2);
      expect(exit.stderr).toBe(
        `rnr: inspector port ${port} on 127.0.0.1 is already in use: choose another with --inspect-port <n>, or 0 for any free port\n`,
      );
    } finally {
      taken.close();
    }
  });
});
