import type { TaskEvent } from '../engine/messages.js';
import type { CommitBatch, JobRecord, Store, StoredJobState, TaskRecord } from '../engine/store.js';
import { RnrError } from '../errors.js';

interface MemoryJob {
  job: JobRecord;
  tasks: Map<string, TaskRecord>;
  events: TaskEvent[];
  open: boolean;
}

/**
 * A store that keeps everything in this process's memory: the library's default. State survives
 * re-creating a job in the same process (handy in tests), not a restart.
 *
 * @example
 * const store = memoryStore();
 * const job = createJob({ name: 'drain', root, store });
 */
export function memoryStore(): Store {
  const jobs = new Map<string, MemoryJob>();
  let closed = false;
  const check = () => {
    if (closed) throw new RnrError('RNR_ERR_STORE_CLOSED', 'memory store is closed');
  };
  return {
    description: 'memory',
    openJob(job) {
      check();
      const known = jobs.get(job.id);
      if (!known) {
        jobs.set(job.id, { job: { ...job }, tasks: new Map(), events: [], open: true });
        return undefined;
      }
      if (known.open) {
        throw new RnrError(
          'RNR_ERR_JOB_LOCKED',
          `job ${JSON.stringify(job.id)} is already open in this process (memory store)`,
        );
      }
      known.open = true;
      const state: StoredJobState = {
        job: { ...known.job },
        tasks: [...known.tasks.values()].map((t) => ({ ...t })),
      };
      return state;
    },
    commit(batch: CommitBatch) {
      check();
      const entry = jobs.get(batch.job.id);
      if (!entry)
        throw new RnrError(
          'RNR_ERR_JOB_NOT_FOUND',
          `job ${JSON.stringify(batch.job.id)} was never opened in this store`,
        );
      entry.job = { ...batch.job };
      // The engine hands over fresh record objects per commit and never mutates them afterwards.
      for (const task of batch.tasks) entry.tasks.set(task.id, task);
      for (const event of batch.events) entry.events.push(event);
    },
    events(jobId, since, limit = Number.POSITIVE_INFINITY) {
      const list = jobs.get(jobId)?.events ?? [];
      // seq is dense from 1, so the event with seq s sits at index s - 1.
      const start = Math.max(0, Math.min(list.length, Math.floor(since)));
      const end = Math.min(list.length, start + limit);
      return list.slice(start, end);
    },
    releaseJob(jobId) {
      const entry = jobs.get(jobId);
      if (entry) entry.open = false;
    },
    listJobs() {
      return [...jobs.values()].map((j) => ({ ...j.job }));
    },
    close() {
      closed = true;
    },
  };
}
