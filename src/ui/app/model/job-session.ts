import type { TaskEventJson } from '../../../wire/json.js';
import { EventStream, type StreamStatus } from '../api/event-stream.js';
import { ApiError, getEvents, getJob, listJobs } from '../api/http.js';
import { TaskTree } from './task-tree.js';

/** Most events the audit log keeps in memory; older ones are dropped first. */
const HISTORY_CAP = 200_000;
/** How long to wait before asking again for a snapshot that could not be loaded. */
const RELOAD_RETRY_MS = 2000;

/**
 * One job as the browser sees it: a {@link TaskTree} loaded from the snapshot and kept current by
 * the event stream. Events that name a task the tree does not know (children resolved after the
 * snapshot) trigger a snapshot reload; events arriving meanwhile are replayed on top of it.
 */
export class JobSession {
  tree: TaskTree | undefined;
  status: StreamStatus = 'connecting';
  error: string | undefined;
  /** The job's events for the audit log, once {@link loadHistory} was called. */
  history: TaskEventJson[] | undefined;
  /** Bumped on every change the views care about. */
  version = 0;
  private stream: EventStream | undefined;
  private pending: TaskEventJson[] = [];
  private reloading = false;
  private reloadsInARow = 0;
  private historyLoading = false;
  private pendingHistory: TaskEventJson[] = [];
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<() => void>();
  refs = 0;

  constructor(readonly jobId: string) {}

  /** Loads the snapshot and opens the stream. */
  async open(): Promise<void> {
    await this.reload();
  }

  /** Closes the stream. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.stream?.close();
    this.stream = undefined;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fetches the job's whole event log for the audit log (then kept current by the stream). */
  async loadHistory(): Promise<void> {
    if (this.history || this.historyLoading) return;
    this.historyLoading = true;
    try {
      // The server answers in pages (10,000 events): read until a page comes back short or empty.
      const events: TaskEventJson[] = [];
      for (;;) {
        const page = await getEvents(this.jobId, events.at(-1)?.seq ?? 0);
        events.push(...page);
        if (page.length === 0 || page.length < 1000 || events.length >= HISTORY_CAP) break;
      }
      if (events.length > HISTORY_CAP) events.splice(0, events.length - HISTORY_CAP);
      const last = events.at(-1)?.seq ?? 0;
      this.history = events.concat(this.pendingHistory.filter((e) => e.seq > last));
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.historyLoading = false;
      this.pendingHistory = [];
      this.changed();
    }
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }

  private async reload(): Promise<void> {
    this.reloading = true;
    try {
      const job = await getJob(this.jobId);
      const tree = new TaskTree(job);
      const queued = this.pending;
      this.pending = [];
      this.tree = tree;
      this.error = undefined;
      this.reloading = false;
      this.applyAll(queued);
      if (!this.stream) {
        this.stream = new EventStream(this.jobId, tree.seq, {
          onEvents: (events) => this.onEvents(events),
          onStatus: (status) => {
            this.status = status;
            this.changed();
          },
          onReconnect: () => void this.checkRestart(),
        });
        this.stream.start();
      }
    } catch (err) {
      this.reloading = false;
      this.error = (err as Error).message;
      // A server restarting, a job not registered yet: try again. A 401 waits for the token prompt.
      const needsToken = err instanceof ApiError && err.status === 401;
      if (!needsToken && !this.closed)
        this.retryTimer = setTimeout(() => void this.reload(), RELOAD_RETRY_MS);
    }
    this.changed();
  }

  private onEvents(events: TaskEventJson[]): void {
    if (this.history) {
      this.history.push(...events);
      if (this.history.length > HISTORY_CAP) this.history.splice(0, this.history.length - HISTORY_CAP);
    } else if (this.historyLoading) {
      this.pendingHistory.push(...events);
    }
    if (this.reloading) {
      this.pending.push(...events);
      return;
    }
    this.applyAll(events);
    this.changed();
  }

  private applyAll(events: TaskEventJson[]): void {
    const tree = this.tree;
    if (!tree) return;
    for (let k = 0; k < events.length; k++) {
      const ev = events[k]!;
      if (tree.apply(ev)) continue;
      if (this.reloadsInARow >= 3) {
        // The server keeps naming a task its snapshot lacks: skip the event rather than loop.
        tree.seq = ev.seq;
        continue;
      }
      this.reloadsInARow++;
      this.pending.push(...events.slice(k));
      void this.reload();
      return;
    }
    this.reloadsInARow = 0;
  }

  /** After a reconnect: a server that restarted without a store has a job with a lower seq. */
  private async checkRestart(): Promise<void> {
    try {
      const summary = (await listJobs()).find((j) => j.id === this.jobId);
      if (summary && (summary.seq ?? 0) < (this.tree?.seq ?? 0)) {
        this.stream?.close();
        this.stream = undefined;
        this.history = undefined;
        await this.reload();
      }
    } catch {
      // The stream's own retry covers an unreachable server.
    }
  }
}

const sessions = new Map<string, JobSession>();

/** The shared session of a job (one stream per job however many views show it). */
export function acquireSession(jobId: string): JobSession {
  let session = sessions.get(jobId);
  if (!session) {
    session = new JobSession(jobId);
    sessions.set(jobId, session);
    void session.open();
  }
  session.refs++;
  return session;
}

/** Gives a session back; the last view to let go closes its stream. */
export function releaseSession(session: JobSession): void {
  session.refs--;
  if (session.refs <= 0) {
    session.close();
    sessions.delete(session.jobId);
  }
}
