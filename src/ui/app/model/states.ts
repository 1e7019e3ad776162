import type { WireState } from '../api/wire.js';

/** Task state names in proto order (index = the proto number). */
export const stateNames = [
  'UNKNOWN',
  'PENDING',
  'RUNNING',
  'SUCCESS',
  'FAILED',
  'SKIPPED',
  'ACTION_PENDING',
] as const;

/** A task state's name. */
export type StateName = (typeof stateNames)[number];

/** Proto numbers of the states the view reasons about. */
export const S = {
  UNKNOWN: 0,
  PENDING: 1,
  RUNNING: 2,
  SUCCESS: 3,
  FAILED: 4,
  SKIPPED: 5,
  ACTION_PENDING: 6,
} as const;

/** How each state looks: a symbol (never colour alone), a label and a CSS class. */
export const stateLook: readonly { symbol: string; label: string; cls: string }[] = [
  { symbol: '?', label: 'Unknown', cls: 's-unknown' },
  { symbol: '○', label: 'Pending', cls: 's-pending' },
  { symbol: '▶', label: 'Running', cls: 's-running' },
  { symbol: '✓', label: 'Success', cls: 's-success' },
  { symbol: '✗', label: 'Failed', cls: 's-failed' },
  { symbol: '↷', label: 'Skipped', cls: 's-skipped' },
  { symbol: '!', label: 'Needs action', cls: 's-action' },
];

/** The order states are listed in filters and counts: what needs attention first. */
export const displayOrder: readonly number[] = [6, 4, 2, 1, 3, 5, 0];

/** A wire state (name or number) as its proto number; unknown names become UNKNOWN. */
export function parseState(state: WireState | undefined): number {
  if (typeof state === 'number') return state >= 0 && state <= 6 ? state : 0;
  if (state === undefined) return 0;
  const i = (stateNames as readonly string[]).indexOf(state);
  return Math.max(i, 0);
}

/** True for SUCCESS, FAILED and SKIPPED. */
export function isDoneState(state: number): boolean {
  return state === S.SUCCESS || state === S.FAILED || state === S.SKIPPED;
}

/** True for RUNNING and ACTION_PENDING. */
export function isActiveState(state: number): boolean {
  return state === S.RUNNING || state === S.ACTION_PENDING;
}

/** The name of a state number. */
export function nameOf(state: number): StateName {
  return stateNames[state] ?? 'UNKNOWN';
}
