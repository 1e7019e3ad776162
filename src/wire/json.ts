/**
 * The JSON of the control API: the proto3 JSON mapping of the engine's objects (lowerCamelCase
 * fields, enums by name, times as ms since the epoch, every field of the engine's object present).
 * One family of types, derived from the engine's messages, for the server that writes them, the
 * CLI that writes (`rnr run --json`) and reads them, and the web view that reads them. Types only.
 */
import type {
  Approval,
  JobHalt,
  JobSnapshot,
  JobSummary,
  MachineStatus,
  Task,
  TaskEvent,
} from '../engine/messages.js';
import type { EventCauseName, RunTriggerName, TaskKindName, TaskStateName } from './names.js';

export type { Approval, JobHalt, MachineStatus };

/** A `Task` (and its children). */
export type TaskJson = Omit<Task, 'kind' | 'state' | 'children'> & {
  kind: TaskKindName;
  state: TaskStateName;
  children: TaskJson[];
};

/** A `Job`: `GET /jobs/:job`. */
export type JobJson = Omit<JobSnapshot, 'root' | 'trigger'> & { root: TaskJson; trigger: RunTriggerName };

/** A `JobSummary`: one row of `GET /jobs`, the answer of a start or a cancel. */
export type JobSummaryJson = Omit<JobSummary, 'state' | 'trigger'> & {
  state: TaskStateName;
  trigger: RunTriggerName;
};

/** A `JobList`: a page of `GET /jobs`, newest first. */
export interface JobListJson {
  jobs: JobSummaryJson[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

/** One workflow of `GET /workflows`. */
export interface WorkflowJson {
  name: string;
  description: string;
  /** The JSON Schema of its input, where its validator offers one. */
  inputSchema?: Record<string, unknown>;
  schedules: {
    cron: string;
    timezone: string;
    overlap: string;
    /** Its next fire time (ms), where the server fires schedules. */
    nextAt?: number;
    /** What became of its last fire time in that server process. */
    lastFire?: { at: number; outcome: string; run?: string; reason?: string };
  }[];
  /** At most this many unfinished runs (absent: no limit). */
  concurrency?: number;
  keepRuns: number;
  labels: Record<string, string>;
}

/** A `TaskEvent`: one recorded change, a frame of the event stream, a line of `rnr run --json`. */
export type TaskEventJson = Omit<TaskEvent, 'from' | 'to' | 'cause'> & {
  from: TaskStateName;
  to: TaskStateName;
  cause: EventCauseName;
};

/** The body of every 4xx/5xx answer (`ErrorResponse`). */
export interface ErrorJson {
  /** `issues`: RNR_ERR_INVALID_INPUT, each problem of the input. */
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

/** One process of `GET /cluster`. */
export interface ClusterProcessJson {
  id: string;
  host: string;
  pid: number;
  startedAt: number;
  heartbeatAt: number;
  workflows: string[];
  runs: number;
}
