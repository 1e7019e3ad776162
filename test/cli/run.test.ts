import { describe, expect, it } from 'vitest';
import { hasScript, rnr, runInTerminal, spawnRnr, startRun, stateDir } from './harness.js';

describe('rnr run', () => {
  it('exits 0 when the root ends SUCCESS, one plain line per event, and resumes from .rnr', async () => {
    const dir = stateDir();
    const args = [
      'run',
      'test/fixtures/cli-quick.ts',
      '--port',
      '0',
      '--state-dir',
      dir,
      '--poll-interval',
      '20',
    ];
    const first = await rnr(args);
    // The run's line goes to stderr in every output mode: a script learns the run's id there.
    expect(first.stderr).toBe('rnr: started run quick\n');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/serving job quick \(quick\) at http:\/\/127\.0\.0\.1:\d+/);
    expect(first.stdout).toMatch(/state in .*rnr\.db/);
    expect(first.stdout).toMatch(/#\d+ +✓ quick\/verify +RUNNING → SUCCESS +verify done/);
    expect(first.stdout).toMatch(/job quick ended SUCCESS/);

    const again = await rnr(args);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/^rnr: resumed run quick from seq \d+$/m);
    expect(again.stdout).toMatch(/had already ended SUCCESS/);
  });

  it('exits 1 when the root ends FAILED', async () => {
    const exit = await rnr(['run', 'test/fixtures/cli-fail.ts', '--port', '0', '--state-dir', stateDir()]);
    expect(exit.code).toBe(1);
    expect(exit.stdout).toMatch(/✗ doomed +RUNNING → FAILED +the disk is on fire/);
    expect(exit.stdout).toMatch(/job doomed ended FAILED/);
    // Nothing serves the job once rnr run has ended: the line says how to act on it.
    expect(exit.stdout).toMatch(
      /nothing serves it now\. To act on it, serve it again: `rnr run test\/fixtures\/cli-fail\.ts --state-dir \S+ --hold` \(it resumes\), then `rnr retry doomed doomed` with --server/,
    );
  });

  it('--json prints every event as a JSON line on stdout, in seq order', async () => {
    const exit = await rnr([
      'run',
      'test/fixtures/cli-quick.ts',
      '--json',
      '--port',
      '0',
      '--state-dir',
      stateDir(),
    ]);
    expect(exit.code).toBe(0);
    const events = exit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ jobId: 'quick', taskId: 'quick', to: 'SUCCESS' });
    expect(exit.stderr).toMatch(/serving job quick/);
  });

  it('--quiet prints no events', async () => {
    const exit = await rnr([
      'run',
      'test/fixtures/cli-quick.ts',
      '--quiet',
      '--port',
      '0',
      '--state-dir',
      stateDir(),
    ]);
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe('');
    expect(exit.stderr).not.toMatch(/→/);
  });

  it('SIGINT aborts the poll in flight, closes the server and exits 130', async () => {
    const { run, url } = await startRun('cli-forever.ts');
    await run.waitFor(/forever +PENDING → RUNNING/);
    run.proc.kill('SIGINT');
    const exit = await run.exited;
    expect(exit.code).toBe(130);
    expect(exit.stdout).toMatch(/SIGINT: stopping/);
    const after = await rnr(['ls', '--server', url]);
    expect(after.stderr).toMatch(/cannot reach/);
  });

  it('SIGTERM exits 143', async () => {
    const { run } = await startRun('cli-forever.ts', ['--quiet']);
    run.proc.kill('SIGTERM');
    expect((await run.exited).code).toBe(143);
  });

  it('a second SIGINT exits at once, even while polls refuse to settle', async () => {
    // The poll ignores its abort signal; --stop-timeout would let it hold the first shutdown for a
    // minute. The second Ctrl-C must not wait for it.
    const { run } = await startRun('cli-forever.ts', ['--stop-timeout', '60000'], {
      RNR_TEST_STUCK_POLL: '1',
    });
    await run.waitFor(/PENDING → RUNNING/);
    const started = Date.now();
    run.proc.kill('SIGINT');
    await run.waitFor(/SIGINT: stopping/);
    run.proc.kill('SIGINT');
    const exit = await run.exited;
    expect(exit.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('--hold keeps serving after the end; Ctrl-C then exits with the outcome', async () => {
    const { run, url } = await startRun('cli-quick.ts', ['--hold']);
    await run.waitFor(/ended SUCCESS; still serving/);
    const ls = await rnr(['ls', '--all', '--server', url]);
    expect(ls.stdout).toMatch(/quick +✓ SUCCESS +4\/4/);
    run.proc.kill('SIGINT');
    expect((await run.exited).code).toBe(0);
  });

  it('refuses a non-loopback host without a token', async () => {
    const exit = await spawnRnr([
      'run',
      'test/fixtures/cli-quick.ts',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--state-dir',
      stateDir(),
    ]).exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/^rnr: .*without a token.*--token/);
  });

  it("npm start's example loads and serves (rolling-upgrade)", async () => {
    const run = spawnRnr([
      'run',
      'examples/rolling-upgrade/workflow.ts',
      '--port',
      '0',
      '--quiet',
      '--state-dir',
      stateDir(),
      '--input',
      'version=1.5.0',
    ]);
    const [, url] = await run.waitFor(/serving run \S+ \(.*?\) at (http:\/\/\S+)/, 'stderr');
    const ls = await rnr(['ls', '--server', url as string]);
    expect(ls.stdout).toMatch(/^rolling-upgrade-1 +▶ RUNNING /m);
    run.proc.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
  });

  it.skipIf(!hasScript())(
    'on a terminal, draws the live view: progress bar, counts, final frame',
    async () => {
      // util-linux `script` gives the process a pseudo-terminal, so stdout.isTTY is true.
      const cmd = `stty cols 100 rows 30; node bin/rnr.js run test/fixtures/cli-quick.ts --port 0 --state-dir ${stateDir()} --poll-interval 20`;
      const exit = await runInTerminal(cmd);
      expect(exit.code).toBe(0);
      expect(exit.stdout).toMatch(/quick +✓ SUCCESS/);
      expect(exit.stdout).toMatch(/█{40} {2}4\/4 {2}100%/);
      expect(exit.stdout).toMatch(/✓ 4 success/);
      expect(exit.stdout).toMatch(/rnr: job quick ended SUCCESS/);
    },
  );
});
