// rnr run --store postgres://… with a real PostgreSQL: a run survives SIGKILL of its process and
// the next rnr run resumes it; the password never reaches the terminal.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../fixtures/postgres/index.js';
import { spawnRnr, stateDir } from './harness.js';

const gated = resolve('test/fixtures/cli-gated-workflow.ts');

async function serving(args: string[], cwd: string) {
  const proc = spawnRnr(args, {}, cwd);
  const [, url] = await proc.waitFor(/serving .* at (http:\/\/\S+)/);
  return { proc, url: url as string };
}

describe('rnr run --store postgres://', () => {
  it('runs a workflow, survives SIGKILL, resumes in the next rnr run and finishes', async () => {
    const db = await createDatabase({ label: 'cli' });
    const password = new URL(db.url).password;
    const args = ['run', gated, '--port', '0', '--store', db.url];
    // The audit file goes to .rnr/ under the working directory.
    const cwd = stateDir();
    const first = await serving([...args, '--input', 'version=1.0.0'], cwd);
    expect(first.proc.stderr()).toMatch(/started run gated-1/);
    // The gate asks for approval: once that is printed (so committed), kill the process outright.
    await first.proc.waitFor(/ACTION_PENDING/);
    first.proc.proc.kill('SIGKILL');
    await first.proc.exited;

    const again = await serving(args, cwd);
    expect(again.proc.stderr()).toMatch(/resumed run gated-1 from seq \d+/);
    const approved = await fetch(`${again.url}/api/v1/jobs/gated-1/tasks/gated%2Fgate/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"reason":"after the crash"}',
    });
    expect(approved.status).toBe(200);
    const exit = await again.proc.exited;
    expect(exit.code).toBe(0);
    for (const text of [first.proc.stderr(), first.proc.stdout(), exit.stderr, exit.stdout]) {
      expect(text).not.toContain(password);
    }
    expect(existsSync(join(cwd, '.rnr', 'audit.jsonl'))).toBe(true);
  }, 60_000);
});
