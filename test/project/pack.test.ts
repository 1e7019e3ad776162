// rnr as a dependency, as a user gets it: `npm pack` of a fresh copy of the repository (its
// `prepare` builds dist/ and the web view), installed into a new `npm init -y` project offline
// (dependencies from the npm cache that the repository's `npm ci` filled; see
// test/fixtures/user-project.ts), then used there with no configuration at all: imported from ESM
// and CommonJS, type-checked with `tsc --strict`, tested with vitest, run with `rnr run`.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type UserProject, userProject } from '../fixtures/user-project.js';

const repo = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'rnr-pack-'));
let project: UserProject;
let tarball: string;
let installLog: string;
const timings: Record<string, number> = {};

/** A workflow that uses all three entry points (types from rnr/server and rnr/testing too). */
const workflow = `import { callbackTask, createJob, nestedTask, type WorkflowOptions } from 'rnr';
import type { ServerOptions } from 'rnr/server';
import type { RunReport } from 'rnr/testing';

export const root = nestedTask({
  name: 'hello',
  children: ['a', 'b'].map((name) => {
    let polls = 0;
    return callbackTask({ name, poll: () => (++polls >= 2 ? true : { message: \`\${name}: warming up\` }) });
  }),
});

export default (options: WorkflowOptions) => createJob({ name: 'hello', pollIntervalMs: 20, ...options, root });

export type Unused = [ServerOptions, RunReport];
`;

/** The same workflow as plain JavaScript (ESM syntax: rnr run loads it whatever the package type). */
const workflowJs = `import { callbackTask, createJob } from 'rnr';
let polls = 0;
export default (options) =>
  createJob({ name: 'hello-js', pollIntervalMs: 20, ...options,
    root: callbackTask({ name: 'only', poll: () => (++polls >= 2 ? true : undefined) }) });
`;

const workflowTest = `import { TaskState } from 'rnr';
import { createTestEnvironment, hours } from 'rnr/testing';
import { expect, it } from 'vitest';
import { root } from './flow.js';

it('says hello', async () => {
  const env = createTestEnvironment();
  const report = await env.run(env.createJob({ name: 'hello', root }), { for: hours(1) });
  expect(report.stateName).toBe('SUCCESS');
  expect(report.state).toBe(TaskState.SUCCESS);
});
`;

/** A copy of the repository's files as a fresh clone has them (no dist/, no ui-dist/). */
function freshCopy(to: string): void {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: repo,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f !== '' && !f.startsWith('node_modules/'));
  for (const file of files) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    try {
      cpSync(join(repo, file), join(to, file));
    } catch {
      // Deleted in the working tree but still in the index.
    }
  }
  symlinkSync(join(repo, 'node_modules'), join(to, 'node_modules'), 'dir');
}

const timed = <T>(name: string, fn: () => T): T => {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    timings[name] = Math.round(performance.now() - t0);
  }
};

beforeAll(() => {
  const clone = join(work, 'clone');
  timed('copy', () => freshCopy(clone));
  timed('pack', () =>
    execFileSync('npm', ['pack', '--pack-destination', work], {
      cwd: clone,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const [name] = readdirSync(work).filter((f) => f.endsWith('.tgz'));
  tarball = join(work, name ?? 'rnr.tgz');
  project = timed('install', () =>
    userProject(repo, join(work, 'user'), tarball, ['vitest', 'typescript', '@types/node']),
  );
  installLog = project.installLog;
  writeFileSync(join(project.dir, 'flow.ts'), workflow);
  writeFileSync(join(project.dir, 'flow.test.ts'), workflowTest);
}, 300_000);

afterAll(() => {
  console.log(`pack test timings (ms): ${JSON.stringify(timings)}`);
  rmSync(work, { recursive: true, force: true });
});

// Each step starts node, npm or tsc in the new project: generous timeouts for a loaded machine.
describe('the packed rnr in a fresh npm init -y project', { timeout: 120_000 }, () => {
  it('holds built JavaScript and declarations, the web view, and no sources', () => {
    const listing = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const file of [
      'package/dist/src/index.js',
      'package/dist/src/index.d.ts',
      'package/dist/src/server/index.d.ts',
      'package/dist/src/testing/index.d.ts',
      'package/dist/src/cli/bin.js',
      'package/ui-dist/index.html',
      'package/bin/rnr.js',
    ])
      expect(listing).toContain(file);
    expect(listing.filter((f) => f.startsWith('package/src/'))).toEqual([]);
    expect(listing.filter((f) => /\.test\./.test(f))).toEqual([]);
  });

  it("public declarations reach no package but rnr's own runtime dependencies", () => {
    const pkg = join(project.dir, 'node_modules/rnr');
    const { dependencies } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const reached = declarationImports(
      ['index', 'server/index', 'testing/index'].map((e) => join(pkg, 'dist/src', `${e}.d.ts`)),
    );
    const outside = [...reached].filter(
      (name) => !name.startsWith('node:') && !Object.hasOwn(dependencies, name),
    );
    expect(outside).toEqual([]);
  });

  it('installs on this Node without an engine warning, and has no install script of its own', () => {
    expect(installLog).not.toMatch(/EBADENGINE/);
    // npm 11 lists every package whose manifest has one (prepare included) on every install.
    const packed = JSON.parse(
      execFileSync('tar', ['xzfO', tarball, 'package/package.json'], { encoding: 'utf8' }),
    ) as { scripts?: Record<string, string> };
    const scripts = Object.keys(packed.scripts ?? {});
    expect(scripts.filter((s) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(s))).toEqual(
      [],
    );
    // …while the repository keeps its own (postpack put it back).
    expect(readFileSync(join(work, 'clone/package.json'), 'utf8')).toBe(
      readFileSync(join(repo, 'package.json'), 'utf8'),
    );
  });

  it('imports rnr, rnr/server and rnr/testing by name, from ESM and from CommonJS', () => {
    const probe =
      'console.log(JSON.stringify([typeof m.createJob, typeof m.TaskState, typeof s.createServer, typeof t.createTestEnvironment]))';
    const esm = project.run(process.execPath, [
      '--input-type=module',
      '-e',
      `const [m, s, t] = await Promise.all([import('rnr'), import('rnr/server'), import('rnr/testing')]); ${probe}`,
    ]);
    const cjs = project.run(process.execPath, [
      '-e',
      `const [m, s, t] = [require('rnr'), require('rnr/server'), require('rnr/testing')]; ${probe}`,
    ]);
    const expected = JSON.stringify(['function', 'object', 'function', 'function']);
    expect(esm.trim()).toBe(expected);
    expect(cjs.trim()).toBe(expected);
  });

  it.each([
    ['nodenext', 'nodenext'],
    ['esnext', 'bundler'],
  ])(
    'type-checks a workflow with tsc --strict, skipLibCheck false (module %s, %s resolution)',
    (module, resolution) => {
      const out = spawnSync(
        join(project.dir, 'node_modules/.bin/tsc'),
        [
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          'false',
          '--module',
          module,
          '--moduleResolution',
          resolution,
          '--target',
          'es2022',
          'flow.ts',
          'flow.test.ts',
        ],
        { cwd: project.dir, encoding: 'utf8' },
      );
      expect(`${out.stdout}${out.stderr}`).toBe('');
      expect(out.status).toBe(0);
    },
  );

  it('runs a vitest test that uses rnr/testing, with no vitest config', () => {
    const out = timed('vitest', () =>
      spawnSync(join(project.dir, 'node_modules/.bin/vitest'), ['run'], {
        cwd: project.dir,
        encoding: 'utf8',
        env: { ...process.env, CI: '1', NO_COLOR: '1' },
      }),
    );
    expect(out.status, `${out.stdout}${out.stderr}`).toBe(0);
    expect(out.stdout).toMatch(/1 passed/);
  });

  it.each([
    ['commonjs', 'flow.ts'],
    ['commonjs', 'flow.js'],
    ['module', 'flow.ts'],
    ['module', 'flow.mts'],
    [undefined, 'flow.mjs'],
  ])('rnr run reaches SUCCESS and exits 0 (package type %s, %s)', (type, file) => {
    const manifestPath = join(project.dir, 'package.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { type?: string };
    if (type === undefined) delete manifest.type;
    else manifest.type = type;
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    writeFileSync(join(project.dir, file), file.endsWith('ts') ? workflow : workflowJs);
    const stateDir = mkdtempSync(join(work, 'state-'));
    const out = timed(`run ${type} ${file}`, () =>
      spawnSync(
        join(project.dir, 'node_modules/.bin/rnr'),
        ['run', file, '--port', '0', '--state-dir', stateDir],
        {
          cwd: project.dir,
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1' },
        },
      ),
    );
    expect(out.stderr).toMatch(/^rnr: started run \S+\n$/);
    expect(out.status, out.stdout).toBe(0);
    expect(out.stdout).toMatch(/ended SUCCESS/);
    expect(out.stdout).toContain(`state in sqlite:${stateDir}/rnr.db`);
  });

  it('client verbs run from the build: --version, and a clear error when no server answers', () => {
    const bin = join(project.dir, 'node_modules/.bin/rnr');
    const version = spawnSync(bin, ['--version'], { cwd: project.dir, encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version);
    const ls = spawnSync(bin, ['ls', '--server', 'http://127.0.0.1:9'], {
      cwd: project.dir,
      encoding: 'utf8',
    });
    expect(ls.status).toBe(1);
    expect(ls.stderr).toMatch(
      /^rnr: cannot reach the rnr server at http:\/\/127\.0\.0\.1:9 \(connection refused\)/,
    );
  });
});

/** The packages (by name) that the declaration files reachable from `entries` import. */
function declarationImports(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const stack = [...entries];
  for (let file = stack.pop(); file !== undefined; file = stack.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(
      /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s+['"]([^'"]+)['"]|import\(['"]([^'"]+)['"]\)/g,
    )) {
      const spec = match[1] ?? match[2];
      if (!spec) continue;
      if (spec.startsWith('.')) stack.push(join(dirname(file), spec.replace(/\.js$/, '.d.ts')));
      else
        packages.add(
          spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec),
        );
    }
    for (const [, ref] of text.matchAll(/reference types="([^"]+)"/g)) packages.add(`@types/${ref}`);
  }
  return packages;
}
