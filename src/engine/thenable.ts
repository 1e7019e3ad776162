/** A thenable's `then`, as read off the value. */
export type ThenFn = (
  onFulfilled: (value: unknown) => void,
  onRejected: (reason: unknown) => void,
) => unknown;

/**
 * The `then` method of `value` when it is a thenable (a promise or any object or function with a
 * callable `then`), else undefined. Reading `then` runs the user's getter or Proxy trap, so this
 * throws what they throw: callers treat that as the value's error.
 *
 * @example
 * thenOf(Promise.resolve(1)); // Promise.prototype.then
 * thenOf({ state: 'SUCCESS' }); // undefined
 */
export function thenOf(value: unknown): ThenFn | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  const then: unknown = (value as { then?: unknown }).then;
  return typeof then === 'function' ? (then as ThenFn) : undefined;
}

/**
 * A promise that adopts a thenable, given its `then` (from {@link thenOf}): it settles as the
 * thenable does, and rejects with what `then` throws. `then` is called once, now; a thenable that
 * never calls back leaves the promise pending, as a promise that never settles would.
 *
 * @example
 * adopt(value, thenOf(value)).then(onResult, onError);
 */
export function adopt(value: unknown, then: ThenFn): Promise<unknown> {
  // The executor turns a throwing `then` into a rejection; resolving with a value that is itself a
  // thenable (or a Proxy whose `then` trap throws) is handled by the promise machinery the same way.
  return new Promise((resolve, reject) => {
    then.call(value, resolve, reject);
  });
}
