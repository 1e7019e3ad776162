import { RnrError } from '../errors.js';
import type { Clock } from './clock.js';
import { RunTrigger } from './messages.js';
import { isTaskSpec } from './specs.js';
import type { Store } from './store.js';
import { slug } from './task-index.js';
import type { JobOptions, RunFields } from './types.js';

const show = (v: unknown) => (typeof v === 'function' ? 'a function' : (JSON.stringify(v) ?? String(v)));

function invalid(what: string, value: unknown, expected: string): never {
  throw new RnrError('RNR_ERR_INVALID_OPTION', `createJob ${what}: got ${show(value)}, expected ${expected}`);
}

/** Validates `createJob` options at the edge, naming the bad value and what was expected. */
export class JobOptionsChecker {
  readonly id: string;
  readonly name: string;
  readonly pollIntervalMs: number;
  readonly store: Store | undefined;
  readonly clock: Clock | undefined;
  readonly inspect: JobOptions['inspect'];
  /** The run this job is (a job created without `run`: run 1 of workflow = its id). */
  readonly run: RunFields;

  constructor(options: JobOptions) {
    if (typeof options !== 'object' || options === null) invalid('options', options, 'an object');
    if (typeof options.name !== 'string' || options.name.trim() === '')
      invalid('name', options.name, 'a non-empty string');
    this.name = options.name;
    if (
      options.id !== undefined &&
      (typeof options.id !== 'string' || options.id.trim() === '' || /[\s/]/.test(options.id))
    ) {
      invalid('id', options.id, 'a non-empty string without spaces or "/"');
    }
    const run = runFields(options.run);
    this.id = options.id ?? (run ? `${run.workflow}-${run.run}` : slug(options.name));
    this.run = run ?? {
      workflow: this.id,
      run: 1,
      input: {},
      trigger: RunTrigger.TRIGGER_UNSPECIFIED,
      startedBy: '',
      labels: {},
    };
    if (!isTaskSpec(options.root))
      invalid('root', options.root, 'a task spec from callbackTask, nestedTask or machineTask');
    const interval = options.pollIntervalMs ?? 5000;
    if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
      invalid('pollIntervalMs', options.pollIntervalMs, 'a positive number of milliseconds');
    }
    this.pollIntervalMs = interval;
    const store = options.store;
    if (
      store !== undefined &&
      (typeof store !== 'object' ||
        store === null ||
        typeof store.commit !== 'function' ||
        typeof store.openRun !== 'function')
    ) {
      invalid('store', store, 'a Store such as memoryStore() or sqliteStore(path)');
    }
    this.store = store;
    const clock = options.clock;
    if (
      clock !== undefined &&
      (typeof clock !== 'object' ||
        clock === null ||
        typeof clock.now !== 'function' ||
        typeof clock.setTimeout !== 'function' ||
        typeof clock.clearTimeout !== 'function')
    ) {
      invalid('clock', clock, 'an object with now(), setTimeout() and clearTimeout()');
    }
    this.clock = clock;
    if (options.inspect !== undefined && typeof options.inspect !== 'function')
      invalid('inspect', options.inspect, "a function of XState's InspectionEvent");
    this.inspect = options.inspect;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `run` option, checked, with its defaults; undefined when not given. */
function runFields(run: JobOptions['run']): RunFields | undefined {
  if (run === undefined) return undefined;
  if (!isObject(run)) invalid('run', run, 'an object such as a RunRecord from store.createRun');
  const {
    workflow,
    run: n,
    input = {},
    trigger = RunTrigger.TRIGGER_UNSPECIFIED,
    startedBy = '',
    labels = {},
  } = run;
  if (typeof workflow !== 'string' || workflow.trim() === '' || /[\s/]/.test(workflow))
    invalid('run.workflow', workflow, 'a non-empty string without spaces or "/"');
  if (!Number.isInteger(n) || n < 1) invalid('run.run', n, 'an integer of at least 1');
  if (!isObject(input)) invalid('run.input', input, 'a JSON object');
  if (!Object.values(RunTrigger).includes(trigger)) invalid('run.trigger', trigger, 'a RunTrigger');
  if (typeof startedBy !== 'string') invalid('run.startedBy', startedBy, 'a string');
  if (!isObject(labels) || Object.values(labels).some((v) => typeof v !== 'string'))
    invalid('run.labels', labels, 'an object of strings');
  return { workflow, run: n, input, trigger, startedBy, labels: { ...(labels as Record<string, string>) } };
}
