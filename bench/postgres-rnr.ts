/**
 * rnr's side of the PostgreSQL benchmark: the engine's lifecycle (10,000 no-op callback leaves
 * under one nested task, parallelism 100, `await job.tick()` until the root is DONE, as in
 * bench/store.ts), operator action → acknowledged, and the resume of a finished run, on any store.
 */
import { callbackTask, createJob, isDone, nestedTask, type Store } from 'rnr';

/** The fleet of the lifecycle benchmark. */
export function fleet(leaves: number, poll: () => boolean | undefined) {
  const children = Array.from({ length: leaves }, (_, i) => callbackTask({ name: `vm-${i}`, poll }));
  return nestedTask({ id: 'fleet', name: 'fleet', parallelism: 100, children });
}

/** One lifecycle run and what its commits cost. */
export interface LifecycleRound {
  /** Ticking until the root is DONE (the first tick opens the run). */
  ms: number;
  commits: number;
  /** The commits' own time (the store's share of `ms`). */
  commitMs: number;
  events: number;
}

/** Counts and times a store's commits. */
function timed(store: Store): { store: Store; commits: number[] } {
  const commits: number[] = [];
  const wrapped: Store = Object.create(store);
  wrapped.commit = async (batch) => {
    const t0 = performance.now();
    await store.commit(batch);
    commits.push(performance.now() - t0);
  };
  return { store: wrapped, commits };
}

/** Ticks a fresh job of `leaves` no-op tasks until it is DONE. */
export async function lifecycle(store: Store, id: string, leaves: number): Promise<LifecycleRound> {
  const probe = timed(store);
  const job = createJob({ id, name: 'lifecycle', root: fleet(leaves, () => true), store: probe.store });
  const start = performance.now();
  while (!isDone(job.summary().state)) await job.tick();
  const ms = performance.now() - start;
  const events = job.seq;
  await job.close();
  const commitMs = probe.commits.reduce((a, b) => a + b, 0);
  return { ms, commits: probe.commits.length, commitMs, events };
}

/** Operator actions (pause/resume of running tasks, a tick every 50), each awaited: latency in ms. */
export async function actionLatency(store: Store, id: string, actions: number): Promise<number[]> {
  const job = createJob({ id, name: 'actions', root: fleet(10_000, () => undefined), store });
  await job.tick();
  const running = job
    .getTask('fleet', { depth: 1 })
    .children.filter((t) => !isDone(t.state))
    .slice(0, 100);
  const latencies: number[] = [];
  for (let i = 0; i < actions && running.length > 0; i++) {
    const task = running[i % running.length]?.id ?? 'fleet';
    const pausing = Math.floor(i / running.length) % 2 === 0;
    const start = performance.now();
    if (pausing) await job.pause(task, { actor: 'bench', reason: 'latency' });
    else await job.resume(task, { actor: 'bench', reason: 'latency' });
    latencies.push(performance.now() - start);
    if (i % 50 === 49) await job.tick();
  }
  await job.close();
  return latencies;
}

/** Opens a finished run of `leaves` tasks from a store and restores it: ms. */
export async function resumeMs(store: Store, id: string, leaves: number): Promise<number> {
  const t0 = performance.now();
  const job = createJob({ id, name: 'lifecycle', root: fleet(leaves, () => true), store });
  await job.load();
  const ms = performance.now() - t0;
  if (!job.resumed) throw new Error(`job ${id} did not resume`);
  await job.close();
  return ms;
}
