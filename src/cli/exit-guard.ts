import { ExitCode } from './exit-codes.js';

/**
 * Makes `rnr run`'s exit code tell the truth whatever the workflow's own code does. Exit code 0
 * promises that the job's root ended SUCCESS; when something in the process calls
 * `process.exit(0)` (a poll, a library the workflow uses) while the root is anything else, the
 * process exits 1 instead and says why on stderr. Other codes pass through untouched. Returns a
 * function that removes the guard.
 *
 * @example
 * const unguard = guardExitCode(() => stateName(job.summary().state), job.id);
 */
export function guardExitCode(rootState: () => string, what: () => string): () => void {
  const onExit = (code: number) => {
    if (code !== ExitCode.SUCCESS) return;
    const state = rootState();
    if (state === 'SUCCESS') return;
    // Setting exitCode inside an 'exit' listener changes the code the process ends with.
    process.exitCode = ExitCode.FAILED;
    process.stderr.write(
      `rnr: something called process.exit(0) while ${what()} was ${state}; exiting 1, since 0 means the job ended SUCCESS\n`,
    );
  };
  process.on('exit', onExit);
  return () => process.off('exit', onExit);
}
