// The UI plugin in-process (inject): the built assets, the app's routes, the statecharts, and a
// clear answer when the web view has not been built.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, test } from 'vitest';
import { uiPlugin } from '../../src/ui/plugin.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fastify app serving the UI from `dist` (a temporary directory, built or not). */
async function app(built: boolean) {
  const dist = mkdtempSync(join(tmpdir(), 'rnr-ui-dist-'));
  dirs.push(dist);
  if (built) {
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>rnr</title><div id="app"></div>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("rnr")');
  }
  const fastify = Fastify();
  await fastify.register(uiPlugin, { distDir: dist });
  return fastify;
}

describe('uiPlugin', () => {
  test('serves index.html on the app routes, for deep links to jobs and tasks', async () => {
    const fastify = await app(true);
    for (const url of [
      '/',
      '/inbox',
      '/jobs',
      '/jobs/rollout',
      '/jobs/a%2Fb?task=a%2Fb%2Fc&tab=audit',
      '/runs?workflow=rollout&state=ACTIVE,FAILED',
      '/workflows',
      '/workflows/rolling-upgrade',
      '/cluster',
    ]) {
      const res = await fastify.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('<div id="app">');
    }
  });

  test('serves the hashed assets with a long cache life, and 404 for others', async () => {
    const fastify = await app(true);
    const res = await fastify.inject('/assets/index-abc123.js');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log("rnr")');
    expect(res.headers['cache-control']).toContain('immutable');
    expect((await fastify.inject('/assets/nope.js')).statusCode).toBe(404);
    expect((await fastify.inject('/assets/../index.html')).body).not.toContain('console.log');
  });

  test('explains how to build the web view when it is missing', async () => {
    const fastify = await app(false);
    for (const url of ['/', '/jobs/rollout']) {
      const res = await fastify.inject({ url, headers: { accept: 'text/html,*/*;q=0.8' } });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('npm run build:ui');
      // Other clients (curl, scripts) get the API's error shape.
      const plain = await fastify.inject(url);
      expect(plain.statusCode).toBe(503);
      expect(plain.json()).toEqual({
        error: { code: 'RNR_ERR_UI_NOT_BUILT', message: expect.stringContaining('npm run build:ui') },
      });
    }
  });

  test('serves the task statechart as machine.toJSON(), with the seven task states', async () => {
    const fastify = await app(false);
    const res = await fastify.inject('/ui/machines/task.json');
    expect(res.statusCode).toBe(200);
    const chart = res.json() as { id: string; states: Record<string, { on: Record<string, unknown> }> };
    expect(Object.keys(chart.states).sort()).toEqual(
      ['ACTION_PENDING', 'FAILED', 'PENDING', 'RUNNING', 'SKIPPED', 'SUCCESS', 'UNKNOWN'].sort(),
    );
    expect(chart.states.ACTION_PENDING?.on).toHaveProperty('approve');
    const missing = await fastify.inject('/ui/machines/nope.json');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'RNR_ERR_ROUTE_NOT_FOUND' } });
  });
});
