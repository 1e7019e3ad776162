import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Job } from '../index.js';
import { RnrError } from '../index.js';
import { jobsHost, type RunHost } from '../runs/index.js';
import { uiPlugin } from '../ui/plugin.js';
import { type AuditSink, auditTargets, createAuditTrail, registerAudit } from './audit.js';
import { registerAuth } from './auth.js';
import { registerClusterRoutes } from './cluster-routes.js';
import { registerDocs } from './docs.js';
import { registerErrorHandler } from './error-handler.js';
import { clientErrorHandler, frameworkErrors } from './framework-errors.js';
import { createJobRegistry, isJobRegistry, type JobRegistry } from './job-registry.js';
import { guardListen } from './listen-guard.js';
import { registerMetrics, registerMetricsRoute } from './metrics.js';
import { registerOperatorRoutes } from './operator-routes.js';
import { originPolicy, registerOriginGuard } from './origin-guard.js';
import { registerProtobufParser } from './protobuf-parser.js';
import { registerReadRoutes } from './read-routes.js';
import { registerRunRoutes } from './run-routes.js';
import { registerSchemas } from './schemas.js';
import { createServerContext, type StreamLimits } from './server-context.js';

/** Options of {@link createServer}. */
export interface ServerOptions extends Partial<StreamLimits> {
  /**
   * The runs to serve: a process's run host (`createRunHost`), with its workflows, runs in the store
   * and `POST /workflows/:workflow/runs`. Give `runs` or `jobs`.
   */
  runs?: RunHost;
  /** Jobs you made and keep: a list, or a registry to add jobs to while the server runs. */
  jobs?: readonly Job[] | JobRegistry;
  /**
   * With `jobs`: the reason a `POST /workflows/:workflow/runs` is refused (409 RNR_ERR_CONFLICT);
   * without it, the server hosts no workflows and answers 404.
   */
  refuseStarts?: string;
  /** The operator token; when set, every API call and socket needs `Authorization: Bearer <token>`. */
  token?: string;
  /** A read-only token (needs `token` too). */
  viewerToken?: string;
  /** `true`, fastify logger options, or a pino-compatible logger. Default: no logging. */
  logger?: boolean | FastifyServerOptions['logger'] | FastifyBaseLogger;
  /** Largest request body in bytes (default 256 KiB); larger ones get 413. */
  bodyLimit?: number;
  /**
   * Where audit records of operator actions (accepted and refused) go besides the logger: a function
   * called with each record, a file path to append them to as JSON lines (created 0600), or a list
   * of both kinds (each record goes to every one).
   */
  audit?: AuditSink | string | readonly (AuditSink | string)[];
  /** @deprecated No longer used: a socket catching up reads the job's log, it holds no live events. */
  maxPendingEvents?: number;
  /**
   * Origins besides its own that pages may call the server from, e.g. the public
   * `https://rnr.example.com` of a TLS proxy in front of it. Every other `Origin` is refused (403).
   */
  origins?: readonly string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * rnr's state on the server: `runs`, and with `jobs`, their registry (`app.rnr.jobs.add(job)`
     * serves one more job; a server of a run host has an empty registry that refuses jobs).
     */
    rnr: { jobs: JobRegistry; runs: RunHost };
  }
}

function checkSecret(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
    throw new RnrError(
      'RNR_ERR_INVALID_OPTION',
      `createServer: ${name} must be a non-empty string, got ${JSON.stringify(value)}`,
    );
  }
}

function checkOptions(options: ServerOptions): { runs: RunHost; jobs: JobRegistry } {
  const { jobs, runs, token, viewerToken } = options;
  checkSecret('token', token);
  checkSecret('viewerToken', viewerToken);
  if (viewerToken !== undefined && token === undefined) {
    throw new RnrError(
      'RNR_ERR_INVALID_OPTION',
      'createServer: viewerToken needs a token too (the operator token)',
    );
  }
  if (viewerToken !== undefined && viewerToken === token) {
    throw new RnrError('RNR_ERR_INVALID_OPTION', 'createServer: viewerToken must differ from token');
  }
  const limits = [
    'bodyLimit',
    'maxSocketBuffer',
    'maxPendingEvents',
    'maxSockets',
    'maxSocketsPerToken',
    'heartbeatMs',
  ] as const;
  for (const name of limits) {
    const value = options[name];
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
      throw new RnrError(
        'RNR_ERR_INVALID_OPTION',
        `createServer: ${name} must be a positive integer, got ${JSON.stringify(value)}`,
      );
    }
  }
  auditTargets(options.audit); // checked before anything is opened
  if (runs !== undefined) {
    if (jobs !== undefined)
      throw new RnrError('RNR_ERR_INVALID_OPTION', 'createServer: give runs (a run host) or jobs, not both');
    if (
      typeof runs !== 'object' ||
      runs === null ||
      typeof runs.start !== 'function' ||
      typeof runs.list !== 'function'
    )
      throw new RnrError('RNR_ERR_INVALID_OPTION', 'createServer: runs must be a run host (createRunHost())');
    return { runs, jobs: refusingRegistry() };
  }
  let registry: JobRegistry;
  if (isJobRegistry(jobs)) registry = jobs;
  else if (Array.isArray(jobs)) registry = createJobRegistry(jobs);
  else {
    throw new RnrError(
      'RNR_ERR_INVALID_OPTION',
      'createServer: give runs (createRunHost()), or jobs: an array of Jobs or a JobRegistry (createJobRegistry())',
    );
  }
  const refuse = options.refuseStarts;
  return { runs: jobsHost(registry, refuse === undefined ? {} : { refuseStarts: refuse }), jobs: registry };
}

/** The registry of a server that serves a run host: runs come from the host, not from `add`. */
function refusingRegistry(): JobRegistry {
  const registry = createJobRegistry();
  registry.add = () => {
    throw new RnrError(
      'RNR_ERR_INVALID_OPTION',
      'this server serves a run host: start runs through it (runs.start) rather than adding jobs',
    );
  };
  return registry;
}

/** A request URL with the socket's `access_token` query parameter masked, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/gi, '$1[redacted]');
}

/** Fastify's request serializer, minus the token a browser puts in the socket URL. */
const redactedRequest = (request: { method: string; url: string; hostname?: string; ip?: string }) => ({
  method: request.method,
  url: redactUrl(request.url),
  hostname: request.hostname,
  remoteAddress: request.ip,
});

function loggerOptions(logger: ServerOptions['logger']): Partial<FastifyServerOptions> {
  if (logger && typeof logger === 'object' && typeof (logger as FastifyBaseLogger).info === 'function') {
    // A logger instance serializes requests its own way: pass one that redacts, or use `true`.
    return { loggerInstance: logger as FastifyBaseLogger };
  }
  if (!logger) return { logger: false };
  const base =
    logger === true ? {} : (logger as Exclude<FastifyServerOptions['logger'], boolean | undefined>);
  const serializers = { req: redactedRequest, ...((base as { serializers?: object }).serializers ?? {}) };
  return { logger: { ...base, serializers } as FastifyServerOptions['logger'] };
}

/**
 * Makes the Control API server (not listening yet): the API under `/api/v1` (docs/api.md), the
 * event WebSocket, `/healthz`, `/metrics`, OpenAPI at `/docs`, and the web view at `/`.
 *
 * @example
 * const app = createServer({ runs: createRunHost({ workflows: [upgrade], store }), token: process.env.RNR_TOKEN });
 * // or, for jobs you made yourself:
 * const app = createServer({ jobs: [job], token: process.env.RNR_TOKEN });
 * await app.listen({ host: '127.0.0.1', port: 7300 });
 */
export function createServer(options: ServerOptions): FastifyInstance {
  const { runs, jobs } = checkOptions(options);
  const origins = originPolicy(options.token !== undefined, options.origins);
  const auth = { token: options.token, viewerToken: options.viewerToken };
  const app = Fastify({
    ...loggerOptions(options.logger),
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    routerOptions: { maxParamLength: 2048 },
    // Errors raised before any route runs get the API's error shape too.
    frameworkErrors,
    clientErrorHandler,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  }) as unknown as FastifyInstance;
  const trail = createAuditTrail(auditTargets(options.audit));
  let context: ReturnType<typeof createServerContext>;
  try {
    context = createServerContext(
      runs,
      auth,
      {
        maxSocketBuffer: options.maxSocketBuffer ?? 1024 * 1024,
        maxSockets: options.maxSockets ?? 256,
        maxSocketsPerToken: options.maxSocketsPerToken ?? 64,
        heartbeatMs: options.heartbeatMs ?? 30_000,
      },
      trail,
      options.runs === undefined,
    );
  } catch (err) {
    trail.close(); // its files were opened: a server that is not made keeps none open
    throw err;
  }
  app.decorate('rnr', { jobs, runs });
  guardListen(app, options.token !== undefined);
  registerErrorHandler(app);
  registerProtobufParser(app);
  // Fastify reads text/plain bodies by default; the API takes none (a text/plain POST is what a
  // cross-site form can send): 415 like any other unsupported type.
  app.removeContentTypeParser('text/plain');
  registerSchemas(app);
  const metrics = registerMetrics(app, runs);
  registerDocs(app);
  app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  // At the root, right after the websocket plugin's own hook (which marks an upgrade as one, so that
  // a refused upgrade's socket is closed): it covers every route, the web view's included.
  registerOriginGuard(app, origins);
  app.addHook('onRequest', async (request) => {
    if (request.ws && request.routeOptions.config.socket !== true) {
      throw new RnrError(
        'RNR_ERR_ROUTE_NOT_FOUND',
        `no WebSocket at ${request.url.split('?')[0]}: the event stream is GET /api/v1/jobs/:job/events`,
      );
    }
  });
  // In a plugin registered after the websocket one, so that its hooks see an upgrade as one
  // (and close the socket when auth refuses it).
  app.register(async (api) => {
    registerAuth(api, auth);
    registerAudit(api, context.audit);
    registerMetricsRoute(api, metrics);
    registerReadRoutes(api, context);
    registerOperatorRoutes(api, context);
    registerRunRoutes(api, context);
    registerClusterRoutes(api, context);
    api.get('/healthz', { schema: { summary: 'Liveness', tags: ['ops'] } }, async () => ({
      status: 'ok',
      jobs: runs.liveJobs().length,
    }));
  });
  app.register(uiPlugin);
  app.addHook('onClose', async () => context.closeFeeds());
  return app;
}
