import fc from 'fast-check';
import { callbackTask, createJob, nestedTask, TaskState } from 'rnr';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { nestedSchedulingMachine } from '../../machines/nested.machine.js';

type Outcome = 'SUCCESS' | 'FAILED' | 'SKIPPED';

/**
 * The engine schedules nested tasks with counters and the guards of machines/nested.machine.ts; this
 * checks that the chart, fed the same ticks and child results, agrees with the engine at every tick.
 */
describe('nested scheduling chart and engine agree', () => {
  it('on running count and aggregate state, for random children, parallelism and failFast', async () => {
    const child = fc.record({
      polls: fc.integer({ min: 1, max: 4 }),
      outcome: fc.constantFrom<Outcome>('SUCCESS', 'FAILED', 'SKIPPED'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(child, { minLength: 0, maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        async (children, parallelism, failFast) => {
          const specs = children.map((c, i) => {
            let polls = 0;
            return callbackTask({ name: `c${i}`, poll: () => (++polls >= c.polls ? c.outcome : undefined) });
          });
          const job = createJob({
            name: 'j',
            root: nestedTask({ name: 'r', parallelism, failFast, children: specs }),
          });
          const chart = createActor(nestedSchedulingMachine, {
            input: { parallelism, failFast, children: children.length },
          });
          const finished: Outcome[] = [];
          job.subscribe((e) => {
            if (
              e.taskId !== 'r' &&
              (e.to === TaskState.SUCCESS || e.to === TaskState.FAILED || e.to === TaskState.SKIPPED)
            ) {
              finished.push(TaskState[e.to] as Outcome);
            }
          });
          for (let tick = 0; tick < 40; tick++) {
            await job.tick();
            if (tick === 0) chart.start();
            else chart.send({ type: 'tick' });
            // The chart starts children on `tick` before it hears of this tick's results, like the engine.
            for (const state of finished.splice(0)) chart.send({ type: 'child.finished', state });
            const root = job.getTask('r');
            const running = root.children.filter((c) => c.state === TaskState.RUNNING).length;
            expect(chart.getSnapshot().context.running).toBe(running);
            const value = chart.getSnapshot().value;
            const engineState = TaskState[root.state];
            expect(value === 'SUCCESS' || value === 'FAILED' ? value : 'RUNNING').toBe(engineState);
            if (engineState !== 'RUNNING') break;
          }
          expect(TaskState[job.getTask('r').state]).not.toBe('RUNNING');
        },
      ),
      { numRuns: 150 },
    );
  });
});
