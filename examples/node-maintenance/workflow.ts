/**
 * Node maintenance: reboot every node of a (simulated) Kubernetes-like cluster, two at a time, each
 * node driven by its own statechart (node-machine.ts) as an rnr machine task.
 *
 *   node-maintenance              nested, parallelism 2; a failed node halts the rollout
 *   ├── node-1                    machine: cordon → drain → (stuck? approve) → reboot → Ready → uncordon
 *   ├── node-2
 *   └── …
 *
 * Run it: `node bin/rnr.js run examples/node-maintenance/workflow.ts` (see README.md).
 * Test it: `npx vitest run examples/node-maintenance`.
 */
import {
  type Clock,
  createJob,
  type Job,
  machineTask,
  nestedTask,
  type Store,
  systemClock,
  type TaskSpec,
  type Workflow,
  workflow,
} from 'rnr';
import { type Cluster, createCluster } from './cluster.js';
import { createNodeMachine } from './node-machine.js';

/** What to maintain, and how. */
export interface MaintenancePlan {
  cluster: Cluster;
  /** Nodes in order. Default: every node of the cluster. */
  nodes?: readonly string[];
  /** How many nodes are out of service at once. Default 2. */
  parallelism?: number;
  drainDeadlineMs?: number;
  readyDeadlineMs?: number;
}

/**
 * The task tree: one machine task per node under a nested task. `failFast` (the default) halts the
 * rollout at the first failed node until an operator retries or skips it.
 *
 * @example
 * createJob({ name: 'node-maintenance', root: nodeMaintenance({ cluster }) });
 */
export function nodeMaintenance(plan: MaintenancePlan): TaskSpec {
  const machine = createNodeMachine(plan.cluster);
  const nodes = plan.nodes ?? plan.cluster.nodeNames();
  return nestedTask({
    name: 'node-maintenance',
    parallelism: plan.parallelism ?? 2,
    children: nodes.map((node) =>
      machineTask({
        name: node,
        labels: { node },
        machine,
        input: { node, drainDeadlineMs: plan.drainDeadlineMs, readyDeadlineMs: plan.readyDeadlineMs },
      }),
    ),
  });
}

/** Options of {@link createNodeMaintenance}. */
export interface NodeMaintenanceOptions extends MaintenancePlan {
  /** Default `'node-maintenance'`. Keep it stable: a store that knows the id resumes the job. */
  id?: string;
  store?: Store;
  clock?: Clock;
  /** Default 30 s. */
  pollIntervalMs?: number;
}

/**
 * Creates the node-maintenance job.
 *
 * @example
 * const job = createNodeMaintenance({ cluster, store: sqliteStore('.rnr/rnr.db') });
 * await job.run();
 */
export function createNodeMaintenance(options: NodeMaintenanceOptions): Job {
  return createJob({
    id: options.id ?? 'node-maintenance',
    name: 'node-maintenance',
    root: nodeMaintenance(options),
    pollIntervalMs: options.pollIntervalMs ?? 30_000,
    store: options.store,
    clock: options.clock,
  });
}

/** Options of the demo (the default export). */
export interface DemoOptions {
  clock?: Clock;
  /** Default 2 s. */
  pollIntervalMs?: number;
  /** Nodes that never come back Ready. Default: `NODE_MAINTENANCE_BROKEN` (comma-separated), else none. */
  brokenNodes?: readonly string[];
}

/**
 * The demo `rnr run` / `rnr serve` host: six nodes, pods that take 5 s to terminate, 15 s
 * reboots, polled every 2 s. node-3 runs `db-0`, which a PodDisruptionBudget protects: after 20 s
 * its drain asks for an operator's approval to force-evict it. One maintenance of the cluster at a
 * time (`concurrency: 1`): a second start is refused, naming the run in the way.
 */
export function demo(options: DemoOptions = {}): Workflow<Record<string, unknown>> {
  const clock = options.clock ?? systemClock;
  return workflow({
    name: 'node-maintenance',
    description: 'Cordon, drain, reboot and uncordon every node of the cluster, one at a time',
    concurrency: 1,
    pollIntervalMs: options.pollIntervalMs ?? 2_000,
    build: () => {
      const cluster = createCluster({
        clock,
        nodes: {
          'node-1': ['web-1', 'api-1'],
          'node-2': ['web-2', 'api-2'],
          'node-3': ['web-3', 'db-0'],
          'node-4': ['web-4'],
          'node-5': ['api-3', 'cache-1'],
          'node-6': ['web-5'],
        },
        protectedPods: ['db-0'],
        brokenNodes: options.brokenNodes ?? brokenFromEnv(),
        podTerminationMs: 5_000,
        rebootMs: 15_000,
      });
      return nodeMaintenance({ cluster, drainDeadlineMs: 20_000, readyDeadlineMs: 60_000 });
    },
  });
}

export default demo();

function brokenFromEnv(): string[] {
  return (process.env.NODE_MAINTENANCE_BROKEN ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
}
