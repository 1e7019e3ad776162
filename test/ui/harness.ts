// Shared fixtures of the browser tests and the UI bench: build the web view, serve real jobs
// with createServer, and drive Debian's chromium through playwright-core.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium } from 'playwright-core';
import {
  type Clock,
  callbackTask,
  createJob,
  type Job,
  nestedTask,
  type PollResult,
  TaskState,
} from '../../src/index.js';
import { createServer, type ServerOptions } from '../../src/server/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The newest modification time of the files under `dir` (recursively), in ms. */
function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

/**
 * Builds the web view unless ui-dist/ is newer than its sources (`npm ci` built it already), so
 * that tests running beside these seldom see ui-dist/ half-written.
 */
export function ensureUiBuilt(): void {
  const index = join(root, 'ui-dist', 'index.html');
  const sources = Math.max(
    newest(join(root, 'src', 'ui', 'app')),
    statSync(join(root, 'src', 'ui', 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  buildUi();
}

/** Builds the web view into ui-dist/ (about a second), as `npm run build:ui` does. */
export function buildUi(): void {
  execFileSync(
    process.execPath,
    [`${root}node_modules/vite/bin/vite.js`, 'build', '--config', 'src/ui/vite.config.ts'],
    {
      cwd: root,
      stdio: 'pipe',
    },
  );
}

/** Where Debian installs chromium (`apt-get install chromium`); `.ci/run` installs it. */
export const chromiumPath = process.env.RNR_CHROMIUM ?? '/usr/bin/chromium';

/** True when a browser is there to run the tests with. */
export const hasChromium = existsSync(chromiumPath);

/** Launches headless chromium with the flags of DEVELOPERS.md. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** A server on 127.0.0.1 with an ephemeral port. */
export interface Served {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Serves `jobs` with the real createServer, listening on 127.0.0.1:0. */
export async function serve(options: ServerOptions): Promise<Served> {
  const app = createServer(options);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** What a leaf of {@link rolloutJob} reports on its next poll, set by the test. */
export type World = Map<string, PollResult>;

/**
 * A rollout `id`: zones `canary` (1 VM), `staging` (4 VMs, parallelism 2), an approval gate,
 * `production` (`prodVms` VMs, parallelism 4). Each VM reports what `world` holds for its id
 * (default: keeps RUNNING with a progress message); the gate waits for an operator's approval.
 */
export function rolloutJob(world: World, id = 'rollout', prodVms = 8, clock?: Clock): Job {
  const vm = (zone: string, n: number) => {
    const taskId = `${id}/${zone}/vm-${n}`;
    let polls = 0;
    return callbackTask({
      id: taskId,
      name: `vm-${n}`,
      labels: { zone },
      poll: () => world.get(taskId) ?? { message: `upgrading 1.4.2 → 1.5.0: ${Math.min(99, ++polls * 17)}%` },
    });
  };
  const zone = (name: string, vms: number, parallelism: number) =>
    nestedTask({
      id: `${id}/${name}`,
      name,
      parallelism,
      children: Array.from({ length: vms }, (_, k) => vm(name, k + 1)),
    });
  return createJob({
    id,
    name: id,
    ...(clock ? { clock } : {}),
    root: nestedTask({
      id,
      name: id,
      children: [
        zone('canary', 1, 1),
        zone('staging', 4, 2),
        callbackTask({
          id: `${id}/approve-production`,
          name: 'approve-production',
          poll: ({ approval }) =>
            approval
              ? { state: TaskState.SUCCESS, message: `approved by ${approval.by}` }
              : {
                  state: TaskState.ACTION_PENDING,
                  message: 'staging looks healthy: approve to roll out production',
                },
        }),
        zone('production', prodVms, 4),
      ],
    }),
  });
}

/** A job of `groups` nested tasks of `perGroup` leaves each (100 × 1000 = 100,000 tasks + 101). */
export function bigJob(groups: number, perGroup: number, id = 'big'): Job {
  return createJob({
    id,
    name: id,
    root: nestedTask({
      id,
      name: id,
      parallelism: groups,
      children: Array.from({ length: groups }, (_, g) =>
        nestedTask({
          id: `${id}/g${g}`,
          name: `group-${g}`,
          parallelism: 50,
          children: Array.from({ length: perGroup }, (_, k) =>
            callbackTask({ id: `${id}/g${g}/t${k}`, name: `task-${k}`, poll: () => undefined }),
          ),
        }),
      ),
    }),
  });
}
