/**
 * Client verb latency (issue 11): how long `rnr ls` and `rnr get` take, end to end as a shell
 * sees them (process start to exit), against a server in this process, beside the same request
 * made with curl and beside `node -e 0` (Node's own start, the floor of any Node CLI), in one
 * interleaved run so that load on the machine colours them alike. The verbs run from the build
 * (dist/, rebuilt first), as installed users run them; the old way (the TypeScript sources
 * through tsx, what a checkout runs) is measured too, for comparison.
 *
 * Target: `rnr ls` median ≤ 150 ms.
 *
 * usage: node bin/run-ts.js bench/cli.ts [--rounds 31]   (or `npm run bench -- cli`)
 */
import { execFileSync, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { callbackTask, createJob, nestedTask } from '../src/index.js';
import { createServer } from '../src/server/index.js';
import { figure, machineLine, median, section } from './report.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg('--rounds', 31);

/** Wall time of one command, from spawn to exit, in ms (fails on a non-zero exit). */
function timeOnce(command: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'ignore' });
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0
        ? done(performance.now() - t0)
        : fail(new Error(`${command} ${args.join(' ')} exited ${code}`)),
    );
  });
}

function hasCurl(): boolean {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

section(`Client verbs (${await machineLine()})`);
console.log(
  `  load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
execFileSync(process.execPath, ['scripts/build.mjs', '--no-ui'], { cwd: root, stdio: 'ignore' });

const job = createJob({
  id: 'bench',
  name: 'bench',
  pollIntervalMs: 1000,
  root: nestedTask({
    name: 'bench',
    parallelism: 5,
    children: Array.from({ length: 20 }, (_, i) => callbackTask({ name: `vm-${i}`, poll: () => undefined })),
  }),
});
job.start();
const app = createServer({ jobs: [job] });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

const dist = { RNR_FROM_DIST: '1', NO_COLOR: '1' };
const cases: { name: string; run: () => Promise<number>; rounds: number }[] = [
  ...(hasCurl()
    ? [
        {
          name: 'curl GET /api/v1/jobs',
          run: () => timeOnce('curl', ['-sf', '-o', '/dev/null', `${url}/api/v1/jobs`]),
          rounds,
        },
      ]
    : []),
  { name: 'node -e 0 (Node start, the floor)', run: () => timeOnce(process.execPath, ['-e', '0']), rounds },
  {
    name: 'rnr ls (built)',
    run: () => timeOnce(process.execPath, ['bin/rnr.js', 'ls', '--server', url], dist),
    rounds,
  },
  {
    name: 'rnr get bench (built)',
    run: () => timeOnce(process.execPath, ['bin/rnr.js', 'get', 'bench', '--server', url], dist),
    rounds,
  },
  {
    name: 'rnr ls (sources through tsx, as before)',
    run: () => timeOnce(process.execPath, ['bin/rnr.js', 'ls', '--server', url], { NO_COLOR: '1' }),
    rounds: Math.min(rounds, 9),
  },
];
const times = new Map(cases.map((c) => [c.name, [] as number[]]));
for (let i = 0; i < rounds; i++) {
  for (const c of cases) if (i < c.rounds) times.get(c.name)?.push(await c.run());
}
await app.close();
await job.close();

const med = (name: string) => median(times.get(name) ?? []);
const curl = hasCurl() ? med('curl GET /api/v1/jobs') : Number.NaN;
for (const c of cases) {
  const m = med(c.name);
  const ratio = Number.isNaN(curl) || c.name.startsWith('curl') ? '' : `  (${(m / curl).toFixed(1)}× curl)`;
  const target = c.name === 'rnr ls (built)' ? { text: '≤ 150 ms', met: m <= 150 } : undefined;
  figure(`${c.name}, median of ${times.get(c.name)?.length} (ms)`, `${m.toFixed(0)}${ratio}`, target);
}
figure(
  'rnr ls above Node start (median, ms)',
  (med('rnr ls (built)') - med('node -e 0 (Node start, the floor)')).toFixed(0),
);
console.log(
  `  load average at end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
