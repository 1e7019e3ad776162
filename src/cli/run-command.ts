import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeError, isRnrError, RnrError } from '../errors.js';
import { type Job, type Store, sqliteStore, stateName, systemClock, TaskState } from '../index.js';
import { eventToJson, jobToJson, taskToJson } from '../wire/encode.js';
import type { TaskEventJson } from '../wire/json.js';
import { isDoneName } from '../wire/names.js';
import {
  commandFor,
  defaultServer,
  type EventDisplay,
  jsonPrinter,
  plainPrinter,
  quietPrinter,
} from './event-printers.js';
import { ExitCode } from './exit-codes.js';
import { guardExitCode } from './exit-guard.js';
import { printable, shellQuote } from './format.js';
import type { RunInspector } from './inspector.js';
import { JobModel } from './job-model.js';
import { liveView } from './live-view.js';
import { type ServedJob, serveJob } from './serve.js';
import { onStopSignal, type StopSignal, signalExitCodes, within } from './signals.js';
import { loadWorkflow } from './workflow-loader.js';
import { checkJobStore } from './workflow-store.js';

/** The flags of `rnr run`, parsed. */
export interface RunCommandOptions {
  port: number;
  host: string;
  token?: string;
  viewerToken?: string;
  stateDir: string;
  pollInterval?: number;
  hold: boolean;
  quiet: boolean;
  json: boolean;
  /** How long polls in flight may take to settle on SIGINT/SIGTERM, in ms. */
  stopTimeoutMs: number;
  /** With `--inspect`: the port of the inspector relay (0: any free port). */
  inspectPort?: number;
}

/**
 * `rnr run <file>`: loads the workflow, serves the control API and web view, shows progress and
 * resolves with the exit code: 0 when the root ends SUCCESS, 1 when it ends FAILED (or SKIPPED),
 * 130/143 on SIGINT/SIGTERM. With `hold`, it keeps serving after the end until a signal, then exits
 * with the code of the root's state at that moment. Whatever the workflow's code does, the process
 * never exits 0 unless the root is SUCCESS (see `guardExitCode`).
 */
export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  let current: Job | undefined;
  guardExitCode(
    () => (current ? stateName(current.summary().state) : 'not loaded yet'),
    () => (current ? `job ${printable(current.id)}` : `workflow ${printable(file)}`),
  );

  // The inspector listens before the job exists: its actors (the ticker first) start in createJob.
  const inspector =
    options.inspectPort === undefined
      ? undefined
      : await (await import('./inspector.js')).startInspector(options.inspectPort);
  let store: Store | undefined;
  const workflow = await loadWorkflow(file, () => {
    mkdirSync(options.stateDir, { recursive: true });
    store = sqliteStore(join(options.stateDir, 'rnr.db'));
    return {
      store,
      clock: systemClock,
      ...(options.pollInterval === undefined ? {} : { pollIntervalMs: options.pollInterval }),
      ...(inspector ? { inspect: inspector.inspect } : {}),
    };
  }).catch(async (err: unknown) => {
    await store?.close();
    await inspector?.close();
    throw lockedHint(err, options);
  });
  const { job } = workflow;
  current = job;
  let where: string;
  try {
    where = checkJobStore(job, file, workflow.prebuilt, store);
    // Claims the job in its store and reads it: a job another process runs is refused here.
    await job.load();
  } catch (err) {
    await job.close();
    await store?.close();
    await inspector?.close();
    throw lockedHint(err, options);
  }
  if (store && where !== store.description) {
    // The job keeps its state in a durable store of its own: release the one made for it.
    await store.close();
    store = undefined;
  }
  // Signals are caught from before the server listens: the first line a supervisor reads may
  // be followed by a signal at once, and the default action would skip the clean shutdown.
  let early: StopSignal | undefined;
  let onSignal = (signal: StopSignal) => {
    early = signal;
  };
  onStopSignal((signal) => onSignal(signal));

  let served: ServedJob;
  try {
    // Audit records of operator actions (accepted and refused) go beside the job's state.
    served = await serveJob(job, { ...options, auditFile: join(options.stateDir, 'audit.jsonl') });
  } catch (err) {
    await job.close();
    await store?.close();
    await inspector?.close();
    throw err;
  }
  const { app, url } = served;

  const model = new JobModel(jobToJson(job.snapshot()));
  const sink = makeSink(model, options, url);
  sink.info(
    `rnr: serving job ${printable(job.id)} (${printable(job.name)}) at ${url}  (API /api/v1, web view /)`,
  );
  sink.info(startLine(job, where, workflow.prebuilt));
  if (inspector) sink.info(inspectorLine(inspector, workflow.prebuilt));

  return new Promise<number>((settle) => {
    let finishing = false;
    const finish = async (code: number, why: string) => {
      if (finishing) return;
      finishing = true;
      unsubscribe();
      sink.info(why);
      sink.close({ serving: false });
      const stopped = await within(
        job.stop().then(() => job.drain()),
        options.stopTimeoutMs,
      );
      if (stopped === 'timeout') {
        process.stderr.write(`rnr: polls still in flight after ${options.stopTimeoutMs}ms; leaving them\n`);
      }
      await within(job.close(), options.stopTimeoutMs);
      await within(app.close(), 2000);
      if (inspector) await within(inspector.close(), 2000);
      await store?.close();
      settle(code);
    };
    const outcome = (state: string) => (state === 'SUCCESS' ? ExitCode.SUCCESS : ExitCode.FAILED);
    const rootDone = () => {
      const state = model.state;
      if (!isDoneName(state)) return;
      if (options.hold) {
        sink.info(
          `rnr: job ${printable(job.id)} ended ${state}; still serving at ${url} (--hold), Ctrl-C to exit`,
        );
        return;
      }
      void finish(outcome(state), endLine(job, state, file, options));
    };
    const unsubscribe = job.subscribe((event) => {
      const wire: TaskEventJson = eventToJson(event);
      model.apply(wire);
      if (model.isPlaceholder(wire.taskId) && job.hasTask(wire.taskId)) {
        model.add(taskToJson(job.getTask(wire.taskId, { depth: 0 })));
      }
      try {
        sink.event(wire);
      } catch (err) {
        // A display problem must never reach the engine's publish loop.
        process.stderr.write(`rnr: cannot show event #${wire.seq}: ${describeError(err)}\n`);
      }
      if (wire.taskId === model.rootId && isDoneName(wire.to)) rootDone();
    });
    onSignal = (signal) => {
      // With --hold, Ctrl-C after the end is the normal way out: exit with the job's outcome.
      const code = options.hold && isDoneName(model.state) ? outcome(model.state) : signalExitCodes[signal];
      const again = signal === 'SIGINT' ? 'Ctrl-C again' : `${signal} again`;
      void finish(
        code,
        `rnr: ${signal}: stopping (polls in flight get up to ${options.stopTimeoutMs}ms; ${again} to exit now)`,
      );
    };
    if (early) return onSignal(early);
    if (isDoneName(model.state) && !options.hold) {
      void finish(outcome(model.state), endLine(job, model.state, file, options, 'had already ended'));
      return;
    }
    // A load that fails was reported above; start() cannot fail here, and logs what it would.
    void job.start();
  });
}

/** A JOB_LOCKED error with what to do under `rnr run`: the same state dir is in use. */
function lockedHint(err: unknown, options: RunCommandOptions): unknown {
  if (!isRnrError(err, 'RNR_ERR_JOB_LOCKED')) return err;
  const hint = `another rnr run is using --state-dir ${options.stateDir} for this job: stop it, or pass another --state-dir`;
  return new RnrError('RNR_ERR_JOB_LOCKED', `${err.message.split('; ')[0]}: ${hint}`, { cause: err });
}

function makeSink(model: JobModel, options: RunCommandOptions, url: string): EventDisplay {
  if (options.json) return jsonPrinter();
  if (options.quiet) return quietPrinter();
  if (process.stdout.isTTY) return liveView(model, { server: url });
  return plainPrinter(process.stdout, url);
}

function inspectorLine(inspector: RunInspector, prebuilt: boolean): string {
  const where = `rnr: inspector at ${inspector.url} (open it in a browser for Stately's inspector; events on ${inspector.wsUrl})`;
  return prebuilt
    ? `${where}; note: a prebuilt Job was created without it, so nothing is inspected: export a function`
    : where;
}

function startLine(job: Job, where: string, prebuilt: boolean): string {
  const id = printable(job.id);
  const resumed = job.resumed
    ? `resumed job ${id} from seq ${job.resumed.fromSeq}${job.resumed.orphans.length ? ` (${job.resumed.orphans.length} stored tasks no longer in the workflow)` : ''}`
    : `started job ${id} (new)`;
  const note = prebuilt
    ? '; note: a prebuilt Job ignores --state-dir and --poll-interval, export a function to use them'
    : '';
  return `rnr: ${resumed}; state in ${printable(where)}, polling every ${job.pollIntervalMs}ms${note}`;
}

/**
 * The last line of a run that ends (without --hold). Nothing serves the job afterwards, so a job
 * that did not succeed is told how to act on it: serve it again with --hold (it resumes from its
 * store), then retry or skip what failed.
 */
function endLine(job: Job, state: string, file: string, options: RunCommandOptions, ended = 'ended'): string {
  const head = `rnr: job ${printable(job.id)} ${ended} ${state}`;
  if (state === 'SUCCESS') return head;
  const failed = firstFailedLeaf(job);
  const again = [
    'rnr run',
    shellQuote(file),
    ...(options.stateDir === '.rnr' ? [] : ['--state-dir', shellQuote(options.stateDir)]),
    ...(options.port === 7300 || options.port === 0 ? [] : ['--port', String(options.port)]),
    '--hold',
  ].join(' ');
  const server = options.port === 0 ? undefined : `http://${options.host}:${options.port}`;
  const act = failed
    ? `, then \`${commandFor('retry', job.id, failed, server === defaultServer ? undefined : server)}\`${options.port === 0 ? ' with --server <the URL it prints>' : ''} (or use the web view)`
    : ', then act on it with rnr set/retry/skip or the web view';
  return `${head}; its state is saved, but nothing serves it now. To act on it, serve it again: \`${again}\` (it resumes)${act}`;
}

/** The id of the first FAILED leaf (depth first), or of the root when no leaf failed. */
function firstFailedLeaf(job: Job): string | undefined {
  const stack = [job.snapshot().root];
  let failedNested: string | undefined;
  for (let task = stack.pop(); task; task = stack.pop()) {
    if (task.state === TaskState.FAILED) {
      if (task.children.length === 0) return task.id;
      failedNested ??= task.id;
    }
    for (let i = task.children.length - 1; i >= 0; i--)
      stack.push(task.children[i] as (typeof stack)[number]);
  }
  return failedNested;
}
