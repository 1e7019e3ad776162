import { stateNames, type TaskStateName } from '../../../wire/names.js';

// The state names and numbers are src/wire's (the engine's enums); this file holds only how the
// web view shows them.

/** How each state looks, by proto number: a symbol (never colour alone), a label and a CSS class. */
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

/** The name of a state number; a number the view does not know reads as UNKNOWN. */
export function nameOf(state: number): TaskStateName {
  return stateNames[state] ?? 'UNKNOWN';
}
