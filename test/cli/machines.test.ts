// `rnr machines export`: rnr's statecharts as JSON files for Stately's tools, written by the real binary.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { taskStateNames } from '../../src/index.js';
import { rnr, stateDir } from './harness.js';

const chart = (dir: string, file: string) =>
  JSON.parse(readFileSync(join(dir, file), 'utf8')) as { id: string; states: Record<string, unknown> };

describe('rnr machines export', () => {
  it('writes task.json, nested.json and job.json (machine.toJSON()) into a new directory', async () => {
    const dir = join(stateDir(), 'charts', 'rnr');
    const exit = await rnr(['machines', 'export', dir]);
    expect(exit.stderr).toBe('');
    expect(exit.code).toBe(0);
    for (const file of ['task.json', 'nested.json', 'job.json'])
      expect(exit.stdout).toContain(`wrote ${join(dir, file)}`);

    const task = chart(dir, 'task.json');
    expect(task.id).toBe('task');
    expect(Object.keys(task.states).sort()).toEqual([...taskStateNames].sort());
    expect(task.states).toHaveProperty('ACTION_PENDING.on');
    const nested = chart(dir, 'nested.json');
    expect(nested.id).toBe('nested');
    // The task states, RUNNING holding the scheduling of the children.
    expect(Object.keys(nested.states).sort()).toEqual([...taskStateNames].sort());
    expect(nested.states).toHaveProperty('RUNNING.states.scheduling');
    const job = chart(dir, 'job.json');
    expect(job.id).toBe('job');
    expect(Object.keys(job.states)).toEqual(['idle', 'ticking']);
  });

  it('writes to ./machines-json by default, and --help shows an example', async () => {
    const cwd = stateDir();
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'rnr.js');
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'machines', 'export'], { cwd });
    expect(stdout).toContain('wrote machines-json/task.json');
    expect(chart(join(cwd, 'machines-json'), 'job.json').id).toBe('job');

    const help = await rnr(['machines', 'export', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/\$ rnr machines export/);
    expect(help.stdout).toContain('./machines-json');
  });

  it('fails with one line and exit 2 when the directory cannot be made', async () => {
    const file = join(stateDir(), 'a-file');
    writeFileSync(file, '');
    const exit = await rnr(['machines', 'export', file]);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/^rnr: cannot create directory .*a-file: EEXIST.*\n$/);
    expect(existsSync(join(file, 'task.json'))).toBe(false);
  });
});
