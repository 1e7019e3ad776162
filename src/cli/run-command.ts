import { describeError } from '../errors.js';
import { type Job, stateName, TaskState } from '../index.js';
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
import type { InputFlags } from './input-args.js';
import type { RunInspector } from './inspector.js';
import { JobModel } from './job-model.js';
import { liveView } from './live-view.js';
import { auditFileOf, type PreparedRun, prepareRun } from './run-target.js';
import type { ServedJob } from './serve.js';
import { onStopSignal, type StopSignal, signalExitCodes, within } from './signals.js';
import type { StoreFlags } from './store-url.js';

/** The flags of `rnr run`, parsed. */
export interface RunCommandOptions extends StoreFlags, InputFlags {
  port: number;
  host: string;
  token?: string;
  viewerToken?: string;
  pollInterval?: number;
  hold: boolean;
  quiet: boolean;
  json: boolean;
  /** `--new`: start a new run of the workflow even when one is unfinished. */
  new?: boolean;
  /** How long polls in flight may take to settle on SIGINT/SIGTERM, in ms. */
  stopTimeoutMs: number;
  /** With `--inspect`: the port of the inspector relay (0: any free port). */
  inspectPort?: number;
}

/**
 * `rnr run <file>`: loads the workflow, chooses its run (the newest unfinished one, else a new
 * one), serves the control API and web view, shows progress and resolves with the exit code: 0
 * when the root ends SUCCESS, 1 when it ends FAILED (or SKIPPED), 130/143 on SIGINT/SIGTERM. With
 * `hold`, it keeps serving after the end until a signal, then exits with the code of the root's
 * state at that moment. Whatever the workflow's code does, the process never exits 0 unless the
 * root is SUCCESS (see `guardExitCode`).
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
  let run: PreparedRun;
  try {
    run = await prepareRun(file, {
      ...options,
      new: options.new ?? false,
      ...(inspector && { inspect: inspector.inspect }),
    });
  } catch (err) {
    await inspector?.close();
    throw err;
  }
  const { job, where } = run;
  current = job;
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
    served = await run.serve({ ...options, auditFile: auditFileOf(run) });
  } catch (err) {
    await run.close();
    await inspector?.close();
    throw err;
  }
  const { app, url } = served;
  // Said on stderr whatever the output mode: a supervisor or a script learns the run's id.
  process.stderr.write(`rnr: ${run.runLine}\n`);

  const model = new JobModel(jobToJson(job.snapshot()));
  const sink = makeSink(model, options, url);
  sink.info(
    `rnr: serving ${run.workflow ? 'run' : 'job'} ${printable(job.id)} (${printable(job.name)}) at ${url}  (API /api/v1, web view /)`,
  );
  sink.info(startLine(job, where, run.prebuilt));
  if (inspector) sink.info(inspectorLine(inspector, run.prebuilt));

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
      await within(app.close(), 2000);
      await within(run.close(), options.stopTimeoutMs);
      if (inspector) await within(inspector.close(), 2000);
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
      void finish(outcome(state), endLine(run, state, file, options));
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
      void finish(outcome(model.state), endLine(run, model.state, file, options, 'had already ended'));
      return;
    }
    // A load that fails was reported above; start() cannot fail here, and logs what it would.
    void job.start();
  });
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
  const note = prebuilt
    ? '; note: a prebuilt Job ignores --state-dir and --poll-interval (and --store): export a workflow to use them'
    : '';
  return `rnr: state in ${printable(where)}, polling every ${job.pollIntervalMs}ms${note}`;
}

/**
 * The last line of a run that ends (without --hold). Nothing serves the job afterwards, so a job
 * that did not succeed is told how to act on it: serve it again with --hold (it resumes from its
 * store), then retry or skip what failed.
 */
function endLine(
  run: PreparedRun,
  state: string,
  file: string,
  options: RunCommandOptions,
  ended = 'ended',
): string {
  const { job } = run;
  const head = `rnr: ${run.workflow ? 'run' : 'job'} ${printable(job.id)} ${ended} ${state}`;
  if (state === 'SUCCESS') return head;
  const failed = firstFailedLeaf(job);
  const storeFlags = [
    ...(options.store !== undefined ? ['--store', shellQuote(options.store)] : []),
    ...(options.stateDir !== undefined ? ['--state-dir', shellQuote(options.stateDir)] : []),
    ...(options.port === 7300 || options.port === 0 ? [] : ['--port', String(options.port)]),
  ];
  // A workflow's run that ended is not resumed by rnr run (it starts a new one): rnr serve loads
  // it again when an operator acts on it.
  const again = (
    run.workflow
      ? ['rnr serve', shellQuote(file), ...storeFlags]
      : ['rnr run', shellQuote(file), ...storeFlags, '--hold']
  ).join(' ');
  const server = options.port === 0 ? undefined : `http://${options.host}:${options.port}`;
  const act = failed
    ? `, then \`${commandFor('retry', job.id, failed, server === defaultServer ? undefined : server)}\`${options.port === 0 ? ' with --server <the URL it prints>' : ''} (or use the web view)`
    : ', then act on it with rnr set/retry/skip or the web view';
  const how = run.workflow ? '(it loads the run when you act on it)' : '(it resumes)';
  return `${head}; its state is saved, but nothing serves it now. To act on it, serve it again: \`${again}\` ${how}${act}`;
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
