/** Shared helpers of the benchmarks: medians, percentiles and a uniform figure line. */

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The p-th percentile (nearest rank) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Prints a section heading. */
export function section(title: string): void {
  console.log(`\n## ${title}`);
}

/** Prints one figure, with its target and whether it is met when a target is given. */
export function figure(name: string, value: string, target?: { text: string; met: boolean }): void {
  const verdict = target ? `  target ${target.text}: ${target.met ? 'MET' : 'MISSED'}` : '';
  console.log(`  ${name.padEnd(58)} ${value}${verdict}`);
}

/** Forces a full GC when node runs with --expose-gc. */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** A short description of the machine the figures come from. */
export async function machineLine(): Promise<string> {
  const os = await import('node:os');
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
}
