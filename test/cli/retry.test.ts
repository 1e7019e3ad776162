// A pending automatic retry in the terminal, against a real `rnr run` server: the event line shows
// the waiting message, `rnr get` shows `retry in …` with the attempt it will start, and
// `-o json` keeps `retryAt` and `maxAttempts`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RnrProcess, rnr, startRun } from './harness.js';

describe('rnr on a task waiting for its retry', () => {
  let server: { run: RnrProcess; url: string };
  const get = (...args: string[]) => rnr(['get', 'retrying', ...args, '--server', server.url]);

  beforeAll(async () => {
    server = await startRun('cli-retry.ts', ['--hold']);
    await server.run.waitFor(
      /retrying\/flaky +RUNNING +retrying in 1h00m, attempt 2\/3; attempt 1 failed: connection refused/,
    );
  });
  afterAll(() => {
    if (server.run.proc.exitCode === null) server.run.proc.kill('SIGKILL');
  });

  it('rnr get: the tree shows when, and which attempt', async () => {
    const tree = await get();
    expect(tree.code).toBe(0);
    expect(tree.stdout).toMatch(
      /^└─ ▶ retrying\/flaky +RUNNING +.*retry in 59m5\ds \(attempt 2\/3\).* +retrying in 1h00m, attempt 2\/3; attempt 1 failed: connection refused$/m,
    );
  });

  it('rnr get -o json keeps retryAt and maxAttempts', async () => {
    const exit = await get('retrying/flaky', '-o', 'json');
    const task = JSON.parse(exit.stdout);
    expect(task).toMatchObject({ state: 'RUNNING', attempt: 0, maxAttempts: 3 });
    expect(task.retryAt - Date.now()).toBeGreaterThan(3_500_000);
    expect(task.retryAt - Date.now()).toBeLessThanOrEqual(3_600_000);
  });
});
