export type {
  WireApproval,
  WireEvent,
  WireJob,
  WireJobHalt,
  WireJobSummary,
  WireMachineStatus,
  WireState,
  WireTask,
} from '../../../wire/json.js';

/** The error body of every 4xx/5xx answer. */
export interface WireError {
  error?: { code?: string; message?: string };
}

/** The operator actions of the control API. */
export type OperatorOp = 'state' | 'retry' | 'skip' | 'approve' | 'pause' | 'resume' | 'parallelism';

/** The event causes, by proto number. */
export const causeNames: readonly string[] = ['POLL', 'SCHEDULER', 'OPERATOR', 'SYSTEM'];

/** A cause as a name, whether it came as a name or a number. */
export function causeName(cause: string | number | undefined): string {
  if (typeof cause === 'number') return causeNames[cause] ?? String(cause);
  return cause ?? 'POLL';
}

/** True for a nested task, whether the kind came as a name or a number. */
export function isNestedKind(kind: string | number | undefined): boolean {
  return kind === 'NESTED' || kind === 1;
}

/** True for a machine task. */
export function isMachineKind(kind: string | number | undefined): boolean {
  return kind === 'MACHINE' || kind === 2;
}
