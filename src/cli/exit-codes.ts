import { CommanderError } from 'commander';
import { describeError, isRnrError, RnrError, type RnrErrorCode } from '../errors.js';
import { printable } from './format.js';

/**
 * The exit codes of the `rnr` command. Scripts rely on them; docs/cli.md lists them.
 */
export const ExitCode = {
  /** `rnr run`: the root ended SUCCESS. Client verbs: the request succeeded. */
  SUCCESS: 0,
  /** `rnr run`/`rnr watch`: the root ended FAILED. Client verbs: the server refused or failed. */
  FAILED: 1,
  /** A bad workflow file, a bad flag or argument, a port or state directory in use. */
  USAGE: 2,
  /** Interrupted by SIGINT (Ctrl-C). */
  SIGINT: 130,
  /** Terminated by SIGTERM. */
  SIGTERM: 143,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Codes that mean "the command line was wrong": exit 2 rather than 1. */
const usageCodes = new Set<RnrErrorCode>([
  'RNR_ERR_USAGE',
  'RNR_ERR_WORKFLOW_NOT_FOUND',
  'RNR_ERR_WORKFLOW_LOAD',
  'RNR_ERR_WORKFLOW_INVALID',
  'RNR_ERR_PORT_IN_USE',
  'RNR_ERR_INSECURE_LISTEN',
  'RNR_ERR_INVALID_STATE',
  'RNR_ERR_INVALID_PARALLELISM',
  'RNR_ERR_INVALID_OPTION',
  'RNR_ERR_DUPLICATE_TASK_ID',
  'RNR_ERR_JOB_LOCKED',
  'RNR_ERR_INVALID_INPUT',
  'RNR_ERR_WORKFLOW_UNKNOWN',
  'RNR_ERR_DUPLICATE_WORKFLOW',
  'RNR_ERR_CONFLICT',
]);

/**
 * The exit code for an error that ended a command: 2 for bad invocations (see {@link ExitCode}),
 * the commander exit code for parse errors, 1 for anything else.
 */
export function exitCodeFor(err: unknown): ExitCodeValue {
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.SUCCESS : ExitCode.USAGE;
  if (isRnrError(err) && usageCodes.has(err.code)) return ExitCode.USAGE;
  return ExitCode.FAILED;
}

/** Shorthand for a usage error naming the bad value and what was expected. */
export function usageError(message: string): RnrError {
  return new RnrError('RNR_ERR_USAGE', message);
}

/**
 * Writes the one-line report of an error to stderr: `rnr: <message>`; with `debug`, the stack
 * (and causes) follow.
 */
export function reportError(
  err: unknown,
  debug: boolean,
  stderr: NodeJS.WritableStream = process.stderr,
): void {
  const line = printable(describeError(err).split('\n')[0] ?? 'unknown error');
  const code = isRnrError(err) && debug ? ` [${err.code}]` : '';
  stderr.write(`rnr: ${line}${code}\n`);
  if (!debug) return;
  let current: unknown = err;
  while (current instanceof Error) {
    stderr.write(`${current.stack ?? current.message}\n`);
    current = current.cause;
    if (current !== undefined) stderr.write('caused by: ');
  }
}
