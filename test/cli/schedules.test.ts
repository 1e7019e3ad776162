import { describe, expect, it } from 'vitest';
import { rnr, spawnRnr, stateDir } from './harness.js';

describe('rnr serve: schedules', () => {
  it('logs each schedule’s next run; rnr workflows shows its timezone and the NEXT column', async () => {
    const proc = spawnRnr([
      'serve',
      'test/fixtures/cli-scheduled.ts',
      '--port',
      '0',
      '--state-dir',
      stateDir(),
    ]);
    try {
      const [, url] = await proc.waitFor(/serving .* at (http:\/\/\S+)/, 'stderr');
      expect(proc.stderr()).toMatch(
        /workflow cert-check schedule "17 \* \* \* \*" UTC: next run \d{4}-\d\d-\d\dT\d\d:17:00\.000Z/,
      );
      expect(proc.stderr()).toMatch(
        /workflow cert-check schedule "0 4 \* \* \*" Asia\/Tokyo: next run .*T19:00:00\.000Z/,
      );
      const listed = await rnr(['workflows', '--server', url as string]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/^WORKFLOW\s+INPUT\s+CONCURRENCY\s+SCHEDULES\s+NEXT\s+DESCRIPTION$/m);
      // NEXT is the soonest fire: the hourly one at :17, or Tokyo's 04:00 (19:00 UTC) from 18:17 UTC.
      expect(listed.stdout).toMatch(
        /^cert-check\s+fleet\s+-\s+17 \* \* \* \*, 0 4 \* \* \* Asia\/Tokyo\s+\d{4}-\d\d-\d\d \d\d:(\d7|00) \(in (\d+m\d\ds|\d+s)\)\s+checks certificates hourly$/m,
      );
      const json = await rnr(['workflows', '--server', url as string, '-o', 'json']);
      const [hourly] = (JSON.parse(json.stdout) as { workflows: { schedules: { nextAt: number }[] }[] })
        .workflows[0]!.schedules;
      expect(hourly?.nextAt).toBeGreaterThan(Date.now());
      expect(hourly?.nextAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
    } finally {
      proc.proc.kill('SIGTERM');
      await proc.exited;
    }
  });

  it('refuses to start, exit 2, on a schedule input the workflow refuses (workflow, index, each issue) or a bad cron', async () => {
    const input = await rnr([
      'serve',
      'test/fixtures/cli-scheduled-bad-input.ts',
      '--port',
      '0',
      '--state-dir',
      stateDir(),
    ]);
    expect(input.code).toBe(2);
    expect(input.stderr).toMatch(
      /RNR_ERR_INVALID_INPUT|workflow bad-schedule: the input of a schedule fails its validator/,
    );
    expect(input.stderr).toMatch(/schedules\[1\]\.input: fleet: [^;|]+; limit: /);
    expect(input.stderr).not.toMatch(/serving/);
    const cron = await rnr([
      'serve',
      'test/fixtures/cli-scheduled-bad-cron.ts',
      '--port',
      '0',
      '--state-dir',
      stateDir(),
    ]);
    expect(cron.code).toBe(2);
    expect(cron.stderr).toMatch(
      /schedules\[0\]\.cron "61 \* \* \* \*": minute field "61": invalid value for minute: 61/,
    );
  });
});
