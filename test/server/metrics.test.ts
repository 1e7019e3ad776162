import { describe, expect, it } from 'vitest';
import { callbackTask, createJob, nestedTask } from '../../src/index.js';
import { deployJob, server } from './fixtures.js';
import { promlint } from './promlint.js';

describe('GET /metrics', () => {
  it('exposes tasks per state, polls, poll errors and durations, events and API requests', async () => {
    const job = deployJob();
    const flaky = createJob({
      id: 'flaky',
      name: 'flaky',
      root: nestedTask({
        id: 'flaky',
        name: 'flaky',
        children: [
          callbackTask({
            id: 'flaky/call',
            name: 'call',
            retries: 5,
            poll: () => {
              throw new Error('connection refused');
            },
          }),
        ],
      }),
    });
    const app = server([job, flaky]);
    await job.tick();
    await job.tick();
    await flaky.tick();
    await flaky.tick();
    await app.inject('/api/v1/jobs');
    await app.inject('/api/v1/jobs/nope');

    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    const value = (line: string) =>
      Number(new RegExp(`^${line.replace(/[{}"/]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    const counts = job.summary().counts;
    expect(value('rnr_tasks{job="deploy",state="SUCCESS"}')).toBe(counts.SUCCESS);
    expect(value('rnr_tasks{job="deploy",state="RUNNING"}')).toBe(counts.RUNNING);
    expect(value('rnr_polls_total{job="deploy"}')).toBeGreaterThanOrEqual(3);
    expect(value('rnr_poll_errors_total{job="flaky"}')).toBe(2);
    expect(value('rnr_poll_duration_seconds_count{job="flaky"}')).toBe(2);
    expect(text).toMatch(/^rnr_poll_duration_seconds_bucket\{le="0.001",job="deploy"\} \d+$/m);
    expect(value('rnr_events_total{job="deploy",cause="SCHEDULER"}')).toBeGreaterThan(0);
    expect(value('rnr_api_requests_total{method="GET",route="/api/v1/jobs",status="200"}')).toBe(1);
    expect(value('rnr_api_requests_total{method="GET",route="/api/v1/jobs/:job",status="404"}')).toBe(1);
    expect(text).toMatch(/^rnr_process_cpu_user_seconds_total /m);
    await app.close();
    await job.close();
    await flaky.close();
  });
});

describe('GET /metrics passes Prometheus’s own lint rules', () => {
  it('has no problem promtool check metrics would report', async () => {
    const job = deployJob();
    await job.tick();
    const app = server([job]);
    await app.inject('/api/v1/jobs');
    const text = (await app.inject('/metrics')).body;
    expect(text).toMatch(/^rnr_nodejs_active_handles\{/m);
    expect(promlint(text)).toEqual([]);
    await app.close();
    await job.close();
  });

  it('the linter catches what promtool catches', () => {
    const bad = [
      '# HELP a_active_total x',
      '# TYPE a_active_total gauge',
      'a_active_total 1',
      '# TYPE b_requests counter',
      'b_requests 1',
      '# HELP c_latency_milliseconds x',
      '# TYPE c_latency_milliseconds histogram',
      'c_latency_milliseconds_bucket{le="1"} 1',
      '# HELP d_fooBar x',
      '# TYPE d_fooBar gauge',
      'd_fooBar{someLabel="x"} 1',
    ].join('\n');
    expect(promlint(bad)).toEqual([
      'a_active_total: non-counter metrics should not have "_total" suffix',
      'b_requests: no help text',
      'b_requests: counter metrics should have "_total" suffix',
      'c_latency_milliseconds: use base unit "seconds" instead of "milliseconds"',
      "d_fooBar: metric names should be written in 'snake_case' not 'camelCase'",
      "d_fooBar: label names should be written in 'snake_case' not 'camelCase' (someLabel)",
    ]);
  });
});
