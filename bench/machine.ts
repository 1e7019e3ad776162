/**
 * Machine-task benchmark (issue 7): lifecycle throughput of 10,000 machine tasks (a three-state
 * machine) at parallelism 100, against 10,000 callback tasks in the same run. Run it alone with
 * `node --expose-gc bin/run-ts.js bench/machine.ts`.
 */
import { callbackTask, createJob, machineTask, nestedTask, type TaskSpec, TaskState } from 'rnr';
import { assign, setup } from 'xstate';
import { figure, gc, machineLine, median, section } from './report.js';

/**
 * Three states, one poll: the poll that finds the task `checking` moves it to `done` (or to
 * `failed`, whose output fails the task, when its guard says so), so a machine task, like a
 * callback task answering `true`, is DONE after its first poll.
 */
const threeStates = setup({
  types: { context: {} as { failed: boolean } },
  guards: { healthy: () => true },
}).createMachine({
  id: 'three-states',
  initial: 'checking',
  context: { failed: false },
  states: {
    checking: {
      meta: { message: 'checking' },
      on: {
        'rnr.poll': [
          { guard: 'healthy', target: 'done' },
          { target: 'failed', actions: assign({ failed: true }) },
        ],
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => (context.failed ? { state: 'FAILED', message: 'unhealthy' } : undefined),
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
  // Paired rounds, alternating which goes first: on a shared box the ratio of a pair is steadier
  // than the ratio of two medians taken minutes apart.
  const callbackRuns: number[] = [];
  const machineRuns: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < 7; i++) {
    const first = i % 2 === 0;
    const a = first ? await lifecycle(callbacks(N)) : 0;
    const m = await lifecycle(machines(N));
    const c = first ? a : await lifecycle(callbacks(N));
    callbackRuns.push(c);
    machineRuns.push(m);
    ratios.push(c / m);
  }
  const rate = (ms: number) => `${Math.round(N / (ms / 1000)).toLocaleString()} tasks/s`;
  figure('callback lifecycle (10k leaves, parallelism 100, tick())', rate(median(callbackRuns)));
  figure('machine lifecycle (10k three-state machines, same)', rate(median(machineRuns)));
  const ratio = median(ratios);
  figure('ratio machine / callback (median of 7 paired runs)', `${ratio.toFixed(2)}×`, {
    text: '≥ 0.5×',
    met: ratio >= 0.5,
  });
}

await main();
