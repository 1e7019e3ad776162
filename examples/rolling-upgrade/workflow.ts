/**
 * Rolling upgrade: move every VM of a fleet to a new package version, zone by zone, with an
 * operator's approval before production.
 *
 *   rolling-upgrade                 nested, one zone at a time; a failed VM halts the rollout
 *   ├── canary                      nested, parallelism 1
 *   │   └── vm-1                    callback: check version → upgrade running? → start it
 *   ├── staging                     nested, parallelism 2
 *   │   └── vm-1 … vm-4
 *   ├── approve-production          callback: ACTION_PENDING until `rnr approve`
 *   └── production                  nested, parallelism 4
 *       └── vm-1 … vm-8
 *
 * The default export is the workflow: its input is the target version (`--input version=1.6.0`).
 * Run it: `npm start` (see README.md). Test it: `npx vitest run examples/rolling-upgrade`.
 */
import {
  type Clock,
  callbackTask,
  createJob,
  type Job,
  nestedTask,
  type Store,
  systemClock,
  type TaskSpec,
  type Workflow,
  workflow,
} from 'rnr';
import { z } from 'zod';
import { createFleet, type Fleet } from './fleet.js';

/** One zone of the rollout. */
export interface ZonePlan {
  zone: string;
  /** How many of the zone's VMs upgrade at once. */
  parallelism: number;
  /** Wait for an operator's approval before the zone starts. */
  approval?: boolean;
}

/** The rollout order of the demo fleet. */
export const zones: readonly ZonePlan[] = [
  { zone: 'canary', parallelism: 1 },
  { zone: 'staging', parallelism: 2 },
  { zone: 'production', parallelism: 4, approval: true },
];

/**
 * Upgrades one VM. The poll is idempotent: it looks at the world before it acts, so it is safe to
 * run again after a crash, a restart of the job or an operator's retry.
 *
 * @example
 * upgradeVm(fleet, { id: 'staging/vm-1', zone: 'staging', name: 'vm-1' }, '1.5.0');
 */
export function upgradeVm(
  fleet: Fleet,
  vm: { id: string; zone: string; name: string },
  version: string,
): TaskSpec {
  return callbackTask({
    name: vm.name,
    labels: { zone: vm.zone, vm: vm.name },
    // The fleet API is remote in real life: a blip or two should not fail the VM.
    retries: 3,
    async poll({ job, task }) {
      const { version: current, upgrade } = await fleet.describeVm(vm.id);

      // 1. Already on the target version? Also what a restarted job finds for finished VMs.
      if (current === version) return { state: 'SUCCESS', message: `running ${version}` };

      // Names this attempt's upgrade, so that a restarted job recognises the upgrade it started
      // and an operator's retry (attempt + 1) starts a fresh one.
      const key = `${job.id}:${task.id}#${task.attempt}`;

      // 2. Is an upgrade running? Ours or a leftover, wait for it: never start a second one.
      if (upgrade?.status === 'running') {
        const owner = upgrade.key === key ? '' : ` (started as ${upgrade.key})`;
        return { message: `upgrading ${upgrade.from} → ${upgrade.to}: ${upgrade.progress}%${owner}` };
      }
      if (upgrade?.status === 'failed' && upgrade.key === key) {
        return { state: 'FAILED', message: `upgrade to ${version} failed: ${upgrade.error}` };
      }

      // 3. Start it.
      await fleet.startUpgrade(vm.id, version, { key });
      return { message: `started upgrade ${current} → ${version}` };
    },
  });
}

/**
 * A gate: ACTION_PENDING until an operator approves it (`rnr approve`, the web view, or
 * `job.approve(id)`), then SUCCESS.
 *
 * @example
 * approvalGate('approve production', 'Upgrade production to 1.5.0?');
 */
export function approvalGate(name: string, question: string): TaskSpec {
  return callbackTask({
    name,
    poll: ({ approval }) =>
      approval
        ? { state: 'SUCCESS', message: `approved by ${approval.by}` }
        : { state: 'ACTION_PENDING', message: `${question} Waiting for an operator's approval.` },
  });
}

/** Options of {@link rollingUpgrade}. */
export interface RollingUpgradePlan {
  fleet: Fleet;
  /** The version to upgrade to. */
  version: string;
  /** Zones in rollout order. Default {@link zones}. */
  zones?: readonly ZonePlan[];
}

/**
 * The task tree of a rolling upgrade: zones in order, each a nested task of its VMs, with an
 * approval gate before every zone that asks for one.
 *
 * @example
 * createJob({ name: 'rolling-upgrade', root: rollingUpgrade({ fleet, version: '1.5.0' }) });
 */
export function rollingUpgrade({ fleet, version, zones: plan = zones }: RollingUpgradePlan): TaskSpec {
  const steps: TaskSpec[] = [];
  for (const { zone, parallelism, approval } of plan) {
    if (approval) steps.push(approvalGate(`approve ${zone}`, `Upgrade ${zone} to ${version}?`));
    const vms = fleet.inventory().filter((vm) => vm.zone === zone);
    steps.push(
      nestedTask({
        name: zone,
        labels: { zone },
        parallelism,
        children: vms.map((vm) => upgradeVm(fleet, vm, version)),
      }),
    );
  }
  // One step at a time (parallelism 1), and failFast (the default): a failed VM stops its zone,
  // the failed zone stops the rollout, until an operator retries or skips the VM.
  return nestedTask({ name: 'rolling-upgrade', children: steps });
}

/** Options of {@link createRollingUpgrade}. */
export interface RollingUpgradeOptions extends RollingUpgradePlan {
  /** Default `'rolling-upgrade'`. Keep it stable: a store that knows the id resumes the job. */
  id?: string;
  store?: Store;
  clock?: Clock;
  /** Default 30 s. */
  pollIntervalMs?: number;
}

/**
 * Creates the rolling-upgrade job.
 *
 * @example
 * const job = createRollingUpgrade({ fleet, version: '1.5.0', store: sqliteStore('.rnr/rnr.db') });
 * await job.run();
 */
export function createRollingUpgrade(options: RollingUpgradeOptions): Job {
  return createJob({
    id: options.id ?? 'rolling-upgrade',
    name: 'rolling-upgrade',
    root: rollingUpgrade(options),
    pollIntervalMs: options.pollIntervalMs ?? 30_000,
    store: options.store,
    clock: options.clock,
  });
}

/** The input of a rolling upgrade: the version to upgrade to. */
export const rollingUpgradeInput = z.object({
  version: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, 'a version like 1.6.0')
    .describe('The package version every VM should run'),
});

/** Options of {@link rollingUpgradeWorkflow}. */
export interface RollingUpgradeWorkflowOptions {
  /** The fleet a run upgrades (called once per run build; a run resumed after a restart calls it again). */
  fleet: (run: { id: string; number: number }) => Fleet;
  /** Zones in rollout order. Default {@link zones}. */
  zones?: readonly ZonePlan[];
  /** Default 30 s. */
  pollIntervalMs?: number;
}

/**
 * The rolling upgrade as a workflow: each run upgrades the fleet to the version of its input.
 *
 * @example
 * const upgrade = rollingUpgradeWorkflow({ fleet: () => myFleet });
 * const job = await env.startRun(upgrade, { input: { version: '1.6.0' } });
 */
export function rollingUpgradeWorkflow(
  options: RollingUpgradeWorkflowOptions,
): Workflow<z.output<typeof rollingUpgradeInput>> {
  return workflow({
    name: 'rolling-upgrade',
    description:
      'Upgrade every VM of the fleet to a version, zone by zone, with an approval before production',
    input: rollingUpgradeInput,
    pollIntervalMs: options.pollIntervalMs ?? 30_000,
    labels: { team: 'platform' },
    build: ({ version }, ctx) =>
      rollingUpgrade({
        fleet: options.fleet(ctx.run),
        version,
        ...(options.zones && { zones: options.zones }),
      }),
  });
}

/** Options of {@link demo}. */
export interface DemoOptions {
  clock?: Clock;
  /** Default 3 s. */
  pollIntervalMs?: number;
  /**
   * VMs whose first upgrade fails, e.g. `{ 'production/vm-3': 1 }`. Default: from the
   * `ROLLING_UPGRADE_FAIL` environment variable (comma-separated VM ids), else none.
   */
  failures?: Record<string, number>;
}

/**
 * The demo that `npm start` serves: each run upgrades its own simulated fleet of 13 VMs from 1.4.2
 * to the version of its input, upgrades of 15 to 30 seconds, polled every 3 seconds. A run reaches
 * the production gate after about a minute and a half.
 */
export function demo(options: DemoOptions = {}): Workflow<z.output<typeof rollingUpgradeInput>> {
  const clock = options.clock ?? systemClock;
  return rollingUpgradeWorkflow({
    pollIntervalMs: options.pollIntervalMs ?? 3_000,
    fleet: () =>
      createFleet({
        zones: { canary: 1, staging: 4, production: 8 },
        version: '1.4.2',
        clock,
        upgradeMs: [15_000, 30_000],
        failures: options.failures ?? failuresFromEnv(),
      }),
  });
}

export default demo();

function failuresFromEnv(): Record<string, number> {
  const ids = process.env.ROLLING_UPGRADE_FAIL?.split(',') ?? [];
  return Object.fromEntries(ids.filter((id) => id.trim()).map((id) => [id.trim(), 1]));
}
