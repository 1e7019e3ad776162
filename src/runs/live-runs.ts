import { isDone, type Job, type TaskEvent } from '../index.js';
import type { LiveRunWatcher } from './types.js';

/** A run in this process's memory. */
interface LiveRun {
  job: Job;
  /** Detaches the host's one subscription to the job. */
  unsubscribe: () => void;
}

/** What {@link LiveRuns} tells its owner. */
export interface LiveRunEvents {
  /** The run's root has just ended (committed); it may reopen later. */
  finished(job: Job): void;
  /** A listener threw: logged by the owner, never thrown into the engine. */
  listenerError(runId: string, err: unknown): void;
}

/**
 * The runs in a process's memory, and the event listeners of every run, loaded or not: a
 * listener added for a run that is not loaded hears it once it is (an operator acting on a
 * finished run), and keeps listening across unloads and loads. One engine subscription per live
 * run fans out to all of them.
 */
export class LiveRuns {
  private readonly runs = new Map<string, LiveRun>();
  private readonly listeners = new Map<string, Set<(event: TaskEvent) => void>>();
  private readonly watchers = new Set<LiveRunWatcher>();

  constructor(private readonly owner: LiveRunEvents) {}

  get(runId: string): Job | undefined {
    return this.runs.get(runId)?.job;
  }

  list(): Job[] {
    return [...this.runs.values()].map((run) => run.job);
  }

  get size(): number {
    return this.runs.size;
  }

  /** Adds a loaded run: its events reach the run's listeners from now on. */
  add(job: Job): void {
    if (this.runs.has(job.id)) return;
    const unsubscribe = job.subscribe((event) => {
      for (const listener of this.listeners.get(job.id) ?? []) {
        try {
          listener(event);
        } catch (err) {
          this.owner.listenerError(job.id, err);
        }
      }
      // The root's DONE event is one whose `to` is DONE; a leaf's is cheap to tell apart.
      if (isDone(event.to) && isDone(job.summary().state)) this.owner.finished(job);
    });
    this.runs.set(job.id, { job, unsubscribe });
    for (const watcher of this.watchers) watcher.added(job);
  }

  /** Forgets a run that left memory (its listeners stay, for its next load). */
  remove(runId: string): Job | undefined {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    run.unsubscribe();
    this.runs.delete(runId);
    for (const watcher of this.watchers) watcher.removed(run.job);
    return run.job;
  }

  /** Listens to a run's committed events while it is loaded, now or later. Returns unsubscribe. */
  listen(runId: string, listener: (event: TaskEvent) => void): () => void {
    let set = this.listeners.get(runId);
    if (!set) {
      set = new Set();
      this.listeners.set(runId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(runId);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(runId);
    };
  }

  /** Calls `watcher.added` for every live run now and later, `removed` as they leave. */
  watch(watcher: LiveRunWatcher): () => void {
    this.watchers.add(watcher);
    for (const run of this.runs.values()) watcher.added(run.job);
    return () => this.watchers.delete(watcher);
  }
}
