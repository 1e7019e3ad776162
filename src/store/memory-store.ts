import type { TaskEvent } from '../engine/messages.js';
import type {
  CommitBatch,
  CreatedRun,
  Fence,
  OpenedRun,
  RunPage,
  RunRecord,
  Store,
  StoredRun,
  TaskRecord,
} from '../engine/store.js';
import { isDone } from '../engine/task-state.js';
import { RnrError } from '../errors.js';
import {
  canonicalJson,
  checkRunQuery,
  checkRunRequest,
  keyReused,
  newRunRecord,
  overConcurrency,
  pageToken,
} from './run-requests.js';
import { checkScheduleFire, MemoryScheduleClaims } from './schedule-claims.js';

interface MemoryRun {
  record: RunRecord;
  /** Creation order in this store: the key of listing and paging. */
  position: number;
  tasks: Map<string, TaskRecord>;
  events: TaskEvent[];
  /** Bumped on every open; a commit under an older one is refused. */
  epoch: number;
  open: boolean;
  idempotencyKey: string | undefined;
}

let stores = 0;

const copyTask = (t: TaskRecord): TaskRecord => ({ ...t });

/**
 * A store that keeps everything in this process's memory: the library's default. State survives
 * re-creating a job in the same process (handy in tests), not a restart. It keeps every promise of
 * the store port (runs, fencing, paging) so tests on it mean what they say for a durable store.
 *
 * @example
 * const store = memoryStore();
 * const job = createJob({ name: 'drain', root, store });
 */
export function memoryStore(): Store {
  const self = `memory-${++stores}`;
  const runs = new Map<string, MemoryRun>();
  /** Runs in creation order (positions ascend). */
  const ordered: MemoryRun[] = [];
  const lastRun = new Map<string, number>();
  const scheduleClaims = new MemoryScheduleClaims();
  let positions = 0;
  let closed = false;
  const check = () => {
    if (closed) throw new RnrError('RNR_ERR_STORE_CLOSED', 'memory store is closed');
  };
  const add = (record: RunRecord, key?: string): MemoryRun => {
    const entry: MemoryRun = {
      record,
      position: ++positions,
      tasks: new Map(),
      events: [],
      epoch: 0,
      open: false,
      idempotencyKey: key,
    };
    runs.set(record.id, entry);
    ordered.push(entry);
    lastRun.set(record.workflow, Math.max(lastRun.get(record.workflow) ?? 0, record.run));
    return entry;
  };
  const view = (entry: MemoryRun): RunRecord => {
    const record = { ...entry.record };
    if (entry.open) record.owner = { process: self, epoch: entry.epoch };
    return record;
  };
  const stored = (entry: MemoryRun): StoredRun => ({
    run: view(entry),
    tasks: [...entry.tasks.values()].map(copyTask),
  });

  return {
    description: 'memory',
    async openRun(run) {
      check();
      let entry = runs.get(run.id);
      const created = entry === undefined;
      if (entry?.open) {
        throw new RnrError(
          'RNR_ERR_JOB_LOCKED',
          `job ${JSON.stringify(run.id)} is already open in this process (memory store)`,
        );
      }
      entry ??= add({ ...run, owner: undefined });
      delete entry.record.owner;
      entry.open = true;
      entry.epoch++;
      const fence: Fence = { process: self, epoch: entry.epoch };
      const { run: _withOwner, tasks } = stored(entry);
      const opened: OpenedRun = { run: { ...entry.record }, tasks, created, fence };
      return opened;
    },
    async commit(batch: CommitBatch) {
      check();
      const entry = runs.get(batch.run.id);
      if (!entry)
        throw new RnrError(
          'RNR_ERR_JOB_NOT_FOUND',
          `job ${JSON.stringify(batch.run.id)} was never opened in this store`,
        );
      const fence = batch.fence;
      if (fence && (!entry.open || fence.epoch !== entry.epoch || fence.process !== self)) {
        throw new RnrError(
          'RNR_ERR_LEASE_LOST',
          `job ${JSON.stringify(batch.run.id)} was opened again since (epoch ${entry.epoch}, this writer's ${fence.epoch}): nothing of this commit was written`,
        );
      }
      // seq is dense from 1: a batch continues the log exactly, or is refused whole.
      let expected = entry.events.length + 1;
      for (const event of batch.events) {
        if (event.seq !== expected++) {
          throw new RnrError(
            'RNR_ERR_INTERNAL',
            `job ${JSON.stringify(batch.run.id)}: event seq ${event.seq} does not follow seq ${entry.events.length} in the store`,
          );
        }
      }
      const { owner: _owner, ...record } = batch.run;
      entry.record = record;
      // The engine hands over fresh record objects per commit and never mutates them afterwards.
      for (const task of batch.tasks) entry.tasks.set(task.id, task);
      for (const event of batch.events) entry.events.push(event);
    },
    async releaseRun(runId) {
      const entry = runs.get(runId);
      if (entry) entry.open = false;
    },
    async events(runId, since, limit = Number.POSITIVE_INFINITY) {
      const list = runs.get(runId)?.events ?? [];
      // seq is dense from 1, so the event with seq s sits at index s - 1.
      const start = Math.max(0, Math.min(list.length, Math.floor(since)));
      const end = Math.min(list.length, start + Math.max(0, limit));
      return list.slice(start, end);
    },
    async loadRun(runId) {
      check();
      const entry = runs.get(runId);
      return entry ? stored(entry) : undefined;
    },
    async listRuns(query) {
      check();
      const q = checkRunQuery(query);
      const page: RunPage = { runs: [] };
      let i = ordered.length - 1;
      if (q.before !== undefined) {
        // Positions ascend: find the first run older than the token.
        let lo = 0;
        let hi = ordered.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if ((ordered[mid] as MemoryRun).position < q.before) lo = mid + 1;
          else hi = mid;
        }
        i = lo - 1;
      }
      let last: MemoryRun | undefined;
      for (; i >= 0; i--) {
        const entry = ordered[i] as MemoryRun;
        if (q.workflow !== undefined && entry.record.workflow !== q.workflow) continue;
        if (q.states && !q.states.has(entry.record.state)) continue;
        if (last && page.runs.length === q.limit) {
          // One more matches: there is a next page, continuing after the last one shown.
          page.nextPageToken = pageToken(last.position);
          break;
        }
        page.runs.push(view(entry));
        last = entry;
      }
      return page;
    },
    async createRun(request): Promise<CreatedRun> {
      check();
      const r = checkRunRequest(request, Date.now());
      if (r.idempotencyKey !== undefined) {
        for (const entry of ordered) {
          if (entry.record.workflow !== r.workflow || entry.idempotencyKey !== r.idempotencyKey) continue;
          if (canonicalJson(entry.record.input) !== canonicalJson(r.input))
            throw keyReused(r.idempotencyKey, entry.record);
          return { run: view(entry), created: false };
        }
      }
      if (r.concurrency !== undefined) {
        const blocking = ordered
          .filter((e) => e.record.workflow === r.workflow && !isDone(e.record.state))
          .map((e) => e.record.id);
        if (blocking.length >= r.concurrency) throw overConcurrency(r.workflow, r.concurrency, blocking);
      }
      let n = (lastRun.get(r.workflow) ?? 0) + 1;
      // A legacy job may hold the id this number would get: numbers skip it, never reuse it.
      while (runs.has(`${r.workflow}-${n}`)) n++;
      const entry = add(newRunRecord(r, n, `${r.workflow}-${n}`), r.idempotencyKey);
      return { run: view(entry), created: true };
    },
    async pruneRuns(workflow, keep) {
      check();
      let finished = 0;
      const doomed = new Set<MemoryRun>();
      for (let i = ordered.length - 1; i >= 0; i--) {
        const entry = ordered[i] as MemoryRun;
        if (entry.record.workflow !== workflow || !isDone(entry.record.state)) continue;
        if (++finished > keep && !entry.open) doomed.add(entry);
      }
      if (doomed.size === 0) return 0;
      for (const entry of doomed) runs.delete(entry.record.id);
      const kept = ordered.filter((e) => !doomed.has(e));
      ordered.length = 0;
      ordered.push(...kept);
      return doomed.size;
    },
    async claimScheduleFire(workflow, schedule, at) {
      check();
      return scheduleClaims.claim(checkScheduleFire(workflow, schedule, at));
    },
    async close() {
      closed = true;
      for (const entry of runs.values()) entry.open = false;
    },
  };
}
