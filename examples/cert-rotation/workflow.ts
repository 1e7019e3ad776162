/**
 * Certificate rotation: every hour, check the TLS certificate of every load balancer and renew
 * the ones that expire within `renewWithinDays`. Most runs find nothing to do and finish at once;
 * the run that finds an expiring certificate asks the CA for a new one, waits for it, installs it.
 *
 *   cert-rotation           nested; children = the balancers the API lists
 *   ├── lb-eu-1             callback: valid long enough? → renewal issued? install : request one
 *   └── …
 *
 * The default export is the workflow, with `schedules: [{ cron: '0 * * * *' }]`: `rnr serve`
 * starts a run at the top of every hour (and skips an hour while the last run is unfinished).
 * Run one now: `node bin/rnr.js run examples/cert-rotation/workflow.ts`.
 */
import {
  type Clock,
  callbackTask,
  nestedTask,
  systemClock,
  type TaskSpec,
  type Workflow,
  workflow,
} from 'rnr';
import { z } from 'zod';
import { type Certificates, createCertificates } from './certificates.js';

const DAY = 86_400_000;

/**
 * Checks one balancer's certificate and renews it when it expires within `windowMs`. Safe to poll
 * again after a restart: the renewal carries the run's id as its key, so it is requested once.
 *
 * @example
 * rotateCertificate(certs, 'lb-eu-1', 14 * DAY, 'cert-rotation-3', clock);
 */
export function rotateCertificate(
  certs: Certificates,
  balancer: string,
  windowMs: number,
  key: string,
  clock: Pick<Clock, 'now'>,
): TaskSpec {
  return callbackTask({
    name: balancer,
    labels: { balancer },
    async poll() {
      const cert = await certs.describe(balancer);
      const left = cert.notAfter - clock.now();
      const days = Math.floor(left / DAY);
      if (!cert.renewal && left > windowMs)
        return { state: 'SUCCESS', message: `valid for ${days} more days` };
      if (!cert.renewal) {
        await certs.requestRenewal(balancer, key);
        return { message: `expires in ${days} days: renewal requested` };
      }
      if (cert.renewal.issuedAt > clock.now()) return { message: 'waiting for the CA to issue the renewal' };
      await certs.install(balancer);
      const installed = await certs.describe(balancer);
      return {
        state: 'SUCCESS',
        message: `rotated: valid for ${Math.floor((installed.notAfter - clock.now()) / DAY)} days`,
      };
    },
  });
}

/** The input of a run: how close to expiry a certificate is renewed. */
export const rotationInput = z.object({
  renewWithinDays: z
    .number()
    .int()
    .min(1)
    .max(60)
    .default(14)
    .describe('Renew certificates that expire within this many days'),
});

/**
 * The workflow against simulated balancers (one of them 9 days from expiry at start, its renewal
 * issued in 20 seconds), polling every `pollIntervalMs` (default 5 s), firing hourly.
 */
export function demo(
  options: { clock?: Clock; pollIntervalMs?: number; certs?: Certificates } = {},
): Workflow<z.output<typeof rotationInput>> {
  const clock = options.clock ?? systemClock;
  const certs =
    options.certs ??
    createCertificates({ balancers: { 'lb-eu-1': 61, 'lb-eu-2': 9, 'lb-us-1': 45 }, clock, issueMs: 20_000 });
  return workflow({
    name: 'cert-rotation',
    description: 'Renew load-balancer TLS certificates that expire soon (hourly)',
    input: rotationInput,
    concurrency: 1,
    keepRuns: 48,
    pollIntervalMs: options.pollIntervalMs ?? 5_000,
    schedules: [{ cron: '0 * * * *' }],
    build: ({ renewWithinDays }, ctx) =>
      nestedTask({
        name: 'cert-rotation',
        parallelism: 4,
        children: async () =>
          (await certs.list()).map((lb) =>
            rotateCertificate(certs, lb, renewWithinDays * DAY, ctx.run.id, clock),
          ),
      }),
  });
}

export default demo();
