/**
 * A simulated Kubernetes-like cluster, in-process and driven by a clock, so the example runs
 * anywhere and its tests make hours pass in milliseconds. The calls are async, like a real API
 * client's: cordon, evict (pods a PodDisruptionBudget protects stay), force-evict, reboot, Ready.
 */
import type { Clock } from 'rnr';

/** One pod on a node. */
export interface Pod {
  name: string;
  /** A PodDisruptionBudget protects it: a polite eviction leaves it where it is. */
  protected: boolean;
  /** When an eviction started: the pod is gone `podTerminationMs` later. */
  terminatingSince?: number;
}

/** One node as the API describes it. */
export interface NodeStatus {
  name: string;
  cordoned: boolean;
  ready: boolean;
  pods: string[];
  reboots: number;
}

/** Options of {@link createCluster}. */
export interface ClusterOptions {
  clock: Clock;
  /** Nodes and their pods: `{ 'node-1': ['web-1', 'web-2'] }`. */
  nodes: Record<string, readonly string[]>;
  /** Pods a PodDisruptionBudget protects (stuck until force-evicted), by name. */
  protectedPods?: readonly string[];
  /** Nodes that never come back Ready after a reboot. */
  brokenNodes?: readonly string[];
  /** How long an evicted pod takes to terminate. Default 1 minute. */
  podTerminationMs?: number;
  /** How long a reboot keeps a node NotReady. Default 3 minutes. */
  rebootMs?: number;
  /** How long each API call takes to answer (its change is made at once). Default 0. */
  apiLatencyMs?: number;
}

/** One call that changed the cluster, for tests and the demo's log. */
export interface ClusterAction {
  at: number;
  node: string;
  action: 'cordon' | 'evict' | 'force-evict' | 'reboot' | 'uncordon';
}

interface SimNode {
  cordoned: boolean;
  pods: Pod[];
  readyAt: number;
  reboots: number;
}

/** The simulated cluster's API. */
export interface Cluster {
  now(): number;
  cordon(node: string): Promise<void>;
  uncordon(node: string): Promise<void>;
  /** Starts a polite eviction of every pod; resolves with how many pods are still on the node. */
  evict(node: string): Promise<number>;
  /** Deletes every pod at once, PodDisruptionBudgets or not. */
  forceEvict(node: string): Promise<void>;
  reboot(node: string): Promise<void>;
  describeNode(node: string): Promise<NodeStatus>;
  /** Node names, in order. */
  nodeNames(): string[];
  /** Every change made, in order. */
  readonly history: ClusterAction[];
}

/**
 * Creates a simulated cluster.
 *
 * @example
 * const cluster = createCluster({ clock, nodes: { 'node-1': ['web-1'] }, protectedPods: ['db-0'] });
 */
export function createCluster(options: ClusterOptions): Cluster {
  const { clock } = options;
  const termination = options.podTerminationMs ?? 60_000;
  const rebootMs = options.rebootMs ?? 180_000;
  const protectedPods = new Set(options.protectedPods ?? []);
  const broken = new Set(options.brokenNodes ?? []);
  const nodes = new Map<string, SimNode>();
  for (const [name, pods] of Object.entries(options.nodes)) {
    nodes.set(name, {
      cordoned: false,
      pods: pods.map((pod) => ({ name: pod, protected: protectedPods.has(pod) })),
      readyAt: 0,
      reboots: 0,
    });
  }
  const history: ClusterAction[] = [];
  const get = (name: string): SimNode => {
    const node = nodes.get(name);
    if (!node) throw new Error(`node ${JSON.stringify(name)} not found`);
    return node;
  };
  const log = (node: string, action: ClusterAction['action']) =>
    history.push({ at: clock.now(), node, action });
  /** Drops the pods whose termination finished by now. */
  const reap = (node: SimNode) => {
    const now = clock.now();
    node.pods = node.pods.filter(
      (p) => p.terminatingSince === undefined || now < p.terminatingSince + termination,
    );
  };
  const isReady = (name: string, node: SimNode) => !broken.has(name) && clock.now() >= node.readyAt;
  const latency = options.apiLatencyMs ?? 0;
  /** The answer to a call, after the API's latency on the cluster's clock. */
  const answer = <T>(value: T): Promise<T> =>
    latency > 0
      ? new Promise((resolve) => clock.setTimeout(() => resolve(value), latency))
      : Promise.resolve(value);

  return {
    history,
    now: () => clock.now(),
    nodeNames: () => [...nodes.keys()],
    async cordon(name) {
      const node = get(name);
      if (!node.cordoned) log(name, 'cordon');
      node.cordoned = true;
      return answer(undefined);
    },
    async uncordon(name) {
      const node = get(name);
      if (node.cordoned) log(name, 'uncordon');
      node.cordoned = false;
      return answer(undefined);
    },
    async evict(name) {
      const node = get(name);
      reap(node);
      let started = false;
      for (const pod of node.pods) {
        if (pod.protected || pod.terminatingSince !== undefined) continue;
        pod.terminatingSince = clock.now();
        started = true;
      }
      if (started) log(name, 'evict');
      return answer(node.pods.length);
    },
    async forceEvict(name) {
      get(name).pods = [];
      log(name, 'force-evict');
      return answer(undefined);
    },
    async reboot(name) {
      const node = get(name);
      node.readyAt = clock.now() + rebootMs;
      node.reboots += 1;
      log(name, 'reboot');
      return answer(undefined);
    },
    async describeNode(name) {
      const node = get(name);
      reap(node);
      return answer({
        name,
        cordoned: node.cordoned,
        ready: isReady(name, node),
        pods: node.pods.map((p) => p.name),
        reboots: node.reboots,
      });
    },
  };
}
