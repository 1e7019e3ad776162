// `rnr get` on a machine task against a real `rnr run` server: the tree shows the statechart's id,
// active state and status, and `-o json` keeps the `machine` status the API sends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineLine } from '../../src/cli/tree-format.js';
import { type Task, TaskKind, TaskState } from '../../src/index.js';
import { taskToJson } from '../../src/wire/encode.js';
import { type RnrProcess, rnr, startRun } from './harness.js';

const leaf: Task = {
  id: 'j/n',
  name: 'n',
  kind: TaskKind.MACHINE,
  state: TaskState.RUNNING,
  message: '',
  paused: false,
  parallelism: 0,
  failFast: false,
  children: [],
  attempt: 0,
  labels: {},
  parentId: 'j',
  createdAt: 0,
  updatedAt: 0,
};

describe('rnr get on a machine task', () => {
  let server: { run: RnrProcess; url: string };
  const get = (...args: string[]) => rnr(['get', 'nodes', ...args, '--server', server.url]);

  beforeAll(async () => {
    server = await startRun('cli-machine.ts', ['--hold']);
    await server.run.waitFor(/nodes\/node-1 +RUNNING → ACTION_PENDING/);
  });
  afterAll(() => {
    if (server.run.proc.exitCode === null) server.run.proc.kill('SIGKILL');
  });

  it('shows the machine id, its active state and status in the tree', async () => {
    const job = await get();
    expect(job.code).toBe(0);
    expect(job.stdout).toMatch(
      /^└─ ◆ nodes\/node-1 +ACTION_PENDING +.*machine node: drain\.stuck \(active\) +pods stuck: approve to force-evict$/m,
    );
    const task = await get('nodes/node-1');
    expect(task.stdout).toMatch(/^◆ nodes\/node-1 +ACTION_PENDING +.*machine node: drain\.stuck \(active\)/m);
  });

  it('keeps machine in -o json', async () => {
    const exit = await get('nodes/node-1', '-o', 'json');
    expect(exit.code).toBe(0);
    expect(JSON.parse(exit.stdout)).toMatchObject({
      id: 'nodes/node-1',
      kind: 'MACHINE',
      state: 'ACTION_PENDING',
      machine: {
        machineId: 'node',
        value: JSON.stringify({ drain: 'stuck' }),
        active: ['drain', 'drain.stuck'],
        status: 'active',
      },
    });
  });

  it('taskToJson keeps machine for the live view of rnr run', () => {
    const machine = { machineId: 'node', value: '"cordon"', active: ['cordon'], status: 'active' };
    const wire = taskToJson({ ...leaf, machine });
    expect(wire.machine).toEqual(machine);
    expect(machineLine(machine)).toBe('machine node: cordon (active)');
    expect(machineLine({ machineId: 'node', value: '', active: [], status: 'pending' })).toBe(
      'machine node (pending)',
    );
    expect(
      machineLine({ machineId: 'p', value: '', active: ['a', 'a.x', 'b', 'b.y'], status: 'active' }),
    ).toBe('machine p: a.x, b.y (active)');
  });

  it('follows the statechart to its final state after an approval', async () => {
    const approve = await rnr(['approve', 'nodes', 'nodes/node-1', '--server', server.url, '--as', 'ana']);
    expect(approve.code).toBe(0);
    await server.run.waitFor(/job nodes ended SUCCESS; still serving/);
    const task = await get('nodes/node-1');
    expect(task.stdout).toMatch(/^✓ nodes\/node-1 +SUCCESS +.*machine node: done \(done\)/m);
    server.run.proc.kill('SIGINT');
    expect((await server.run.exited).code).toBe(0);
  });
});
