import { RnrError } from '../errors.js';
import type { Clock } from './clock.js';
import { isTaskSpec } from './specs.js';
import type { Store } from './store.js';
import { slug } from './task-index.js';
import type { JobOptions } from './types.js';

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
    this.id = options.id ?? slug(options.name);
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
        typeof store.openJob !== 'function')
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
