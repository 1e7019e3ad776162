/**
 * Crash soak: runs the crash scenario of test/store-crash.test.ts until the driver has been
 * SIGKILLed at least `--kills` times (default 50) at random moments, each episode on a fresh store
 * file, and fails (exit 1) on the first thing acknowledged or published that the store lost.
 *
 * usage: node bin/run-ts.js bench/store-soak.ts [--kills 50] [--seed 1]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { crashScenario } from '../test/fixtures/store-crash-check.js';

const { values } = parseArgs({ options: { kills: { type: 'string' }, seed: { type: 'string' } } });
const wanted = Number(values.kills ?? 50);
let seed = Number(values.seed ?? Date.now() % 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'rnr-soak-'));
const start = performance.now();
const total = { kills: 0, runs: 0, events: 0, acks: 0, episodes: 0 };
console.log(`crash soak: at least ${wanted} SIGKILLs, first seed ${seed}`);
try {
  while (total.kills < wanted) {
    const report = await crashScenario(`sqlite:${join(dir, `episode-${total.episodes}.db`)}`, 6, seed);
    total.episodes++;
    total.kills += report.kills;
    total.runs += report.runs;
    total.events += report.events;
    total.acks += report.acks;
    if (report.problems.length > 0) {
      console.error(`episode ${total.episodes} (seed ${seed}) FAILED:\n  ${report.problems.join('\n  ')}`);
      process.exitCode = 1;
      break;
    }
    seed++;
  }
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  console.log(
    `${total.episodes} episodes, ${total.kills} kills, ${total.runs} runs, ${total.events} published events and ${total.acks} acknowledged actions checked in ${seconds} s: ${process.exitCode ? 'FAILED' : 'nothing lost, no seq reused, every job finished SUCCESS'}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
