import type { InspectionEvent } from 'xstate';
import type { AnyWorkflow, Clock, Job, JobOptions, JobSummary, Store } from '../index.js';
import type { RunHost } from './types.js';
import type { WorkflowCatalog } from './workflow-catalog.js';

// The options and the interface of a process's run host (createRunHost in run-host.ts).

/** Options of {@link createRunHost}. */
export interface RunHostOptions {
  /** The workflows to host (with the file each came from, for error messages). */
  workflows?: Iterable<AnyWorkflow | [AnyWorkflow, string]>;
  /** Where runs live. */
  store: Store;
  /** Close the store when the host closes. Default false. */
  ownsStore?: boolean;
  /** Default the system clock. */
  clock?: Clock;
  /** Overrides every workflow's `pollIntervalMs` (`--poll-interval`). */
  pollIntervalMs?: number;
  /** XState's inspection observer for every run's actors (`--inspect`). */
  inspect?: (event: InspectionEvent) => void;
  /**
   * Refuse every start but the CLI's own with `RNR_ERR_CONFLICT` and this reason (`rnr run`
   * serves one run: `POST /workflows/:workflow/runs` is for `rnr serve`).
   */
  refuseStarts?: string;
  /** Keep finished runs in memory (`rnr run`, the test harness). Default false: they are unloaded. */
  keepFinished?: boolean;
  /** Start ticking a run as soon as it is started or resumed. Default true. */
  autoStart?: boolean;
  /** Lines for the operator (a build's `ctx.log`, runs resumed, failures). Default stderr. */
  log?: (line: string) => void;
  /** `rnr`'s `createJob` unless a test says otherwise. */
  createJob?: (options: JobOptions) => Job;
  /**
   * On a shared store (`store.cluster`: PostgreSQL), take part in placement: take over runs that
   * nobody owns or whose lease lapsed, up to `maxRuns` (`rnr serve`; docs/cluster.md).
   */
  cluster?: { maxRuns?: number };
  /**
   * On a store several processes share: how long an action for a run that lives in another
   * process waits for its owner to apply it before it is answered pending (ms, default 5,000).
   */
  commandWaitMs?: number;
}

/** A run resumed by {@link LocalRunHost.resumeAll}. */
export interface ResumedRun {
  id: string;
  fromSeq: number;
}

/** The run host of one process: {@link RunHost} plus what `rnr run` / `rnr serve` drive. */
export interface LocalRunHost extends RunHost {
  readonly catalog: WorkflowCatalog;
  readonly store: Store;
  /** The newest unfinished run of a workflow in the store, if any. */
  latestUnfinished(workflow: string): Promise<JobSummary | undefined>;
  /** Loads (resumes) one stored run of a hosted workflow into memory and returns its Job. */
  resume(runId: string): Promise<Job>;
  /**
   * Resumes every unfinished run of the hosted workflows that is not in memory yet. A run that
   * cannot be resumed (its build throws, another process owns it) is logged and left as it is.
   */
  resumeAll(): Promise<ResumedRun[]>;
  /**
   * Fires the schedules of every hosted workflow from now on (`rnr serve`; docs/workflows.md,
   * "Schedules"), and of workflows hosted later once called again. Refuses with
   * `RNR_ERR_INVALID_INPUT` when a schedule's input fails its workflow's validator.
   */
  startSchedules(): Promise<void>;
  /**
   * Stops firing schedules and ticking every live run, and aborts polls in flight; resolves once
   * their polls settled.
   */
  stop(): Promise<void>;
  /** With `cluster` on a shared store: registers and takes runs over (else {@link resumeAll}). */
  joinCluster(): Promise<ResumedRun[]>;
}
