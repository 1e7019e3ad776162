import {
  type AnyWorkflow,
  describeError,
  isDone,
  isRnrError,
  type Job,
  RnrError,
  RunTrigger,
  runSummary,
  type StoredRun,
  systemClock,
  validateInput,
} from '../index.js';
import { clusterPart, placed } from './cluster-member.js';
import { clusterOf } from './cluster-view.js';
import { checkListQuery } from './list-query.js';
import { LiveRuns } from './live-runs.js';
import { localActions } from './local-actions.js';
import { applied, remoteHostPart } from './remote-host.js';
import type { LocalRunHost, ResumedRun, RunHostOptions } from './run-host-types.js';
import { loadRunJob, type RunLoaderOptions } from './run-loader.js';
import { createScheduleRunner } from './schedule-runner.js';
import { StoredRunViews } from './stored-run-view.js';
import type {
  CancelOptions,
  RunListPage,
  RunListQuery,
  RunStream,
  StartedRun,
  StartRequest,
} from './types.js';
import { createWorkflowCatalog } from './workflow-catalog.js';

export type { LocalRunHost, ResumedRun, RunHostOptions } from './run-host-types.js';

/** The least time between two prunes of one workflow's finished runs. */
const PRUNE_SPACING_MS = 1000;

const stderrLog = (line: string): void => {
  process.stderr.write(`rnr: ${line}\n`);
};

/**
 * Makes the run host of a process: it starts, resumes, reads, steers and cancels runs of its
 * workflows in `store`, keeps `keepRuns` finished runs per workflow, and unloads runs from memory
 * once they end (they are then read from the store, and loaded again if an operator acts on one).
 *
 * @example
 * const runs = createRunHost({ workflows: [upgrade], store: sqliteStore('.rnr/rnr.db') });
 * await runs.resumeAll();
 * const app = createServer({ runs });
 * const { summary } = await runs.start('rolling-upgrade', { input: { version: '1.6.0' } });
 */
export function createRunHost(options: RunHostOptions): LocalRunHost {
  const { store } = options;
  const catalog = createWorkflowCatalog(options.workflows ?? []);
  const log = options.log ?? stderrLog;
  const loader: RunLoaderOptions = {
    store,
    clock: options.clock ?? systemClock,
    log,
    ...(options.pollIntervalMs !== undefined && { pollIntervalMs: options.pollIntervalMs }),
    ...(options.inspect && { inspect: options.inspect }),
    ...(options.createJob && { createJob: options.createJob }),
  };
  const autoStart = options.autoStart ?? true;
  const schedules = createScheduleRunner({
    clock: loader.clock,
    store,
    log,
    start: (name, request) => host.start(name, request),
  });
  const loading = new Map<string, Promise<Job>>();
  let closed = false;

  const live = new LiveRuns({
    finished: (job) => {
      const wf = catalog.get(job.summary().workflow);
      if (wf) prune(wf);
      if (!options.keepFinished) queueMicrotask(() => void unloadIfDone(job));
    },
    listenerError: (runId, err) => log(`run ${runId}: an event listener threw: ${describeError(err)}`),
  });

  /**
   * Per workflow, a prune in flight or spacing after one, and whether another was asked for meanwhile.
   * A busy host finishes runs by the hundred a second; one prune a second per workflow keeps up.
   */
  const pruning = new Map<string, { again: boolean; timer?: unknown }>();

  /**
   * Deletes finished runs beyond keepRuns: one prune per workflow at a time and at most one per
   * PRUNE_SPACING_MS, the asks between joined into the next.
   */
  function prune(wf: AnyWorkflow): void {
    const inflight = pruning.get(wf.name);
    if (inflight) {
      inflight.again = true;
      return;
    }
    const state: { again: boolean; timer?: unknown } = { again: false };
    pruning.set(wf.name, state);
    store
      .pruneRuns(wf.name, wf.keepRuns)
      .catch((err: unknown) => {
        log(
          `workflow ${wf.name}: could not delete finished runs beyond keepRuns ${wf.keepRuns}: ${describeError(err)}`,
        );
      })
      .finally(() => {
        if (closed) return;
        state.timer = loader.clock.setTimeout(() => {
          pruning.delete(wf.name);
          if (state.again && !closed) prune(wf);
        }, PRUNE_SPACING_MS);
      });
  }

  async function unloadIfDone(job: Job): Promise<void> {
    if (live.get(job.id) !== job || !isDone(job.summary().state)) return;
    live.remove(job.id);
    await job.stop();
    await job.close().catch((err: unknown) => log(`run ${job.id}: closing: ${describeError(err)}`));
    remote.released(job.id);
  }

  const { member, detach } = clusterPart(store, options.cluster, {
    workflows: () => catalog.list().map((wf) => wf.name),
    live,
    loading,
    adopt: (run) => {
      const wf = catalog.require(run.workflow);
      return load(wf, run.id, () => loadRunJob(wf, run, loader, false));
    },
    log,
  });

  function checkOpen(): void {
    if (closed) throw new RnrError('RNR_ERR_STORE_CLOSED', 'the run host is closed');
  }

  const views = new StoredRunViews((name) => catalog.get(name), loader.clock);

  async function stored(runId: string): Promise<StoredRun> {
    const found = await store.loadRun(runId);
    if (!found) throw new RnrError('RNR_ERR_JOB_NOT_FOUND', `no job with id "${runId}"`);
    return found;
  }

  /** Puts a run's Job in memory (once, however many ask at once) and starts it. */
  function load(wf: AnyWorkflow, runId: string, make: () => Promise<Job>): Promise<Job> {
    const known = live.get(runId);
    if (known) return Promise.resolve(known);
    let pending = loading.get(runId);
    if (!pending) {
      pending = make()
        .then(async (job) => {
          // Opened (claimed in the store) before it counts as live here: a run another process
          // holds is refused now, not left half-loaded.
          try {
            await job.load();
          } catch (err) {
            await job.close().catch(() => undefined);
            throw err;
          }
          live.add(job);
          if (autoStart && !isDone(job.summary().state)) job.start();
          return job;
        })
        .finally(() => loading.delete(runId));
      loading.set(runId, pending);
    }
    void wf;
    return pending;
  }

  /** The live Job of a run, loading a stored run of a hosted workflow when it is not in memory. */
  async function jobFor(runId: string, why: string): Promise<Job> {
    const known = live.get(runId) ?? (await loading.get(runId));
    if (known) return known;
    const run = (await stored(runId)).run;
    const wf = catalog.get(run.workflow);
    if (!wf) {
      throw new RnrError(
        'RNR_ERR_CONFLICT',
        `run ${runId} is a run of workflow ${JSON.stringify(run.workflow)}, which this process does not host: serve its file (rnr serve) to ${why}`,
      );
    }
    return load(wf, runId, () => loadRunJob(wf, run, loader, false));
  }

  const keepFinished = options.keepFinished ?? false;
  const local = localActions({ live, jobFor, stored, checkOpen, unloadIfDone, keepFinished, autoStart });
  const remote = remoteHostPart(store, {
    live,
    hosts: (workflow) => catalog.get(workflow) !== undefined,
    loadHere: (runId) => jobFor(runId, 'act on it'),
    ...{ ...local, log, reads: () => host },
    ...(options.commandWaitMs !== undefined && { commandWaitMs: options.commandWaitMs }),
  });

  const host: LocalRunHost = {
    catalog,
    store,
    description: store.description,
    workflows: () =>
      catalog.list().map((wf) => {
        const info = catalog.describe(wf);
        info.schedules = info.schedules.map((s, i) => ({ ...s, ...schedules.status(wf.name, i) }));
        return info;
      }),
    workflow: (name) => catalog.get(name),

    async start(name, request: StartRequest = {}): Promise<StartedRun> {
      checkOpen();
      const trigger = request.trigger ?? RunTrigger.API;
      if (options.refuseStarts !== undefined && trigger !== RunTrigger.CLI)
        throw new RnrError('RNR_ERR_CONFLICT', options.refuseStarts);
      const wf = catalog.require(name);
      const input = await validateInput(wf, request.input);
      const { run, created } = await store.createRun({
        workflow: wf.name,
        name: wf.name,
        input,
        trigger,
        startedBy: request.startedBy ?? '',
        labels: { ...wf.labels },
        // The host's clock, not the store's: a run started on a test clock was created then.
        createdAt: loader.clock.now(),
        ...(wf.concurrency !== undefined && { concurrency: wf.concurrency }),
        ...(request.idempotencyKey !== undefined && { idempotencyKey: request.idempotencyKey }),
      });
      if (!created) return { summary: await host.summary(run.id), created: false };
      const job = await placed(member, () => load(wf, run.id, () => loadRunJob(wf, run, loader, true)));
      return { summary: job ? job.summary() : await host.summary(run.id), created: true };
    },

    async list(query: RunListQuery = {}): Promise<RunListPage> {
      const page = await store.listRuns(checkListQuery(query));
      return {
        jobs: page.runs.map((run) => live.get(run.id)?.summary() ?? runSummary(run)),
        ...(page.nextPageToken && { nextPageToken: page.nextPageToken }),
      };
    },

    async summary(runId) {
      return live.get(runId)?.summary() ?? runSummary((await stored(runId)).run);
    },

    async snapshot(runId) {
      return live.get(runId)?.snapshot() ?? views.snapshot(await stored(runId));
    },

    async task(runId, taskId, depth) {
      const job = live.get(runId);
      if (job) return job.getTask(taskId, depth === undefined ? {} : { depth });
      return views.task(await stored(runId), taskId, depth);
    },

    async machineChart(runId, taskId) {
      const job = live.get(runId);
      if (job) return job.machineChart(taskId);
      const run = await stored(runId);
      await views.task(run, taskId, 0);
      throw new RnrError(
        'RNR_ERR_CONFLICT',
        `run ${runId} is not in this process's memory (it has ended, or another process runs it): a machine task's chart is drawn by the process that runs it (act on an ended run to load it)`,
      );
    },

    async events(runId, since, limit) {
      const events = await store.events(runId, since, limit);
      if (events.length === 0 && !live.get(runId)) await stored(runId);
      return events;
    },

    async stream(runId): Promise<RunStream> {
      let seq = live.get(runId)?.seq ?? (await stored(runId)).run.seq;
      return {
        id: runId,
        get seq() {
          seq = live.get(runId)?.seq ?? seq;
          return seq;
        },
        events: (since, limit) => store.events(runId, since, limit),
        subscribe: (listener) =>
          remote.subscribe ? remote.subscribe(runId, listener) : live.listen(runId, listener),
      };
    },

    async operate(runId, command) {
      checkOpen();
      return applied(await remote.submit(runId, command));
    },

    async cancel(runId, cancelOptions: CancelOptions = {}) {
      checkOpen();
      return applied(await remote.submitCancel(runId, cancelOptions));
    },

    submit: (runId, command) => remote.submit(runId, command),
    submitCancel: (runId, cancelOptions) => remote.submitCancel(runId, cancelOptions),

    live: (runId) => live.get(runId),
    liveJobs: () => live.list(),
    watchLive: (watcher) => live.watch(watcher),

    async latestUnfinished(workflow) {
      const page = await store.listRuns({ workflow, states: ['ACTIVE'], limit: 1 });
      const run = page.runs[0];
      return run && (live.get(run.id)?.summary() ?? runSummary(run));
    },

    resume: (runId) => jobFor(runId, 'resume it'),

    async resumeAll() {
      const resumed: ResumedRun[] = [];
      for (const wf of catalog.list()) {
        prune(wf);
        let pageToken: string | undefined;
        do {
          const page = await store.listRuns({
            workflow: wf.name,
            states: ['ACTIVE'],
            limit: 100,
            ...(pageToken && { pageToken }),
          });
          for (const run of page.runs) {
            if (live.get(run.id)) continue;
            try {
              const job = await load(wf, run.id, () => loadRunJob(wf, run, loader, false));
              resumed.push({ id: job.id, fromSeq: job.resumed?.fromSeq ?? run.seq });
            } catch (err) {
              const why = isRnrError(err) ? err.message : describeError(err);
              log(`run ${run.id} not resumed: ${why}`);
            }
          }
          pageToken = page.nextPageToken;
        } while (pageToken);
      }
      return resumed;
    },

    cluster: () => clusterOf(store, host),

    async joinCluster() {
      return member ? member.join() : host.resumeAll();
    },

    startSchedules: () => schedules.add(catalog.list()),

    async stop() {
      await schedules.stop();
      member?.stop();
      const jobs = live.list();
      await Promise.all(jobs.map((job) => job.stop()));
      await Promise.all(jobs.map((job) => job.drain()));
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const { timer } of pruning.values()) if (timer !== undefined) loader.clock.clearTimeout(timer);
      await schedules.stop();
      member?.stop();
      detach();
      remote.close();
      await Promise.allSettled([...loading.values()]);
      for (const job of live.list()) {
        live.remove(job.id);
        await job.close().catch((err: unknown) => log(`run ${job.id}: closing: ${describeError(err)}`));
      }
      if (options.ownsStore) await store.close();
    },
  };
  return host;
}
