import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { RnrError } from '../errors.js';
import type { Job } from '../index.js';
import type { RunHost } from '../runs/index.js';
import type { AuditSink } from '../server/index.js';

/** Where and how `rnr run` serves its job. */
export interface ServeOptions {
  host: string;
  port: number;
  token?: string;
  viewerToken?: string;
  /** Where the server appends its audit records (JSON lines). */
  auditFile?: string;
  /** Where else each audit record goes (a shared store's audit table). */
  auditSinks?: readonly AuditSink[];
  /** Why `POST /workflows/:workflow/runs` is refused (409) by a server of one job. */
  refuseStarts?: string;
}

/** A listening control API (and web view) for one job. */
export interface ServedJob {
  app: FastifyInstance;
  /** The base URL, with the real port when `--port 0` picked one. */
  url: string;
}

/**
 * Serves the control API and web view of `job` (rnr/server's `createServer`) and makes it listen.
 * Failures to listen become one-line `RnrError`s that name the flag to change.
 */
export async function serveJob(job: Job, options: ServeOptions): Promise<ServedJob> {
  const { createServer } = await import('../server/index.js');
  const app = createServer({
    jobs: [job],
    ...(options.refuseStarts !== undefined && { refuseStarts: options.refuseStarts }),
    token: options.token,
    viewerToken: options.viewerToken,
    ...(options.auditFile !== undefined && { audit: options.auditFile }),
  });
  try {
    return { app, url: await listen(app, options.host, options.port) };
  } catch (err) {
    await app.close().catch(() => {});
    throw err;
  }
}

/** Serves the API and web view of a run host (`rnr serve`, `rnr run` of a workflow) and listens. */
export async function serveRuns(runs: RunHost, options: ServeOptions): Promise<ServedJob> {
  const { createServer } = await import('../server/index.js');
  const app = createServer({
    runs,
    token: options.token,
    viewerToken: options.viewerToken,
    audit: [...(options.auditFile === undefined ? [] : [options.auditFile]), ...(options.auditSinks ?? [])],
  });
  try {
    return { app, url: await listen(app, options.host, options.port) };
  } catch (err) {
    await app.close().catch(() => {});
    throw err;
  }
}

/**
 * Makes the server listen and returns its base URL (with the real port when `port` is 0). A port
 * in use, a privileged port or an unknown host becomes an `RnrError` that names the flag to change.
 */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new RnrError(
        'RNR_ERR_PORT_IN_USE',
        `port ${port} on ${host} is already in use (another rnr run?): choose another with --port <n>, or --port 0 for any free port`,
        { cause: err },
      );
    }
    if (code === 'EACCES') {
      throw new RnrError(
        'RNR_ERR_USAGE',
        `not allowed to listen on port ${port}: choose a port above 1023 with --port`,
        {
          cause: err,
        },
      );
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new RnrError('RNR_ERR_USAGE', `cannot listen on host ${host} (${code}): fix --host`, {
        cause: err,
      });
    }
    throw err;
  }
  const address = app.server.address() as AddressInfo | string | null;
  if (address === null || typeof address === 'string') return `http://${host}:${port}`;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shown}:${address.port}`;
}
