import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyStateMachine } from 'xstate';
import { describeError } from '../errors.js';
import { usageError } from './exit-codes.js';

/**
 * `rnr machines export [dir]`: writes each of rnr's statecharts as `machine.toJSON()` (one file per
 * chart: task.json, nested.json, job.json) for Stately's tools, creating `dir`; resolves with the
 * paths written, which it also prints.
 *
 * @example
 * await exportMachines('./machines-json'); // ['machines-json/task.json', …]
 */
export async function exportMachines(dir = './machines-json'): Promise<string[]> {
  const { jobMachine, nestedSchedulingMachine, taskMachine } = await import('../../machines/index.js');
  const charts: [file: string, machine: AnyStateMachine][] = [
    ['task.json', taskMachine],
    ['nested.json', nestedSchedulingMachine],
    ['job.json', jobMachine],
  ];
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw usageError(`cannot create directory ${dir}: ${describeError(err)}`);
  }
  const written: string[] = [];
  for (const [file, machine] of charts) {
    const path = join(dir, file);
    try {
      writeFileSync(path, `${JSON.stringify(machine.toJSON(), null, 2)}\n`);
    } catch (err) {
      throw usageError(`cannot write ${path}: ${describeError(err)}`);
    }
    written.push(path);
    process.stdout.write(`wrote ${path}  (statechart ${machine.id})\n`);
  }
  return written;
}
