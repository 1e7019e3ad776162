import { describe, expect, it } from 'vitest';
import { JobModel } from '../../src/cli/job-model.js';
import { frame } from '../../src/cli/live-view.js';
import { eventJson, jobJson, taskJson } from '../fixtures/wire-json.js';
import { hasScript, spawnInTerminal, stateDir } from './harness.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing colour codes.
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

/** A job that started 4.5 minutes ago: `up/fleet` is paused with three tasks not yet started. */
function model(): JobModel {
  const m = new JobModel(
    jobJson({
      name: 'upgrade',
      seq: 10,
      root: {
        id: 'up',
        kind: 'NESTED',
        state: 'RUNNING',
        startedAt: NOW - 270_000,
        children: [
          {
            id: 'up/canary',
            kind: 'CALLBACK',
            state: 'RUNNING',
            startedAt: NOW - 12_000,
            message: 'draining',
          },
          {
            id: 'up/fleet',
            kind: 'NESTED',
            state: 'RUNNING',
            paused: false,
            children: ['a', 'b', 'c'].map((vm) => ({
              id: `up/fleet/${vm}`,
              kind: 'CALLBACK',
              state: 'PENDING',
            })),
          },
        ],
      },
    }),
  );
  m.apply(
    eventJson({
      seq: 11,
      taskId: 'up/fleet',
      from: 'RUNNING',
      to: 'RUNNING',
      paused: true,
      cause: 'OPERATOR',
      action: 'pause',
      actor: 'ana',
      reason: 'change freeze',
      time: NOW - 5_000,
    }),
  );
  return m;
}

describe('live view', () => {
  it("counts from the root's own start, not from when the view began", () => {
    const text = plain(frame(model(), 100, 30, NOW));
    expect(text.split('\n')[0]).toBe('upgrade (job up)  ▶ RUNNING  4m30s');
    const done = model();
    done.apply(eventJson({ seq: 12, taskId: 'up', from: 'RUNNING', to: 'SUCCESS', time: NOW - 60_000 }));
    // A finished job shows how long it took, however long ago it ended.
    expect(plain(frame(done, 100, 30, NOW + 3_600_000)).split('\n')[0]).toBe(
      'upgrade (job up)  ✓ SUCCESS  3m30s',
    );
  });

  it('shows a paused branch, who paused it, what it holds back and how to resume it', () => {
    const text = plain(frame(model(), 120, 30, NOW, { server: 'http://127.0.0.1:7300' }));
    expect(text).toContain('‖ 1 paused');
    expect(text).toContain('‖ up/fleet  paused, holds back 3 pending tasks [paused by ana: change freeze]');
    expect(text).toContain('    → rnr resume up up/fleet');
    expect(text).toMatch(/▶ up\/canary +12s {2}draining/);
  });

  it('shows a pending retry from the events: when, and which attempt; gone once it starts', () => {
    const m = model();
    m.add(
      taskJson({
        id: 'up/canary',
        kind: 'CALLBACK',
        state: 'RUNNING',
        maxAttempts: 5,
        startedAt: NOW - 12_000,
      }),
    );
    const waiting = 'retrying in 30s, attempt 2/5; attempt 1 failed: timeout';
    m.apply(
      eventJson({
        seq: 12,
        taskId: 'up/canary',
        from: 'RUNNING',
        to: 'RUNNING',
        message: waiting,
        retryAt: NOW + 25_000,
        time: NOW - 5_000,
      }),
    );
    expect(plain(frame(m, 160, 30, NOW))).toMatch(
      /▶ up\/canary +12s retry in 25s \(attempt 2\/5\) {2}retrying in 30s/,
    );
    m.apply(
      eventJson({
        seq: 13,
        taskId: 'up/canary',
        from: 'RUNNING',
        to: 'RUNNING',
        attempt: 1,
        message: 'starting attempt 2/5',
        time: NOW + 25_000,
      }),
    );
    const after = plain(frame(m, 160, 30, NOW + 25_000));
    expect(after).toMatch(/▶ up\/canary +37s attempt 1 {2}starting attempt 2\/5/);
    expect(after).not.toContain('retry in');
  });

  it('offers no command once nothing serves the job', () => {
    const text = plain(frame(model(), 120, 30, NOW, { serving: false }));
    expect(text).toContain('‖ up/fleet  paused');
    expect(text).not.toContain('→');
  });

  it.skipIf(!hasScript())(
    'on a terminal, rnr run lists the paused branch of a job that does not move',
    async () => {
      const run = spawnInTerminal(
        `stty cols 120 rows 30; node bin/rnr.js run test/fixtures/cli-paused.ts --port 0 --state-dir ${stateDir()}`,
      );
      try {
        // Paused before the view began: who paused it is in the event log, not in the snapshot.
        await run.waitFor(/‖ paused\/fleet {2}paused, holds back 3 pending tasks/);
        await run.waitFor(/✓ 1 success {2}▶ 1 running {2}· 4 pending {2}‖ 1 paused/);
        await run.waitFor(/→ rnr resume paused paused\/fleet --server/);
      } finally {
        run.interrupt();
      }
      await run.exited;
    },
  );
});
