import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callbackTask, nestedTask, workflow } from '../../src/index.js';
import { createTestEnvironment, hours, minutes } from '../../src/testing/index.js';

const deploy = workflow({
  name: 'deploy',
  input: z.object({
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'a version like 1.6.0'),
    hosts: z.number().int().default(3),
  }),
  concurrency: 1,
  pollIntervalMs: minutes(1),
  build: ({ version, hosts }) =>
    nestedTask({
      name: 'deploy',
      parallelism: 2,
      children: Array.from({ length: hosts }, (_, i) => {
        let polls = 0;
        return callbackTask({
          name: `host-${i + 1}`,
          poll: () => (++polls >= 5 ? { state: 'SUCCESS', message: version } : undefined),
        });
      }),
    }),
});

describe('env.startRun', () => {
  it('runs a workflow with its input on the simulated clock', async () => {
    const env = createTestEnvironment();
    const job = await env.startRun(deploy, { input: { version: '1.6.0' } });
    expect(job.id).toBe('deploy-1');
    expect(job.summary()).toMatchObject({
      workflow: 'deploy',
      run: 1,
      input: { version: '1.6.0', hosts: 3 },
      startedBy: 'test',
    });
    const report = await env.run(job, { for: hours(1) });
    expect(report.stateName).toBe('SUCCESS');
    expect(report.elapsedMs).toBeGreaterThanOrEqual(minutes(8));
    expect(job.getTask('deploy/host-3').message).toBe('1.6.0');
  });

  it('asserts validation errors, and starts nothing', async () => {
    const env = createTestEnvironment();
    await expect(env.startRun(deploy, { input: { version: 'latest' } })).rejects.toMatchObject({
      code: 'RNR_ERR_INVALID_INPUT',
      issues: [{ path: 'version', message: 'a version like 1.6.0' }],
    });
    await expect(env.startRun(deploy, { input: { version: '1.0.0', hosts: 'two' } })).rejects.toThrow(
      /hosts: /,
    );
    expect((await env.runs.list()).jobs).toEqual([]);
  });

  it('numbers runs and keeps concurrency', async () => {
    const env = createTestEnvironment();
    const first = await env.startRun(deploy, { input: { version: '1.0.0' } });
    await expect(env.startRun(deploy, { input: { version: '1.0.1' } })).rejects.toMatchObject({
      code: 'RNR_ERR_CONFLICT',
    });
    await env.run(first, { for: hours(1) });
    const second = await env.startRun(deploy, { input: { version: '1.0.1' } });
    expect(second.id).toBe('deploy-2');
  });
});
