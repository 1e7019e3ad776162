import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AnyStateMachine } from 'xstate';
import { jobMachine, nestedSchedulingMachine, taskMachine } from '../../machines/index.js';

/** Options of {@link uiPlugin}. */
export interface UiPluginOptions {
  /** Where the built web view is; default `ui-dist/` at the package root. */
  distDir?: string;
}

/** The statecharts the view can draw, served as `GET /ui/machines/<name>.json`. */
const machines = new Map<string, AnyStateMachine>([
  ['task', taskMachine],
  ['nested', nestedSchedulingMachine],
  ['job', jobMachine],
]);

/** The paths the single-page app answers (the browser's history routes). */
const appRoutes = [
  '/',
  '/index.html',
  '/inbox',
  '/jobs',
  '/jobs/*',
  '/runs',
  '/workflows',
  '/workflows/*',
  '/cluster',
];

/** The package root: the nearest ancestor of this file with a package.json (works from src/ and dist/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

const missingBuild = (dir: string) => `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>rnr — web view not built</title>
<body style="font:15px/1.5 system-ui,sans-serif;max-width:42em;margin:3em auto;padding:0 1em">
<h1>The rnr web view is not built</h1>
<p>No <code>index.html</code> in <code>${dir.replace(/[<>&]/g, '')}</code>.
Build it with <code>npm run build:ui</code> (it runs by itself on <code>npm ci</code> / <code>npm install</code>).</p>
<p>The API works meanwhile: <a href="/api/v1/jobs">/api/v1/jobs</a>, OpenAPI at <a href="/docs">/docs</a>.</p>
</body></html>`;

/**
 * Serves the web view: the built assets of `ui-dist/` under `/assets/`, `index.html` for the app's
 * routes (`/`, `/inbox`, `/jobs/…`, `/runs`, `/workflows/…`, `/cluster`), and the statecharts of `machines/` as `machine.toJSON()` at
 * `/ui/machines/<name>.json`. Without a build, the app routes explain how to make one (503).
 */
export async function uiPlugin(app: FastifyInstance, options: UiPluginOptions = {}): Promise<void> {
  const dist = options.distDir ?? join(packageRoot(), 'ui-dist');
  const charts = new Map<string, string>();

  app.get<{ Params: { name: string } }>('/ui/machines/:name', async (request, reply) => {
    const name = request.params.name.replace(/\.json$/, '');
    const machine = machines.get(name);
    if (!machine) {
      return reply.code(404).send({
        error: {
          code: 'RNR_ERR_ROUTE_NOT_FOUND',
          message: `no statechart ${JSON.stringify(name)}: try ${[...machines.keys()].join(', ')}`,
        },
      });
    }
    let json = charts.get(name);
    if (json === undefined) {
      json = JSON.stringify(machine.toJSON());
      charts.set(name, json);
    }
    return reply.type('application/json').header('cache-control', 'no-cache').send(json);
  });

  const indexFile = join(dist, 'index.html');
  let html: Buffer | undefined;
  try {
    html = readFileSync(indexFile);
  } catch {
    // Not built (or being rebuilt this instant): say how to build it rather than fail the server.
  }
  if (html === undefined) {
    app.log.warn(`rnr web view not built (${indexFile} missing): run npm run build:ui`);
    for (const path of appRoutes) {
      app.get(path, async (request, reply) => {
        // A browser gets the page that says how to build; any other client the API's error shape.
        if (/text\/html/.test(request.headers.accept ?? '')) {
          return reply.code(503).type('text/html; charset=utf-8').send(missingBuild(dist));
        }
        return reply.code(503).send({
          error: {
            code: 'RNR_ERR_UI_NOT_BUILT',
            message: `the web view is not built (no ${indexFile}): run npm run build:ui; the API works meanwhile`,
          },
        });
      });
    }
    return;
  }

  const page = html;
  // No other site may frame the view (a framed page's buttons could be clickjacked); browsers that
  // send Sec-Fetch-Site are refused by the server's origin guard already, this covers the others.
  const sendIndex = async (_request: unknown, reply: FastifyReply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-frame-options', 'DENY')
      .header('content-security-policy', "frame-ancestors 'none'")
      .send(page);
  for (const path of appRoutes) app.get(path, sendIndex);
  await app.register(fastifyStatic, {
    root: join(dist, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    // File names carry a content hash: they never change.
    immutable: true,
    maxAge: '365d',
  });
}
