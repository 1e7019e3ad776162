/** The signals `rnr run` and `rnr watch` stop on, with the exit code each maps to. */
export const signalExitCodes = { SIGINT: 130, SIGTERM: 143 } as const;

/** A signal rnr handles. */
export type StopSignal = keyof typeof signalExitCodes;

/**
 * Calls `onStop` once on the first SIGINT or SIGTERM so the command can wind down cleanly; a
 * second signal while it does exits at once (a second Ctrl-C is the operator's "now"). Returns a
 * function that removes the handlers.
 *
 * @example
 * const off = onStopSignal((signal) => shutdown(signalExitCodes[signal]));
 */
export function onStopSignal(onStop: (signal: StopSignal) => void): () => void {
  let stopping = false;
  const handler = (signal: StopSignal) => {
    if (stopping) {
      process.stderr.write(`\nrnr: ${signal} again, exiting now\n`);
      process.exit(signalExitCodes[signal]);
    }
    stopping = true;
    onStop(signal);
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}

/** Resolves with `promise`'s outcome, or with `'timeout'` after `ms` (the timer does not hold the process). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((done) => {
    timer = setTimeout(() => done('timeout'), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
