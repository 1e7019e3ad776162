import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describeValue, RnrError } from '../errors.js';
import { checkTimezone, cronTable, DEFAULT_TIMEZONE } from './cron-schedule.js';
import type { TaskSpec } from './types.js';

/** Brands the objects made by {@link workflow}, so a stray object is never taken for one. */
export const workflowBrand: unique symbol = Symbol.for('rnr.workflow');

/** A workflow's name: lower-case letters, digits and `-`, starting with a letter or digit. */
export const WORKFLOW_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Longest workflow name: its runs' ids (`<name>-<n>`) travel in URLs and file names. */
export const MAX_WORKFLOW_NAME = 100;

/** What `build` sees besides the input. */
export interface BuildContext {
  /** The run being built: its id (`<workflow>-<n>`) and number `n`. */
  run: { id: string; number: number };
  workflow: { name: string };
  /** A line for the operator (the host's log: `rnr serve`'s stderr). */
  log(line: string): void;
}

/**
 * One schedule of a workflow: a 5-field `cron` (in `timezone`, default UTC), the `input` its runs
 * get, and what to do when the last run it started is unfinished (`overlap`: `'skip'`, the
 * default, or `'allow'`). Schedules fire under `rnr serve` (docs/workflows.md, "Schedules"); the
 * cron and the time zone are checked when the workflow is defined, the input when a run host
 * registers it.
 */
export interface WorkflowSchedule {
  cron: string;
  input?: Record<string, unknown>;
  timezone?: string;
  overlap?: 'skip' | 'allow';
}

/** Options of {@link workflow}. */
export interface WorkflowDefinition<TInput = Record<string, unknown>> {
  /** `[a-z0-9][a-z0-9-]*`: unique among the workflows a process hosts; runs are `<name>-<n>`. */
  name: string;
  /** One line or a paragraph for the operator (`rnr workflows`, the web view). */
  description?: string;
  /**
   * A Standard Schema v1 validator of the run's input (zod, valibot, arktype, or any object with
   * `'~standard'`). Input is validated before a run starts; its output is the run's input. Without
   * one, any JSON object is accepted as it is.
   */
  input?: StandardSchemaV1<unknown, TInput>;
  /** The run's root task from its validated input (sync or async). */
  build: (input: TInput, ctx: BuildContext) => TaskSpec | Promise<TaskSpec>;
  /** How often runs tick (default 5000; `--poll-interval` overrides it). */
  pollIntervalMs?: number;
  /** At most this many unfinished runs at once; a start beyond it is refused. Default: no limit. */
  concurrency?: number;
  /** Finished runs kept in the store (older ones are deleted). Default 100. */
  keepRuns?: number;
  /** Runs started on a clock (`rnr serve`). */
  schedules?: readonly WorkflowSchedule[];
  /** Labels of the workflow (shown with it, copied to nothing). */
  labels?: Record<string, string>;
}

/** A workflow definition, made by {@link workflow}: frozen, validated, pure (no I/O). */
export interface Workflow<TInput = Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  readonly input: StandardSchemaV1<unknown, TInput> | undefined;
  readonly build: (input: TInput, ctx: BuildContext) => TaskSpec | Promise<TaskSpec>;
  readonly pollIntervalMs: number | undefined;
  readonly concurrency: number | undefined;
  readonly keepRuns: number;
  readonly schedules: readonly WorkflowSchedule[];
  readonly labels: Readonly<Record<string, string>>;
}

/** A workflow whatever its input type (`Workflow` is invariant in it: `build` takes it, `input` makes it). */
// biome-ignore lint/suspicious/noExplicitAny: the one place a workflow of any input is named.
export type AnyWorkflow = Workflow<any>;

/** Default of `keepRuns`. */
export const DEFAULT_KEEP_RUNS = 100;

function invalid(where: string, value: unknown, expected: string): never {
  throw new RnrError(
    'RNR_ERR_INVALID_OPTION',
    `${where}: got ${describeValue(value, 200)}, expected ${expected}`,
  );
}

function positiveInteger(where: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    invalid(where, value, `an integer of at least ${min}`);
  return value;
}

function checkSchedules(where: string, value: unknown): WorkflowSchedule[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    invalid(`${where} schedules`, value, 'an array of { cron, input?, timezone?, overlap? }');
  const seen = new Map<string, number>();
  return value.map((entry: unknown, i) => {
    const at = `${where} schedules[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      invalid(at, entry, 'an object { cron, input?, timezone?, overlap? }');
    const { cron, input, timezone, overlap, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined)
      invalid(
        `${at}.${unknown}`,
        rest[unknown],
        'no such field (a schedule has cron, input, timezone, overlap)',
      );
    const zone = timezone === undefined ? DEFAULT_TIMEZONE : checkTimezone(`${at}.timezone`, timezone);
    cronTable(`${at}.cron`, cron, zone);
    if (overlap !== undefined && overlap !== 'skip' && overlap !== 'allow')
      invalid(`${at}.overlap`, overlap, "'skip' or 'allow'");
    if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input)))
      invalid(`${at}.input`, input, 'an object');
    const same = `${String(cron).trim()}\n${zone}\n${JSON.stringify(input ?? {})}`;
    const twin = seen.get(same);
    if (twin !== undefined)
      invalid(at, entry, `a schedule unlike schedules[${twin}], which has the same cron, timezone and input`);
    seen.set(same, i);
    return Object.freeze({ ...(entry as WorkflowSchedule) });
  });
}

function checkLabels(where: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(`${where} labels`, value, 'an object of strings');
  const labels: Record<string, string> = {};
  for (const [key, label] of Object.entries(value)) {
    if (typeof label !== 'string') invalid(`${where} label ${JSON.stringify(key)}`, label, 'a string');
    Object.defineProperty(labels, key, { value: label, enumerable: true });
  }
  return Object.freeze(labels);
}

/** True when `value` is a Standard Schema v1 validator (has `'~standard'` with `validate`). */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: unknown })['~standard'];
  return (
    typeof props === 'object' &&
    props !== null &&
    (props as { version?: unknown }).version === 1 &&
    typeof (props as { validate?: unknown }).validate === 'function'
  );
}

/**
 * Defines a workflow: a name, an optional input validator, and `build`, which turns a run's
 * validated input into its root task. rnr creates each run's Job itself, with the process's store
 * and clock, so a workflow cannot lose durability by forgetting an option. Throws
 * `RNR_ERR_INVALID_OPTION` naming the bad field; the definition is frozen.
 *
 * @example
 * export default workflow({
 *   name: 'rolling-upgrade',
 *   description: 'Upgrade every VM of the fleet, zone by zone',
 *   input: z.object({ version: z.string() }),
 *   concurrency: 1,
 *   build: ({ version }) => rollingUpgrade({ fleet, version }),
 * });
 */
export function workflow<TInput = Record<string, unknown>>(
  definition: WorkflowDefinition<TInput>,
): Workflow<TInput> {
  if (typeof definition !== 'object' || definition === null)
    invalid('workflow()', definition, 'an options object { name, build, … }');
  const d = definition as unknown as Record<string, unknown>;
  const { name } = d;
  if (typeof name !== 'string' || !WORKFLOW_NAME.test(name) || name.length > MAX_WORKFLOW_NAME) {
    invalid(
      'workflow({ name })',
      name,
      `a name of lower-case letters, digits and "-" starting with a letter or digit ([a-z0-9][a-z0-9-]*, at most ${MAX_WORKFLOW_NAME} characters)`,
    );
  }
  const where = `workflow({ name: ${JSON.stringify(name)} })`;
  if (typeof d.build !== 'function')
    invalid(`${where} build`, d.build, 'a function (input, ctx) => TaskSpec');
  if (d.description !== undefined && typeof d.description !== 'string')
    invalid(`${where} description`, d.description, 'a string');
  if (d.input !== undefined && !isStandardSchema(d.input)) {
    invalid(
      `${where} input`,
      d.input,
      "a Standard Schema v1 validator (zod, valibot, arktype, or an object with '~standard': { version: 1, vendor, validate })",
    );
  }
  const interval = d.pollIntervalMs;
  if (interval !== undefined && (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0))
    invalid(`${where} pollIntervalMs`, interval, 'a positive number of milliseconds');
  const result: Workflow<TInput> = {
    name,
    description: (d.description as string | undefined) ?? '',
    input: d.input as StandardSchemaV1<unknown, TInput> | undefined,
    build: d.build as Workflow<TInput>['build'],
    pollIntervalMs: interval as number | undefined,
    concurrency: positiveInteger(`${where} concurrency`, d.concurrency, 1),
    keepRuns: positiveInteger(`${where} keepRuns`, d.keepRuns, 0) ?? DEFAULT_KEEP_RUNS,
    schedules: Object.freeze(checkSchedules(where, d.schedules)),
    labels: checkLabels(where, d.labels),
  };
  Object.defineProperty(result, workflowBrand, { value: true });
  return Object.freeze(result);
}

/** True when `value` was made by {@link workflow}. */
export function isWorkflow(value: unknown): value is AnyWorkflow {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[workflowBrand] === true
  );
}

/** The id of run `n` of a workflow: `<name>-<n>`. */
export function runId(workflowName: string, n: number): string {
  return `${workflowName}-${n}`;
}

/** A TaskSpec check for what `build` returned, naming the workflow. */
export function checkBuilt(
  workflowName: string,
  root: unknown,
  isSpec: (v: unknown) => v is TaskSpec,
): TaskSpec {
  if (!isSpec(root)) {
    throw new RnrError(
      'RNR_ERR_WORKFLOW_INVALID',
      `workflow ${JSON.stringify(workflowName)}: build returned ${describeValue(root, 120)}, expected a task spec from callbackTask, nestedTask or machineTask`,
    );
  }
  return root;
}
