// Control characters in a job's texts are shown escaped by every terminal output (rnr run's event
// lines, get, inbox, watch); the API keeps the text as it is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostile } from '../fixtures/cli-hostile-text.js';
import { type RnrProcess, rnr, spawnRnr, startRun } from './harness.js';

const escaped = 'boom\\x1b[2J\\x1b[1;1Hrewritten\\x07 \\u202eevil\\nsecond line';
/** Anything a terminal would act on (colours are off in these tests, so there must be none). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters.
const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

describe('terminal output escapes control characters', () => {
  let server: { run: RnrProcess; url: string };
  beforeAll(async () => {
    server = await startRun('cli-hostile-text.ts');
    await server.run.waitFor(/hostile\/crash +RUNNING → FAILED/);
    await server.run.waitFor(/hostile\/gate +RUNNING → ACTION_PENDING/);
  });
  afterAll(async () => {
    server.run.proc.kill('SIGINT');
    await server.run.exited;
  });

  it('rnr run: event lines', () => {
    expect(server.run.stdout()).toContain(escaped);
    expect(server.run.stdout()).not.toMatch(raw);
  });

  it('rnr get, inbox and watch', async () => {
    for (const args of [['get', 'hostile'], ['inbox'], ['get', 'hostile', 'hostile/gate']]) {
      const exit = await rnr([...args, '--server', server.url]);
      expect(exit.code, exit.stderr).toBe(0);
      expect(exit.stdout, args.join(' ')).toContain(escaped);
      expect(exit.stdout, args.join(' ')).not.toMatch(raw);
    }
  });

  it('rnr watch, and an operator reason with control characters', async () => {
    const watch = spawnRnr(['watch', 'hostile', '--server', server.url]);
    await watch.waitFor(/watching job hostile/);
    const retry = await rnr([
      'retry',
      'hostile',
      'hostile/crash',
      '--reason',
      'fixed\u001b[31m',
      '--server',
      server.url,
    ]);
    expect(retry.code, retry.stderr).toBe(0);
    await watch.waitFor(/hostile\/crash +RUNNING → FAILED/);
    watch.proc.kill('SIGINT');
    await watch.exited;
    expect(watch.stdout()).toContain(escaped);
    expect(watch.stdout()).toContain('[retry by');
    expect(watch.stdout()).toContain('fixed\\x1b[31m]');
    expect(watch.stdout()).not.toMatch(raw);
  });

  it('the API and -o json keep the text as it is', async () => {
    const res = await fetch(`${server.url}/api/v1/jobs/hostile/tasks/hostile%2Fgate`);
    expect(((await res.json()) as { message: string }).message).toBe(hostile);
    const json = await rnr(['get', 'hostile', 'hostile/gate', '-o', 'json', '--server', server.url]);
    expect(JSON.parse(json.stdout).message).toBe(hostile);
  });
});
