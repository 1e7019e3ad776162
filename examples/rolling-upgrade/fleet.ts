/**
 * A simulated fleet: zones of VMs, each running a version of a package. It stands in for the
 * cloud or config-management API a real workflow would call.
 *
 * Nothing here uses timers. An upgrade records when it started and when it will finish; every read
 * compares that with `clock.now()`. So the fleet runs in real time under the system clock and in
 * simulated time under `rnr/testing`'s clock, and behaves the same in both. Durations and failures
 * come from a seeded PRNG: the same options give the same fleet, run after run.
 */
import type { Clock } from 'rnr';

/** Options of {@link createFleet}. */
export interface FleetOptions {
  /** VMs per zone: `{ staging: 4, production: 8 }` makes `staging/vm-1` … `production/vm-8`. */
  zones: Readonly<Record<string, number>>;
  /** The version every VM runs at first. */
  version: string;
  /** Where "now" comes from; the job's clock. */
  clock: Pick<Clock, 'now'>;
  /** How long an upgrade takes: between min and max ms. Default 3 to 8 minutes. */
  upgradeMs?: readonly [min: number, max: number];
  /** The chance that any upgrade fails, 0 to 1. Default 0. */
  failureRate?: number;
  /** VMs whose first n upgrades fail whatever the failure rate: `{ 'staging/vm-2': 1 }`. */
  failures?: Readonly<Record<string, number>>;
  /** Seed of the PRNG behind durations and random failures. Default 1. */
  seed?: number;
}

/** An upgrade of one VM, as the fleet API reports it. */
export interface Upgrade {
  /** The caller's idempotency key: lets a workflow recognise the upgrade it started. */
  key: string;
  from: string;
  to: string;
  status: 'running' | 'succeeded' | 'failed';
  /** 0 to 100. */
  progress: number;
  startedAt: number;
  finishesAt: number;
  /** Why it failed (status `failed`). */
  error?: string;
}

/** One VM, as the fleet API reports it. */
export interface Vm {
  /** `zone/name`, e.g. `production/vm-3`. */
  id: string;
  zone: string;
  name: string;
  version: string;
  /** The latest upgrade, if one was ever started. */
  upgrade?: Upgrade;
}

/** A simulated fleet (see {@link createFleet}). */
export interface Fleet {
  /** Every VM, zone by zone in the order given. */
  inventory(): { id: string; zone: string; name: string }[];
  /** The VM's current state (settling an upgrade that has finished by now). */
  describeVm(id: string): Promise<Vm>;
  /** Starts an upgrade; rejects if one is already running on the VM (like an API's 409). */
  startUpgrade(id: string, version: string, options: { key: string }): Promise<Upgrade>;
  /** Every upgrade ever started, oldest first: what tests check for duplicates. */
  readonly history: readonly { vm: string; key: string; to: string; at: number }[];
}

interface UpgradeRecord extends Upgrade {
  /** Decided when the upgrade starts; applied when it finishes. */
  failure: string | undefined;
}

interface VmRecord {
  id: string;
  zone: string;
  name: string;
  version: string;
  upgrade?: UpgradeRecord;
  upgrades: number;
}

const failureReasons = [
  'dpkg: post-install script exited with status 1',
  'health check failed after restart',
  'package download timed out',
];

/**
 * Creates a simulated fleet.
 *
 * @example
 * const fleet = createFleet({ zones: { staging: 2, production: 4 }, version: '1.4.2', clock: systemClock });
 * await fleet.startUpgrade('staging/vm-1', '1.5.0', { key: 'demo' });
 */
export function createFleet(options: FleetOptions): Fleet {
  const { clock, zones, upgradeMs = [3 * 60_000, 8 * 60_000], failureRate = 0, failures = {} } = options;
  const random = mulberry32(options.seed ?? 1);
  const vms = new Map<string, VmRecord>();
  const history: { vm: string; key: string; to: string; at: number }[] = [];

  for (const [zone, count] of Object.entries(zones)) {
    for (let i = 1; i <= count; i++) {
      const name = `vm-${i}`;
      vms.set(`${zone}/${name}`, {
        id: `${zone}/${name}`,
        zone,
        name,
        version: options.version,
        upgrades: 0,
      });
    }
  }

  function find(id: string): VmRecord {
    const vm = vms.get(id);
    if (!vm) throw new Error(`no such VM: ${id}`);
    return vm;
  }

  // Upgrades finish lazily: the first read after `finishesAt` applies the outcome.
  function settle(vm: VmRecord): void {
    const upgrade = vm.upgrade;
    if (upgrade?.status !== 'running' || clock.now() < upgrade.finishesAt) return;
    if (upgrade.failure) {
      upgrade.status = 'failed';
      upgrade.error = upgrade.failure;
    } else {
      upgrade.status = 'succeeded';
      vm.version = upgrade.to;
    }
  }

  function view(vm: VmRecord): Vm {
    const { id, zone, name, version } = vm;
    if (!vm.upgrade) return { id, zone, name, version };
    const { failure: _, ...upgrade } = vm.upgrade;
    const elapsed = clock.now() - upgrade.startedAt;
    const progress =
      upgrade.status === 'running'
        ? Math.min(99, Math.floor((elapsed / (upgrade.finishesAt - upgrade.startedAt)) * 100))
        : 100;
    return { id, zone, name, version, upgrade: { ...upgrade, progress } };
  }

  return {
    inventory: () => [...vms.values()].map(({ id, zone, name }) => ({ id, zone, name })),

    async describeVm(id) {
      const vm = find(id);
      settle(vm);
      return view(vm);
    },

    async startUpgrade(id, version, { key }) {
      const vm = find(id);
      settle(vm);
      if (vm.upgrade?.status === 'running') {
        throw new Error(`${id}: an upgrade is already running (key ${vm.upgrade.key})`);
      }
      const [min, max] = upgradeMs;
      const startedAt = clock.now();
      // Three draws per upgrade, always, so one VM's fate never shifts another's.
      const roll = random();
      const duration = random();
      const reason = random();
      const fails = vm.upgrades < (failures[id] ?? 0) || roll < failureRate;
      vm.upgrades++;
      vm.upgrade = {
        key,
        from: vm.version,
        to: version,
        status: 'running',
        progress: 0,
        startedAt,
        finishesAt: startedAt + Math.round(min + duration * (max - min)),
        failure: fails ? failureReasons[Math.floor(reason * failureReasons.length)] : undefined,
      };
      history.push({ vm: id, key, to: version, at: startedAt });
      return view(vm).upgrade as Upgrade;
    },

    history,
  };
}

/** mulberry32: a tiny seeded PRNG, plenty for a simulation (not for anything secret). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
