import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Job } from '../index.js';
import { EventCause } from '../index.js';
import type { RunHost } from '../runs/index.js';

/**
 * Collects the server's metrics in a Prometheus registry of its own (tasks per state per job,
 * polls, poll errors, poll durations, events, API requests); returns it for `GET /metrics`.
 */
export function registerMetrics(app: FastifyInstance, runs: RunHost): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'rnr_' });
  // prom-client's sums of active handles, requests and resources are gauges named like counters
  // (promtool check metrics refuses them); the same figures are the sum over the `type` label of
  // rnr_nodejs_active_handles, …_requests, …_resources.
  for (const kind of ['handles', 'requests', 'resources'])
    register.removeSingleMetric(`rnr_nodejs_active_${kind}_total`);
  new Gauge({
    name: 'rnr_tasks',
    help: 'Tasks per state per job',
    labelNames: ['job', 'state'],
    registers: [register],
    collect() {
      this.reset();
      for (const job of runs.liveJobs()) {
        for (const [state, count] of Object.entries(job.summary().counts))
          this.set({ job: job.id, state }, count);
      }
    },
  });
  const polls = new Counter({
    name: 'rnr_polls_total',
    help: 'Finished polls',
    labelNames: ['job'],
    registers: [register],
  });
  const pollErrors = new Counter({
    name: 'rnr_poll_errors_total',
    help: 'Polls that threw, rejected or timed out',
    labelNames: ['job'],
    registers: [register],
  });
  const pollSeconds = new Histogram({
    name: 'rnr_poll_duration_seconds',
    help: 'Duration of polls',
    labelNames: ['job'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
    registers: [register],
  });
  const events = new Counter({
    name: 'rnr_events_total',
    help: 'Recorded task events by cause',
    labelNames: ['job', 'cause'],
    registers: [register],
  });
  const requests = new Counter({
    name: 'rnr_api_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [register],
  });
  const requestSeconds = new Histogram({
    name: 'rnr_api_request_duration_seconds',
    help: 'HTTP request durations',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [register],
  });

  const detach = new Map<Job, () => void>();
  const unwatch = runs.watchLive({
    added(job) {
      const stopPolls = job.observePolls((poll) => {
        polls.inc({ job: poll.jobId });
        if (poll.error) pollErrors.inc({ job: poll.jobId });
        pollSeconds.observe({ job: poll.jobId }, poll.durationMs / 1000);
      });
      const stopEvents = job.subscribe((event) =>
        events.inc({ job: event.jobId, cause: EventCause[event.cause] }),
      );
      detach.set(job, () => {
        stopPolls();
        stopEvents();
      });
    },
    removed(job) {
      detach.get(job)?.();
      detach.delete(job);
    },
  });
  app.addHook('onClose', async () => {
    unwatch();
    for (const stop of detach.values()) stop();
    detach.clear();
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    requestSeconds.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  return register;
}

/** Serves `GET /metrics` in the Prometheus text format. */
export function registerMetricsRoute(app: FastifyInstance, register: Registry): void {
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', tags: ['ops'] } },
    async (_request, reply) => {
      reply.type(register.contentType);
      return register.metrics();
    },
  );
}
