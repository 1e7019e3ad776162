import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { InspectionEvent } from 'xstate';
import { isRnrError, RnrError } from '../errors.js';
import {
  type AnyWorkflow,
  inputJsonSchema,
  type Job,
  RunTrigger,
  type Store,
  sameInput,
  systemClock,
  validateInput,
} from '../index.js';
import { createRunHost, type LocalRunHost } from '../runs/index.js';
import { printable, shellQuote } from './format.js';
import { hasInput, type InputFlags, parseInputFlags } from './input-args.js';
import { type ServedJob, type ServeOptions, serveJob, serveRuns } from './serve.js';
import { type StoreFlags, type StoreSpec, storeFromFlags } from './store-url.js';
import { legacyJob, loadWorkflowModule, type WorkflowModule } from './workflow-loader.js';
import { checkJobStore } from './workflow-store.js';

/** What `rnr run` needs to know to choose and start its run. */
export interface RunTargetOptions extends StoreFlags, InputFlags, Omit<ServeOptions, 'auditFile'> {
  /** `--new`: start a new run even when one is unfinished. */
  new: boolean;
  pollInterval?: number;
  inspect?: (event: InspectionEvent) => void;
}

/** The run `rnr run` follows, with its server and how to let it go. */
export interface PreparedRun {
  job: Job;
  /** The store's description (where the state lives). */
  where: string;
  /** A Job export built before rnr could give it a store. */
  prebuilt: boolean;
  /** A run of a `workflow()` (rather than an older Job export). */
  workflow?: AnyWorkflow;
  /** `started run <id>` or `resumed run <id> from seq N`. */
  runLine: string;
  /** The state directory (the audit file goes there). */
  stateDir: string;
  /** Serves the run's API and web view. */
  serve(options: ServeOptions): Promise<ServedJob>;
  /** Closes the job (or the host) and the store. */
  close(): Promise<void>;
}

/** The user running the command: who starts a run from the CLI. */
export function currentUser(): string {
  try {
    return userInfo().username || 'cli';
  } catch {
    return 'cli';
  }
}

/** A JOB_LOCKED error with what to do under `rnr run`: the same store is in use. */
function lockedHint(err: unknown, spec: StoreSpec, stateDir: string | undefined): unknown {
  if (!isRnrError(err, 'RNR_ERR_JOB_LOCKED')) return err;
  const hint =
    stateDir !== undefined
      ? `another rnr run is using --state-dir ${stateDir} for this run: stop it, or pass another --state-dir`
      : `another rnr process is using ${spec.url} for this run: stop it, or pass another --store`;
  return new RnrError('RNR_ERR_JOB_LOCKED', `${err.message.split('; ')[0]}: ${hint}`, { cause: err });
}

/**
 * Loads `<file>` and prepares the run `rnr run` follows: for a `workflow()`, the newest unfinished
 * run in the store (its input must match any `--input`), else a new one (`--new`: always); for an
 * older Job export, its one run. Nothing is started on a refusal (bad input, `--new` or `--input`
 * with a Job export, input that differs from the unfinished run's).
 */
export async function prepareRun(file: string, options: RunTargetOptions): Promise<PreparedRun> {
  const spec = storeFromFlags(options);
  const module = await loadWorkflowModule(file);
  if (module.kind === 'legacy') return prepareLegacy(file, module, spec, options);
  const wf = module.workflow;
  // The input is read before anything opens: a bad flag changes nothing.
  const input = parseInputFlags(options, inputJsonSchema(wf));
  const store = await spec.open();
  const host = createRunHost({
    workflows: [[wf, module.path]],
    store,
    ownsStore: true,
    clock: systemClock,
    keepFinished: true,
    autoStart: false,
    refuseStarts: `rnr run serves one run of workflow ${wf.name}; to start runs over the API, serve it with \`rnr serve ${shellQuote(file)}\``,
    ...(options.pollInterval !== undefined && { pollIntervalMs: options.pollInterval }),
    ...(options.inspect && { inspect: options.inspect }),
  });
  try {
    const { job, line } = await chooseRun(host, wf, input, hasInput(options), options.new);
    return {
      job,
      where: store.description,
      prebuilt: false,
      workflow: wf,
      runLine: line,
      stateDir: spec.stateDir,
      serve: (serve) => serveRuns(host, serve),
      close: () => host.close(),
    };
  } catch (err) {
    await host.close();
    throw lockedHint(
      err,
      spec,
      options.stateDir ?? (options.store === undefined && !options.env ? '.rnr' : undefined),
    );
  }
}

async function chooseRun(
  host: LocalRunHost,
  wf: AnyWorkflow,
  input: Record<string, unknown>,
  given: boolean,
  fresh: boolean,
): Promise<{ job: Job; line: string }> {
  if (!fresh) {
    const unfinished = await host.latestUnfinished(wf.name);
    if (unfinished) {
      if (given) {
        const wanted = await validateInput(wf, input);
        if (!sameInput(wanted, unfinished.input)) {
          throw new RnrError(
            'RNR_ERR_CONFLICT',
            `run ${unfinished.id} of workflow ${wf.name} is unfinished with input ${JSON.stringify(unfinished.input)}, and the input given differs (${JSON.stringify(wanted)}): pass --new to start another run, or leave out --input to resume ${unfinished.id}`,
          );
        }
      }
      const job = await host.resume(unfinished.id);
      await job.load();
      return { job, line: `resumed run ${printable(job.id)} from seq ${job.resumed?.fromSeq ?? 0}` };
    }
  }
  const { summary } = await host.start(wf.name, { input, trigger: RunTrigger.CLI, startedBy: currentUser() });
  const job = host.live(summary.id) ?? (await host.resume(summary.id));
  await job.load();
  return { job, line: `started run ${printable(job.id)}` };
}

async function prepareLegacy(
  file: string,
  module: Extract<WorkflowModule, { kind: 'legacy' }>,
  spec: StoreSpec,
  options: RunTargetOptions,
): Promise<PreparedRun> {
  if (options.new || hasInput(options)) {
    const flag = options.new ? '--new' : '--input';
    throw new RnrError(
      'RNR_ERR_USAGE',
      `${flag}: ${file} exports a Job (or a function making one), which has one run and no input; export a workflow({ name, input, build }) to run it again or with input`,
    );
  }
  let store: Store | undefined;
  const loaded = await legacyJob(module, file, async () => {
    store = await spec.open();
    return {
      store,
      clock: systemClock,
      ...(options.pollInterval === undefined ? {} : { pollIntervalMs: options.pollInterval }),
      ...(options.inspect ? { inspect: options.inspect } : {}),
    };
  }).catch(async (err: unknown) => {
    await store?.close();
    throw lockedHint(
      err,
      spec,
      options.stateDir ?? (options.store === undefined && !options.env ? '.rnr' : undefined),
    );
  });
  const { job } = loaded;
  let where: string;
  try {
    where = checkJobStore(job, file, loaded.prebuilt, store);
    // Claims the job in its store and reads it: a job another process runs is refused here.
    await job.load();
  } catch (err) {
    await job.close();
    await store?.close();
    throw lockedHint(
      err,
      spec,
      options.stateDir ?? (options.store === undefined && !options.env ? '.rnr' : undefined),
    );
  }
  if (store && where !== store.description) {
    // The job keeps its state in a durable store of its own: release the one made for it.
    await store.close();
    store = undefined;
  }
  const id = printable(job.id);
  const orphans = job.resumed?.orphans.length ?? 0;
  return {
    job,
    where,
    prebuilt: loaded.prebuilt,
    runLine: job.resumed
      ? `resumed run ${id} from seq ${job.resumed.fromSeq}${orphans ? ` (${orphans} stored tasks no longer in the workflow)` : ''}`
      : `started run ${id}`,
    stateDir: spec.stateDir,
    serve: (serve) =>
      serveJob(job, {
        ...serve,
        refuseStarts: `rnr run serves the one job of ${file}; serve a workflow() with rnr serve to start runs over the API`,
      }),
    close: async () => {
      await job.close();
      await store?.close();
    },
  };
}

/** Where `rnr run` appends audit records: beside the state. */
export function auditFileOf(run: PreparedRun): string {
  return join(run.stateDir, 'audit.jsonl');
}
