import { describeValue, RnrError } from '../errors.js';
import { checkRetry, type RetryOptions } from './retry-policy.js';
import type { CallbackTaskSpec, ChildrenSource, NestedTaskSpec, PollFn, TaskSpec } from './types.js';
import { TaskKind } from './types.js';

/** Brands the objects made by the task builders, so a stray object is rejected as a child. */
export const specBrand: unique symbol = Symbol.for('rnr.taskSpec');

/** Options of {@link callbackTask}. */
export interface CallbackTaskOptions {
  /** Unique in the job; default: parent id + '/' + a slug of the name. */
  id?: string;
  name: string;
  /** Called once per tick while the task runs; what it returns sets the state. */
  poll: PollFn;
  /** Consecutive poll errors tolerated before FAILED. Default 0. */
  retries?: number;
  /** A poll that runs longer is a poll error. Default: no limit. */
  pollTimeoutMs?: number;
  /**
   * Automatic retries: a try that FAILED is tried again (attempt + 1) after the backoff, up to
   * `attempts` tries in all. Default: none.
   */
  retry?: RetryOptions;
  labels?: Record<string, string>;
}

/** Options of {@link nestedTask}. */
export interface NestedTaskOptions {
  id?: string;
  name: string;
  /** Task specs, or a function returning them, resolved when the task starts (and on retry). */
  children: ChildrenSource;
  /** How many children run at once. Default 1 (a sequence). */
  parallelism?: number;
  /** Once a child FAILED, start no new child. Default true. */
  failFast?: boolean;
  labels?: Record<string, string>;
}

/** A bad value as an error message shows it (never throws, even for a Proxy or a circular object). */
const describe = (v: unknown) => describeValue(v, 200);

function invalid(what: string, value: unknown, expected: string): never {
  throw new RnrError('RNR_ERR_INVALID_OPTION', `${what}: got ${describe(value)}, expected ${expected}`);
}

/** Validates the options every task builder shares. */
export function checkBase(
  builder: string,
  options: unknown,
): asserts options is { id?: string; name: string; labels?: Record<string, string> } {
  if (typeof options !== 'object' || options === null) invalid(`${builder}()`, options, 'an options object');
  const o = options as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name.trim() === '')
    invalid(`${builder}({ name })`, o.name, 'a non-empty string');
  const where = `${builder}({ name: ${JSON.stringify(o.name)} })`;
  if (o.id !== undefined && (typeof o.id !== 'string' || o.id.trim() === '' || o.id !== o.id.trim())) {
    invalid(`${where} id`, o.id, 'a non-empty string without surrounding spaces');
  }
  if (o.labels !== undefined) {
    if (typeof o.labels !== 'object' || o.labels === null || Array.isArray(o.labels))
      invalid(`${where} labels`, o.labels, 'an object of strings');
    for (const [k, v] of Object.entries(o.labels))
      if (typeof v !== 'string') invalid(`${where} label ${JSON.stringify(k)}`, v, 'a string');
  }
}

/** Checks a parallelism value; `what` names it in the error. */
export function checkParallelism(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RnrError(
      'RNR_ERR_INVALID_PARALLELISM',
      `${what}: got ${describe(value)}, expected an integer of at least 1`,
    );
  }
  return value;
}

/** True when `value` was made by a task builder. */
export function isTaskSpec(value: unknown): value is TaskSpec {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[specBrand] === true
  );
}

/** Checks that a children list holds only task specs; `owner` names the nested task. */
export function checkChildren(owner: string, children: unknown): readonly TaskSpec[] {
  if (!Array.isArray(children)) {
    throw new RnrError(
      'RNR_ERR_INVALID_OPTION',
      `nestedTask(${JSON.stringify(owner)}) children: got ${describe(children)}, expected an array of task specs`,
    );
  }
  children.forEach((child, i) => {
    if (!isTaskSpec(child)) {
      throw new RnrError(
        'RNR_ERR_INVALID_OPTION',
        `nestedTask(${JSON.stringify(owner)}) children[${i}]: got ${describe(child)}, expected a task spec from callbackTask, nestedTask or machineTask`,
      );
    }
  });
  return children;
}

/** Marks a spec object as made by a builder and freezes it. */
export function brand<T extends object>(spec: T): T {
  Object.defineProperty(spec, specBrand, { value: true });
  return Object.freeze(spec);
}

/**
 * A task driven by a poll callback, called once per tick while the task runs.
 *
 * @example
 * callbackTask({
 *   name: 'upgrade vm-1',
 *   retries: 3,
 *   async poll({ signal }) {
 *     const vm = await fleet.get('vm-1', { signal });
 *     if (vm.version === '2.0') return true;
 *     if (!vm.upgrading) await fleet.startUpgrade('vm-1');
 *     return { message: `upgrading: ${vm.progress}%` };
 *   },
 * });
 */
export function callbackTask(options: CallbackTaskOptions): CallbackTaskSpec {
  checkBase('callbackTask', options);
  const where = `callbackTask({ name: ${JSON.stringify(options.name)} })`;
  if (typeof options.poll !== 'function') invalid(`${where} poll`, options.poll, 'a function');
  const retries = options.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0)
    invalid(`${where} retries`, options.retries, 'an integer of at least 0');
  const timeout = options.pollTimeoutMs;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout))) {
    invalid(`${where} pollTimeoutMs`, timeout, 'a positive number of milliseconds');
  }
  const retry = checkRetry(where, options.retry);
  const spec: CallbackTaskSpec = { kind: TaskKind.CALLBACK, name: options.name, poll: options.poll, retries };
  const out = spec as { -readonly [K in keyof CallbackTaskSpec]: CallbackTaskSpec[K] };
  if (options.id !== undefined) out.id = options.id;
  if (timeout !== undefined) out.pollTimeoutMs = timeout;
  if (retry !== undefined) out.retry = retry;
  if (options.labels !== undefined) out.labels = { ...options.labels };
  return brand(out);
}

/**
 * A task whose work is its children, run under a parallelism limit.
 *
 * @example
 * nestedTask({
 *   name: 'zone-a',
 *   parallelism: 5,
 *   children: vms.map((vm) => upgradeVm(vm)),
 * });
 */
export function nestedTask(options: NestedTaskOptions): NestedTaskSpec {
  checkBase('nestedTask', options);
  const where = `nestedTask({ name: ${JSON.stringify(options.name)} })`;
  const parallelism = checkParallelism(`${where} parallelism`, options.parallelism ?? 1);
  const failFast = options.failFast ?? true;
  if (typeof failFast !== 'boolean') invalid(`${where} failFast`, options.failFast, 'a boolean');
  const children =
    typeof options.children === 'function' ? options.children : checkChildren(options.name, options.children);
  const spec = { kind: TaskKind.NESTED, name: options.name, children, parallelism, failFast } as {
    -readonly [K in keyof NestedTaskSpec]: NestedTaskSpec[K];
  };
  if (options.id !== undefined) spec.id = options.id;
  if (options.labels !== undefined) spec.labels = { ...options.labels };
  return brand(spec);
}
