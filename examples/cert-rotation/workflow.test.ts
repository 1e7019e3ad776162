import { RunTrigger, TaskState } from 'rnr';
import { createTestEnvironment, days, hours, minutes } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { createCertificates } from './certificates.js';
import { demo } from './workflow.js';

describe('certificate rotation', () => {
  it('a day of hourly runs: the first renews the expiring certificate, the others find nothing to do', async () => {
    const env = createTestEnvironment(); // 2026-01-01T00:00Z
    const certs = createCertificates({ balancers: { 'lb-eu-1': 61, 'lb-eu-2': 9 }, clock: env.clock });
    await env.serve(demo({ clock: env.clock, certs, pollIntervalMs: minutes(1) }));

    await env.advance(days(1));

    const runs = (await env.runs.list({ workflow: 'cert-rotation' })).jobs.reverse();
    expect(runs).toHaveLength(24);
    expect(runs.map((r) => [r.createdAt - env.startedAt, r.trigger, r.state])).toEqual(
      Array.from({ length: 24 }, (_, h) => [hours(h + 1), RunTrigger.SCHEDULE, TaskState.SUCCESS]),
    );
    const first = await env.runs.snapshot('cert-rotation-1');
    const messages = (id: string) =>
      first.root?.children.find((t) => t.id === `cert-rotation/${id}`)?.message;
    expect(messages('lb-eu-2')).toMatch(/^rotated: valid for 90 days$/);
    expect(messages('lb-eu-1')).toBe('valid for 60 more days');
    const second = await env.runs.task('cert-rotation-2', 'cert-rotation/lb-eu-2');
    expect(second.message).toBe('valid for 89 more days');
    expect(certs.requests).toBe(1);
  });

  it('renews within the window the input gives', async () => {
    const env = createTestEnvironment();
    const certs = createCertificates({ balancers: { 'lb-eu-1': 20 }, clock: env.clock });
    const job = await env.startRun(demo({ clock: env.clock, certs }), { input: { renewWithinDays: 30 } });
    const report = await env.run(job, { for: hours(1) });
    expect(report.state).toBe(TaskState.SUCCESS);
    expect(job.getTask('cert-rotation/lb-eu-1').message).toMatch(/^rotated/);
  });
});
