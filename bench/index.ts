/**
 * `npm run bench`: every benchmark of the project, one after the other, each in its own process
 * (so one's heap and JIT state do not colour the next). Each prints its figures, its baseline
 * measured in the same run, and whether its target is met. Not part of `npm test`.
 *
 * usage: npm run bench [-- engine store …]   (default: all that exist)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const all = [
  'engine',
  'machine',
  'store',
  'postgres',
  'cluster',
  'cluster-api',
  'server',
  'server-replay',
  'runs',
  'ui',
  'cli',
];
const root = fileURLToPath(new URL('..', import.meta.url));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : all;
let failed = 0;
for (const name of names) {
  const file = `bench/${name}.ts`;
  if (!existsSync(`${root}/${file}`)) {
    console.log(`\n## ${name}: no bench/${name}.ts`);
    continue;
  }
  const t0 = performance.now();
  const result = spawnSync(process.execPath, ['--expose-gc', 'bin/run-ts.js', file], {
    cwd: root,
    stdio: 'inherit',
  });
  console.log(`  (${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  if (result.status !== 0) {
    failed++;
    console.log(`  ${name}: exited with ${result.status ?? result.signal}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
