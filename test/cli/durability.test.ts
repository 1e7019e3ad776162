// rnr run gives a job its store or refuses it, and its exit code tells the truth whatever the
// workflow's code does.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rnr, stateDir } from './harness.js';

const run = (fixture: string, extra: string[] = [], env?: Record<string, string>) =>
  rnr(['run', `test/fixtures/${fixture}`, '--port', '0', '--state-dir', stateDir(), ...extra], env);

describe('rnr run and durability', () => {
  it('refuses a prebuilt Job on the memory store, saying how to pass the options through', async () => {
    const exit = await run('cli-prebuilt.ts');
    expect(exit.code).toBe(2);
    expect(exit.stdout).toBe('');
    expect(exit.stderr).toMatch(
      /^rnr: workflow test\/fixtures\/cli-prebuilt\.ts default-exports job "prebuilt", created before rnr run could give it a store: its state would live in memory.*export default \(options\) => createJob\(\{ name, root, \.\.\.options \}\)\n$/,
    );
  });

  it('refuses a workflow function that ignores the store it is given', async () => {
    const exit = await run('cli-forgets-store.ts');
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(
      /created job "forgetful" without the store rnr run passed it \(sqlite:.*rnr\.db\): its state would live in memory/,
    );
  });

  it('accepts a prebuilt Job on a store of its own, and the start line names that store', async () => {
    const db = join(stateDir(), 'own.db');
    const exit = await run('cli-prebuilt-sqlite.ts', [], { PREBUILT_DB: db });
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain(`state in sqlite:${db}`);
    expect(exit.stdout).toMatch(/prebuilt Job ignores --state-dir and --poll-interval/);
  });

  it('a poll calling process.exit(0) while the root runs does not make rnr run exit 0', async () => {
    const exit = await run('cli-exit-in-poll.ts');
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(
      /rnr: something called process\.exit\(0\) while job quitter was RUNNING; exiting 1, since 0 means the job ended SUCCESS/,
    );
  });
});
