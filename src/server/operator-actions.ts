/** The operator actions of the API, as path segments and socket `op`s. */
export const operatorOps = ['state', 'retry', 'skip', 'approve', 'pause', 'resume', 'parallelism'] as const;

/** One operator action. */
export type OperatorOp = (typeof operatorOps)[number];

/** Falls back to `'anonymous'` for a missing or blank actor. */
export function actorName(value: unknown): string {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 256) : 'anonymous';
}
