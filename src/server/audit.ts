import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { describeError, RnrError, type RnrErrorCode } from '../index.js';
import type { OperatorOp } from '../wire/names.js';
import { actorName } from './operator-actions.js';

/**
 * One audit line: an operator action (or a refused socket upgrade, `op: 'connect'`), accepted or
 * refused, with who asked, from where, and what came of it.
 */
export interface AuditRecord {
  /** When the server answered, ms since the Unix epoch. */
  time: number;
  /**
   * The action (`start` a run, `cancel` one, or an action on a task), or `connect` for a refused
   * event-socket upgrade.
   */
  op: AuditedOp | 'connect';
  /** The run (job) acted on; for `start`, the run it started (or `''` when refused). */
  job: string;
  /** `start`: the workflow asked for. */
  workflow?: string;
  /** The task acted on (absent for `connect`). */
  task?: string;
  /** Who the caller says they are (`X-Rnr-Actor`, `--as`, the socket's `hello`), else `anonymous`. */
  actor: string;
  /** What the caller's token grants (`none`: no valid token was given). */
  role: 'operator' | 'viewer' | 'none';
  /** `http` for a POST, `socket` for a command frame or an upgrade. */
  via: 'http' | 'socket';
  /** The caller's address. */
  remote: string;
  reason?: string;
  state?: string | number;
  parallelism?: number;
  /** True when the action was applied. */
  ok: boolean;
  /** The HTTP status of the answer (socket commands: the status of the error code, or 200). */
  status: number;
  /** The error code of a refusal. */
  code?: RnrErrorCode;
  /** The error message of a refusal. */
  error?: string;
}

/** The actions audited: the task actions, starting a run, cancelling one. */
export type AuditedOp = OperatorOp | 'start' | 'cancel';

/** Receives every audit record; it must not throw (a throw is logged and ignored). */
export type AuditSink = (record: AuditRecord) => void;

/** Where a server's audit records go: its logger, and the `audit` option's sink or file. */
export interface AuditTrail {
  write(record: AuditRecord, log: FastifyBaseLogger): void;
  close(): void;
}

/** A sink appending each record as one JSON line to `path` (created 0600 with its directory). */
function fileSink(path: string): { sink: AuditSink; close(): void } {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a', 0o600);
  let open = true;
  return {
    // Synchronous appends: lines stay whole and in order, and are in the file when the answer leaves.
    sink: (record) => {
      if (open) writeSync(fd, `${JSON.stringify(record)}\n`);
    },
    close: () => {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/**
 * The sinks and files of a server's `audit` option, as a list; throws `RNR_ERR_INVALID_OPTION`
 * naming anything else.
 */
export function auditTargets(
  audit: AuditSink | string | readonly (AuditSink | string)[] | undefined,
): readonly (AuditSink | string)[] {
  const given = audit === undefined ? [] : Array.isArray(audit) ? audit : [audit];
  for (const one of given) {
    if (typeof one !== 'function' && (typeof one !== 'string' || one === '')) {
      throw new RnrError(
        'RNR_ERR_INVALID_OPTION',
        `createServer: audit must be a function, a file path, or a list of them, got ${JSON.stringify(one)}`,
      );
    }
  }
  return given;
}

/** Makes the audit trail of a server from its checked `audit` targets (sinks and file paths). */
export function createAuditTrail(given: readonly (AuditSink | string)[]): AuditTrail {
  const files: ReturnType<typeof fileSink>[] = [];
  try {
    for (const path of given) if (typeof path === 'string') files.push(fileSink(path));
  } catch (err) {
    for (const file of files) file.close(); // the ones opened before the one that failed
    throw err;
  }
  const sinks: AuditSink[] = [
    ...files.map((f) => f.sink),
    ...given.filter((a): a is AuditSink => typeof a === 'function'),
  ];
  return {
    write(record, log) {
      const target = record.op === 'start' ? `${record.workflow ?? ''} ${record.job}`.trim() : record.job;
      const what = `${record.actor} ${record.op} ${target}${record.task === undefined ? '' : `/${record.task}`}`;
      log.info({ audit: record }, record.ok ? what : `${what} refused (${record.code ?? record.status})`);
      for (const sink of sinks) {
        try {
          sink(record);
        } catch (err) {
          log.error({ err }, `audit sink failed: ${describeError(err)}`);
        }
      }
    },
    close: () => {
      for (const file of files) file.close();
    },
  };
}

const clip = (value: unknown): string | undefined =>
  typeof value === 'string' ? value.slice(0, 4096) : undefined;

/** The body fields worth recording, when the body is an object and they have the right types. */
function bodyFields(body: unknown): Pick<AuditRecord, 'reason' | 'state' | 'parallelism'> {
  if (typeof body !== 'object' || body === null) return {};
  const { reason, state, parallelism } = body as Record<string, unknown>;
  return {
    ...(clip(reason) !== undefined && { reason: clip(reason) }),
    ...((typeof state === 'string' || typeof state === 'number') && { state: clip(state) ?? state }),
    ...(typeof parallelism === 'number' && { parallelism }),
  };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The operator action a route performs (its requests are audited). */
    operatorOp?: AuditedOp;
  }
  interface FastifyRequest {
    /** The error code the request was refused with, set by the error handler. */
    rnrErrorCode?: RnrErrorCode;
    /** The error message the request was refused with. */
    rnrErrorMessage?: string;
  }
}

/** The role a request ended with: `none` when it was refused for want of a valid token. */
function roleOf(request: FastifyRequest, status: number): AuditRecord['role'] {
  return status === 401 || !request.rnrRoleKnown ? 'none' : request.rnrRole;
}

/**
 * Audits every request of an operator route (accepted or refused, by the origin guard and auth
 * included) and every refused (401/403) event-socket upgrade, once answered.
 */
export function registerAudit(app: FastifyInstance, trail: AuditTrail): void {
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const config = request.routeOptions.config;
    const params = (request.params ?? {}) as { job?: string; task?: string; workflow?: string };
    const upgrade = config.socket === true && request.ws && (status === 401 || status === 403);
    if (config.operatorOp === undefined && !upgrade) return;
    trail.write(
      {
        time: Date.now(),
        op: config.operatorOp ?? 'connect',
        job: params.job ?? request.rnrRunId ?? '',
        ...(params.workflow !== undefined && { workflow: params.workflow }),
        ...(params.task !== undefined && { task: params.task }),
        actor: actorName(
          request.headers['x-rnr-actor'] ?? (request.query as { actor?: unknown } | undefined)?.actor,
        ),
        role: roleOf(request, status),
        via: upgrade ? 'socket' : 'http',
        remote: request.ip,
        ...bodyFields(request.body),
        ok: status < 400,
        status,
        ...(request.rnrErrorCode !== undefined && {
          code: request.rnrErrorCode,
          error: request.rnrErrorMessage,
        }),
      },
      request.log,
    );
  });
}
