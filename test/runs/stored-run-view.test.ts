// Reads of runs from the store draw them over the tree their workflow defines; the builds that
// takes are bounded: two at once, a read waits 5 s, a build that hangs 30 s or fails leaves
// its run showing the stored tasks.
import { describe, expect, it } from 'vitest';
import { callbackTask, memoryStore, nestedTask, type Task, workflow } from '../../src/index.js';
import { createRunHost } from '../../src/runs/index.js';
import { StoredRunViews } from '../../src/runs/stored-run-view.js';
import { settle, TestClock } from '../../src/testing/index.js';

const ids = (task: Task): string[] => [task.id, ...task.children.flatMap(ids)];

/** A store with `n` runs of a workflow of two steps (nothing of them committed but the start). */
async function storedRuns(n: number) {
  const store = memoryStore();
  const defined = workflow({
    name: 'w',
    build: () =>
      nestedTask({ name: 'w', children: ['a', 'b'].map((name) => callbackTask({ name, poll: () => true })) }),
  });
  const host = createRunHost({
    workflows: [defined],
    store,
    clock: new TestClock(),
    autoStart: false,
    log: () => {},
  });
  for (let i = 0; i < n; i++) await host.start('w');
  await host.close();
  return store;
}

describe('runs read from the store', () => {
  it('build at most two trees at once, and a read waits a limited time for its own', async () => {
    const store = await storedRuns(4);
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const slow = workflow({
      name: 'w',
      build: async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        return nestedTask({ name: 'w', children: [callbackTask({ name: 'a', poll: () => true })] });
      },
    });
    const clock = new TestClock();
    const views = new StoredRunViews(() => slow, clock);
    const runs = await Promise.all([1, 2, 3, 4].map(async (i) => (await store.loadRun(`w-${i}`))!));
    // Four reads at once: two builds start, two wait; after the 5 s a read waits, every one answers
    // with the stored tasks (nothing defined yet).
    const reading = Promise.all(runs.map((run) => views.snapshot(run)));
    await clock.advance(5_000);
    const first = await reading;
    expect(first.map((s) => ids(s.root))).toEqual(runs.map((r) => [r.run.id])); // the run, nothing under it
    expect(most).toBe(2);
    // The builds finish one by one; each read afterwards has its run's whole tree.
    while (gates.length > 0) {
      gates.shift()?.();
      await settle();
    }
    expect(most).toBe(2);
    expect(ids((await views.snapshot(runs[3]!)).root)).toEqual(['w', 'w/a']);
    expect(clock.pending).toBe(0);
  });

  it('show the stored tasks of a run whose build hangs or throws, and the others whole', async () => {
    const store = await storedRuns(3);
    const clock = new TestClock();
    const views = new StoredRunViews(
      () =>
        workflow({
          name: 'w',
          build: (_input, ctx) => {
            if (ctx.run.number === 1) return new Promise<never>(() => {}); // never settles
            if (ctx.run.number === 2) throw new Error('inventory unreachable');
            return nestedTask({ name: 'w', children: [callbackTask({ name: 'a', poll: () => true })] });
          },
        }),
      clock,
    );
    const read = async (i: number) => ids((await views.snapshot((await store.loadRun(`w-${i}`))!)).root);
    // The hanging build: the read gives up after 5 s, the build after 30 s.
    const hanging = read(1);
    await clock.advance(5_000);
    expect(await hanging).toEqual(['w-1']); // nothing stored: the run alone
    await clock.advance(25_000);
    expect(await read(2)).toEqual(['w-2']);
    expect(await read(3)).toEqual(['w', 'w/a']);
    expect(await read(1)).toEqual(['w-1']); // answered at once from then on
    expect(clock.pending).toBe(0);
  });
});
