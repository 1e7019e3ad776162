import {
  describeError,
  isRnrError,
  type Job,
  type RunRecord,
  type Store,
  type StoreCluster,
} from '../index.js';
import type { LiveRuns } from './live-runs.js';

/** The default `--max-runs`: how many runs one process holds at most. */
export const DEFAULT_MAX_RUNS = 1000;

/** What the cluster member needs of its run host. */
export interface ClusterHost {
  readonly cluster: StoreCluster;
  /** The names of the hosted workflows. */
  workflows(): string[];
  /** Runs live in this process, or being loaded. */
  held(): number;
  isHeld(runId: string): boolean;
  /** Opens (claims) a stored run of a hosted workflow and runs it here; rejects when it cannot. */
  adopt(run: RunRecord): Promise<Job>;
  log(line: string): void;
}

/**
 * One process's part in placement on a shared store: after every renewal of its leases it takes
 * over, up to `maxRuns`, the unfinished runs of its workflows that nobody owns (started on a
 * process that was full) or whose lease lapsed (their owner died or hung), oldest first, each
 * with a new epoch, resumed from the store like any run. Two processes going for one run are
 * serialized by the run's row lock: one gets it, the other hears `RNR_ERR_JOB_LOCKED` and moves on.
 */
export class ClusterMember {
  private claiming: Promise<ResumedClaim[]> | undefined;
  private unwatch: (() => void) | undefined;
  private closed = false;
  /** Runs whose takeover failed for a reason of their own (a build that throws): said once. */
  private readonly failed = new Set<string>();

  constructor(
    private readonly host: ClusterHost,
    readonly maxRuns: number,
  ) {}

  /** True when this process may take one more run now (placement of a run it starts). */
  hasRoom(): boolean {
    return this.host.cluster.holdsLeases() && this.host.held() < this.maxRuns;
  }

  /** Registers the workflows, takes what it may, and from then on after every renewal. */
  async join(): Promise<ResumedClaim[]> {
    await this.host.cluster.join(this.host.workflows());
    this.unwatch = this.host.cluster.watch({ renewed: () => void this.claim() });
    return this.claim();
  }

  /** One round of takeovers (never two at once). */
  claim(): Promise<ResumedClaim[]> {
    this.claiming ??= this.round().finally(() => {
      this.claiming = undefined;
    });
    return this.claiming;
  }

  stop(): void {
    this.closed = true;
    this.unwatch?.();
  }

  private async round(): Promise<ResumedClaim[]> {
    const taken: ResumedClaim[] = [];
    const room = this.maxRuns - this.host.held();
    if (this.closed || room <= 0 || !this.host.cluster.holdsLeases()) return taken;
    let candidates: RunRecord[];
    try {
      candidates = await this.host.cluster.claimable(this.host.workflows(), room);
    } catch {
      return taken; // the store is unreachable: the renewals say so; try again next round
    }
    for (const run of candidates) {
      if (this.closed || !this.hasRoom()) break;
      if (this.host.isHeld(run.id)) continue;
      try {
        const job = await this.host.adopt(run);
        this.failed.delete(run.id);
        const fromSeq = job.resumed?.fromSeq ?? run.seq;
        const from = run.owner ? `from process ${run.owner.process.slice(0, 8)} ` : '';
        this.host.log(`took over run ${run.id} ${from}at seq ${fromSeq}`);
        taken.push({ id: run.id, fromSeq });
      } catch (err) {
        // Another process got it first: nothing to say.
        if (isRnrError(err, 'RNR_ERR_JOB_LOCKED') || isRnrError(err, 'RNR_ERR_STORE_CLOSED')) continue;
        if (!this.failed.has(run.id)) {
          this.failed.add(run.id);
          this.host.log(`run ${run.id} not taken over: ${describeError(err)}`);
        }
      }
    }
    return taken;
  }
}

/** A run taken over by a round. */
export interface ResumedClaim {
  id: string;
  fromSeq: number;
}

/** What {@link clusterPart} needs of the run host. */
export interface ClusterPartHost {
  workflows(): string[];
  live: LiveRuns;
  loading: ReadonlyMap<string, unknown>;
  adopt(run: RunRecord): Promise<Job>;
  log(line: string): void;
}

/**
 * A run host's part on a shared store: runs it must stop at once leave its memory (a commit
 * refused `RNR_ERR_LEASE_LOST`: that run; the renewal deadline passed: every run), and with
 * `placement` (`rnr serve`) a {@link ClusterMember}. On a store of one process: nothing.
 */
export function clusterPart(
  store: Store,
  placement: { maxRuns?: number } | undefined,
  host: ClusterPartHost,
): { member: ClusterMember | undefined; detach: () => void } {
  const cluster = store.cluster;
  if (!cluster) return { member: undefined, detach: () => {} };
  const drop = (runId: string, why: string): void => {
    const job = host.live.get(runId);
    if (!job) return;
    host.live.remove(runId);
    host.log(`run ${runId}: ${why}; stopped here`);
    // Closing aborts its polls at once; a commit it still sends is fenced by the store.
    void job.close().catch((err: unknown) => host.log(`run ${runId}: closing: ${describeError(err)}`));
  };
  const detach = cluster.watch({
    lost: (runId) => drop(runId, 'another process owns it now (RNR_ERR_LEASE_LOST)'),
    lapsed: () => {
      for (const job of host.live.list())
        drop(job.id, 'this process did not renew its lease in time (is the database reachable?)');
    },
  });
  const member = placement
    ? new ClusterMember(
        {
          cluster,
          workflows: host.workflows,
          held: () => host.live.size + host.loading.size,
          isHeld: (runId) => host.live.get(runId) !== undefined || host.loading.has(runId),
          adopt: host.adopt,
          log: host.log,
        },
        placement.maxRuns ?? DEFAULT_MAX_RUNS,
      )
    : undefined;
  return { member, detach };
}

/**
 * Placement of a run this process just created: loaded here when there is no cluster or this
 * process has room (and holds its leases); else left unowned for a process with room (undefined).
 * A process of the cluster that took the new run first (between its creation and its opening
 * here) is as good: undefined too.
 */
export async function placed(
  member: ClusterMember | undefined,
  load: () => Promise<Job>,
): Promise<Job | undefined> {
  if (!member) return load();
  if (!member.hasRoom()) return undefined;
  try {
    return await load();
  } catch (err) {
    if (isRnrError(err, 'RNR_ERR_JOB_LOCKED')) return undefined;
    throw err;
  }
}
