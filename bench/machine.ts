/**
 * Machine-task benchmark (issue 7): lifecycle throughput of 10,000 machine tasks (a three-state
 * machine) at parallelism 100, against 10,000 callback tasks in the same run. Run it alone with
 * `node --expose-gc bin/run-ts.js bench/machine.ts`.
 */
import { callbackTask, createJob, machineTask, nestedTask, type TaskSpec, TaskState } from 'rnr';
import { setup } from 'xstate';
import { figure, gc, machineLine, median, section } from './report.js';

/**
 * Three states, one poll: the poll that finds the task `checking` moves it to `acting`, which
 * finishes at once (an eventless transition), so a machine task, like a callback task answering
 * `true`, is DONE after its first poll.
 */
const threeStates = setup({}).createMachine({
  id: 'three-states',
  initial: 'checking',
  states: {
    checking: { meta: { message: 'checking' }, on: { 'rnr.poll': 'acting' } },
    acting: { always: 'done' },
    done: { type: 'final' },
  },
});

/** Ticks a job of `children` at parallelism 100 until its root is SUCCESS; returns the ms taken. */
async function lifecycle(children: TaskSpec[]): Promise<number> {
  const job = createJob({ name: 'lifecycle', root: nestedTask({ name: 'all', parallelism: 100, children }) });
  gc();
  const t0 = performance.now();
  while (job.summary().state !== TaskState.SUCCESS) await job.tick();
  const ms = performance.now() - t0;
  await job.close();
  return ms;
}

const callbacks = (n: number) =>
  Array.from({ length: n }, (_, i) => callbackTask({ name: `t${i}`, poll: () => true }));
const machines = (n: number) =>
  Array.from({ length: n }, (_, i) => machineTask({ name: `t${i}`, machine: threeStates }));

async function main(): Promise<void> {
  section(`machine tasks — ${await machineLine()}`);
  const N = 10_000;
  // Warm up both paths so the JIT has seen them.
  await lifecycle(callbacks(1000));
  await lifecycle(machines(1000));
  const callbackRuns: number[] = [];
  const machineRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    callbackRuns.push(await lifecycle(callbacks(N)));
    machineRuns.push(await lifecycle(machines(N)));
  }
  const callbackRate = N / (median(callbackRuns) / 1000);
  const machineRate = N / (median(machineRuns) / 1000);
  figure(
    'callback lifecycle (10k leaves, parallelism 100, tick())',
    `${Math.round(callbackRate).toLocaleString()} tasks/s`,
  );
  figure(
    'machine lifecycle (10k three-state machines, parallelism 100)',
    `${Math.round(machineRate).toLocaleString()} tasks/s`,
  );
  figure('ratio machine / callback (median of 5)', `${(machineRate / callbackRate).toFixed(2)}×`, {
    text: '≥ 0.5×',
    met: machineRate / callbackRate >= 0.5,
  });
}

await main();
