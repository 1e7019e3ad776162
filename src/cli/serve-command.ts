import { join } from 'node:path';
import { type AnyWorkflow, inputJsonSchema, isDone, RunTrigger, stateName, systemClock } from '../index.js';
import { createRunHost, type LocalRunHost } from '../runs/index.js';
import { sharedAuditSink } from './cluster-audit.js';
import { ExitCode } from './exit-codes.js';
import { printable } from './format.js';
import { hasInput, type InputFlags, parseInputFlags } from './input-args.js';
import { currentUser } from './run-target.js';
import { serveRuns } from './serve.js';
import { onStopSignal, type StopSignal, within } from './signals.js';
import { type StoreFlags, storeFromFlags } from './store-url.js';
import { findWorkflows } from './workflow-files.js';

/** The flags of `rnr serve`, parsed. */
export interface ServeCommandOptions extends StoreFlags, InputFlags {
  port: number;
  host: string;
  token?: string;
  viewerToken?: string;
  pollInterval?: number;
  /** `--start W`: a run of W at startup, unless one is unfinished. */
  start?: string;
  stopTimeoutMs: number;
  /** `--lease-ms`: PostgreSQL only. */
  leaseMs?: number;
  /** `--max-runs`: PostgreSQL only. */
  maxRuns?: number;
}

const say = (line: string): void => {
  process.stderr.write(`rnr: ${line}\n`);
};

/**
 * `rnr serve <file|dir>…`: hosts every workflow found, resumes their unfinished runs, starts one
 * with `--start` (unless one of that workflow is unfinished), serves the API and web view, and
 * logs runs starting and ending on stderr. SIGINT/SIGTERM stop it cleanly: ticking stops, polls in
 * flight settle (up to `--stop-timeout`), runs are released in the store, exit 0.
 */
export async function serveCommand(paths: readonly string[], options: ServeCommandOptions): Promise<number> {
  const spec = storeFromFlags(options);
  const { found, skipped } = await findWorkflows(paths);
  const starting =
    options.start === undefined ? undefined : found.find((f) => f.workflow.name === options.start);
  if (options.start !== undefined && !starting) {
    const { RnrError } = await import('../errors.js');
    throw new RnrError(
      'RNR_ERR_WORKFLOW_UNKNOWN',
      `--start ${options.start}: no such workflow here; found: ${found.map((f) => f.workflow.name).join(', ')}`,
    );
  }
  if (hasInput(options) && !starting) {
    const { RnrError } = await import('../errors.js');
    throw new RnrError('RNR_ERR_USAGE', '--input and --input-json go with --start <workflow>');
  }
  const input = starting ? parseInputFlags(options, inputJsonSchema(starting.workflow)) : {};
  for (const [flag, given] of [
    ['--lease-ms', options.leaseMs],
    ['--max-runs', options.maxRuns],
  ] as const) {
    if (given !== undefined && !spec.shared) {
      const { RnrError } = await import('../errors.js');
      throw new RnrError(
        'RNR_ERR_USAGE',
        `${flag} goes with a store several processes share (--store postgres://…); ${spec.url} is used by one process, which runs every run`,
      );
    }
  }
  if (options.leaseMs !== undefined) {
    const { checkLeaseMs, RnrError } = await import('../index.js');
    try {
      checkLeaseMs(options.leaseMs, '--lease-ms');
    } catch (err) {
      throw new RnrError('RNR_ERR_USAGE', (err as Error).message);
    }
  }
  const store = await spec.open(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs });
  const host = createRunHost({
    workflows: found.map((f): [AnyWorkflow, string] => [f.workflow, f.file]),
    store,
    ownsStore: true,
    clock: systemClock,
    ...(options.pollInterval !== undefined && { pollIntervalMs: options.pollInterval }),
    log: say,
    ...(spec.shared && { cluster: options.maxRuns === undefined ? {} : { maxRuns: options.maxRuns } }),
  });
  let early: StopSignal | undefined;
  let onSignal = (signal: StopSignal) => {
    early = signal;
  };
  onStopSignal((signal) => onSignal(signal));
  try {
    for (const { workflow, file } of found) say(`workflow ${workflow.name} from ${printable(file)}`);
    if (skipped.length > 0) say(`skipped ${skipped.length} module(s) without a workflow() default export`);
    // On a shared store the process registers and takes what it may (logged as it goes).
    const resumed = spec.shared ? await host.joinCluster() : await host.resumeAll();
    if (!spec.shared)
      for (const run of resumed) say(`resumed run ${printable(run.id)} from seq ${run.fromSeq}`);
    if (starting) await startAtLaunch(host, starting.workflow.name, input);
    await host.startSchedules();
    for (const line of scheduleLines(host)) say(line);
  } catch (err) {
    await host.close();
    throw err;
  }
  const watch = logRuns(host);
  let served: Awaited<ReturnType<typeof serveRuns>>;
  try {
    const auditFile = join(spec.stateDir, 'audit.jsonl');
    const shared = sharedAuditSink(store, auditFile, say);
    served = await serveRuns(host, { ...options, auditFile, ...(shared && { auditSinks: [shared] }) });
  } catch (err) {
    watch();
    await host.close();
    throw err;
  }
  say(
    `serving ${found.length} workflow(s) at ${served.url}  (API /api/v1, web view /); state in ${printable(store.description)}`,
  );
  return new Promise<number>((settle) => {
    onSignal = (signal) => {
      const again = signal === 'SIGINT' ? 'Ctrl-C again' : `${signal} again`;
      say(`${signal}: stopping (polls in flight get up to ${options.stopTimeoutMs}ms; ${again} to exit now)`);
      void (async () => {
        if ((await within(host.stop(), options.stopTimeoutMs)) === 'timeout')
          say(`polls still in flight after ${options.stopTimeoutMs}ms; leaving them`);
        watch();
        await within(served.app.close(), 2000);
        await within(host.close(), options.stopTimeoutMs);
        settle(ExitCode.SUCCESS);
      })();
    };
    if (early) onSignal(early);
  });
}

/** One line per schedule: when it fires next. */
function scheduleLines(host: LocalRunHost): string[] {
  return host
    .workflows()
    .flatMap((wf) =>
      wf.schedules.map(
        (s) =>
          `workflow ${printable(wf.name)} schedule "${printable(s.cron)}" ${s.timezone}: next run ${s.nextAt === undefined ? 'never' : new Date(s.nextAt).toISOString()}`,
      ),
    );
}

async function startAtLaunch(
  host: LocalRunHost,
  name: string,
  input: Record<string, unknown>,
): Promise<void> {
  const unfinished = await host.latestUnfinished(name);
  if (unfinished) {
    say(`--start ${name}: run ${printable(unfinished.id)} is unfinished; not starting another`);
    return;
  }
  const { summary } = await host.start(name, { input, trigger: RunTrigger.CLI, startedBy: currentUser() });
  say(`started run ${printable(summary.id)}`);
}

/** Logs how every run in memory ends (once per ending: a run an operator reopens may end again). */
function logRuns(host: LocalRunHost): () => void {
  const detach = new Map<string, () => void>();
  const unwatch = host.watchLive({
    added(job) {
      let ended = isDone(job.summary().state);
      detach.get(job.id)?.();
      detach.set(
        job.id,
        job.subscribe(() => {
          const state = job.summary().state;
          if (isDone(state) && !ended) say(`run ${printable(job.id)} ended ${stateName(state)}`);
          ended = isDone(state);
        }),
      );
    },
    removed(job) {
      detach.get(job.id)?.();
      detach.delete(job.id);
    },
  });
  return () => {
    unwatch();
    for (const stop of detach.values()) stop();
    detach.clear();
  };
}
