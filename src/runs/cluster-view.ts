import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClusterProcess, Store } from '../index.js';
import type { RunHost } from './types.js';

/** When this process started (ms since the epoch), and its id where no store names one. */
const started = Date.now();
const fallbackId = randomUUID();

/**
 * This process alone, as `GET /cluster` shows a store of one process (memory, SQLite): its id is
 * the owner id its runs carry (a live run's `owner.process`) when it has one.
 */
export function localProcess(runs: RunHost): ClusterProcess {
  const jobs = runs.liveJobs();
  const owned = jobs.map((job) => job.summary().owner?.process).find((id) => id !== undefined);
  return {
    id: owned ?? fallbackId,
    host: hostname(),
    pid: process.pid,
    startedAt: started,
    heartbeatAt: Date.now(),
    workflows: runs.workflows().map((wf) => wf.name),
    runs: jobs.length,
  };
}

/** The processes serving `store`: every live one on a shared store, else this one. */
export async function clusterOf(store: Store, runs: RunHost): Promise<{ processes: ClusterProcess[] }> {
  if (store.cluster) return { processes: await store.cluster.processes() };
  return { processes: [localProcess(runs)] };
}
