// `rnr watch` survives a server restart: it reconnects with since=<last seq>, and the events it
// shows stay contiguous (none lost, none doubled) across the gap.
import { expect, it } from 'vitest';
import { rnr, spawnRnr, startRun } from './harness.js';

it('rnr watch reconnects across a restart of rnr run without losing or doubling events', async () => {
  const first = await startRun('cli-ops.ts');
  await first.run.waitFor(/ops\/gate +RUNNING → ACTION_PENDING/);
  const watch = spawnRnr(['watch', 'ops', '--server', first.url]);
  await watch.waitFor(/watching job ops/);

  first.run.proc.kill('SIGINT');
  expect((await first.run.exited).code).toBe(130);
  await watch.waitFor(/event stream closed; reconnecting/);

  const port = new URL(first.url).port;
  const again = spawnRnr(['run', 'test/fixtures/cli-ops.ts', '--port', port, '--state-dir', first.dir]);
  await again.waitFor(/resumed run ops from seq \d+/, 'stderr');
  const approve = await rnr(['approve', 'ops', 'ops/gate', '--server', first.url, '--as', 'bob']);
  expect(approve.code).toBe(0);
  await rnr(['retry', 'ops', 'ops/flaky', '--server', first.url]);
  await rnr(['skip', 'ops', 'ops/spare', '--server', first.url]);
  await rnr(['skip', 'ops', 'ops/extra', '--server', first.url]);

  const watched = await watch.exited;
  expect(watched.code).toBe(0);
  expect(watched.stdout).toMatch(/ops\/gate +ACTION_PENDING → RUNNING .*\[approve by bob\]/);
  const seqs = [...watched.stdout.matchAll(/ #(\d+) /g)].map((m) => Number(m[1]));
  expect(seqs.length).toBeGreaterThan(3);
  expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i));
  expect((await again.exited).code).toBe(0);
}, 90_000);
