// Every bad input of issue 4 against the real binary: one clear line on stderr, no stack trace,
// the right exit code.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Exit, type RnrProcess, rnr, startRun, stateDir } from './harness.js';

/** One `rnr: …` line on stderr, nothing that looks like a stack trace. */
function expectOneLine(exit: Exit, pattern: RegExp) {
  const lines = exit.stderr.trim().split('\n');
  expect(lines, exit.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^rnr: /);
  expect(lines[0]).toMatch(pattern);
  expect(exit.stderr).not.toMatch(/\n\s+at /);
}

describe('rnr run with a bad workflow file exits 2 naming the file', () => {
  it('does not exist', async () => {
    const exit = await rnr(['run', 'test/fixtures/nope.ts']);
    expect(exit.code).toBe(2);
    expectOneLine(exit, /test\/fixtures\/nope\.ts does not exist/);
  });

  it('has no default export', async () => {
    const exit = await rnr([
      'run',
      'test/fixtures/cli-no-default.ts',
      '--port',
      '0',
      '--state-dir',
      stateDir(),
    ]);
    expect(exit.code).toBe(2);
    expectOneLine(exit, /cli-no-default\.ts has no default export/);
  });

  it('default-exports a function that returns no Job', async () => {
    const exit = await rnr(['run', 'test/fixtures/cli-not-job.ts', '--port', '0', '--state-dir', stateDir()]);
    expect(exit.code).toBe(2);
    expectOneLine(exit, /cli-not-job\.ts: its default export returned an object .*not a Job/);
  });

  it('throws on import', async () => {
    const exit = await rnr(['run', 'test/fixtures/cli-throws.ts', '--port', '0', '--state-dir', stateDir()]);
    expect(exit.code).toBe(2);
    expectOneLine(exit, /cannot load workflow test\/fixtures\/cli-throws\.ts: cannot read inventory\.yaml/);
  });

  it('has a syntax error', async () => {
    const file = join(stateDir(), 'broken.ts');
    writeFileSync(file, "import { createJob } from 'rnr';\nexport default createJob({ name: 'x', root: ;\n");
    const exit = await rnr(['run', file, '--port', '0', '--state-dir', stateDir()]);
    expect(exit.code).toBe(2);
    expectOneLine(exit, /cannot load workflow .*broken\.ts: .*(syntax|Unexpected|Expected)/i);
  });

  it('shows the stack with --debug', async () => {
    const exit = await rnr([
      'run',
      'test/fixtures/cli-throws.ts',
      '--debug',
      '--port',
      '0',
      '--state-dir',
      stateDir(),
    ]);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/RNR_ERR_WORKFLOW_LOAD/);
    expect(exit.stderr).toMatch(/\n\s+at /);
  });
});

// Concurrent: each case is a separate short-lived process.
describe.concurrent('bad flags and arguments exit 2 with one line', () => {
  it.each([
    [['run'], /missing required argument 'file'/],
    [['get'], /missing required argument 'job'/],
    [['approve', 'ops'], /missing required argument 'task'/],
    [['ls', '--bogus'], /unknown option '--bogus'/],
    [['lss'], /unknown command 'lss'/],
    [['run', 'x.ts', '--port', 'abc'], /--port .*'abc' is invalid.*0-65535/],
    [['run', 'x.ts', '--poll-interval', '-5'], /poll-interval/],
    [['get', 'ops', '-o', 'yaml'], /'yaml' is invalid.*tree, json/],
    [['set', 'ops', 'ops/gate', 'DONE'], /invalid state "DONE": expected one of .*SUCCESS/],
    [['parallelism', 'ops', 'ops/fleet', 'zero'], /invalid parallelism "zero"/],
    [['ls', '--server', 'ftp://x'], /invalid --server/],
  ])('rnr %j', async (args, pattern) => {
    const exit = await rnr(args);
    expect(exit.code).toBe(2);
    expectOneLine(exit, pattern);
  });
});

describe('against a server', () => {
  let server: { run: RnrProcess; url: string };
  beforeAll(async () => {
    server = await startRun('cli-forever.ts');
  });
  afterAll(async () => {
    server.run.proc.kill('SIGTERM');
    await server.run.exited;
  });

  it('an unreachable server: exit 1, names the server and --server', async () => {
    const exit = await rnr(['ls', '--server', 'http://127.0.0.1:9']);
    expect(exit.code).toBe(1);
    expectOneLine(exit, /cannot reach the rnr server at http:\/\/127\.0\.0\.1:9 .*--server/);
  });

  it('an unknown job: exit 1', async () => {
    const exit = await rnr(['get', 'nope', '--server', server.url]);
    expect(exit.code).toBe(1);
    expectOneLine(exit, /nope/);
  });

  it('an unknown task: exit 1', async () => {
    const exit = await rnr(['approve', 'forever', 'forever/nope', '--server', server.url]);
    expect(exit.code).toBe(1);
    expectOneLine(exit, /forever\/nope/);
  });

  it('a port in use: exit 2, says so and names --port', async () => {
    const port = new URL(server.url).port;
    const exit = await rnr(['run', 'test/fixtures/cli-quick.ts', '--port', port, '--state-dir', stateDir()]);
    expect(exit.code).toBe(2);
    expectOneLine(exit, new RegExp(`port ${port} .*already in use.*--port`));
  });
});
