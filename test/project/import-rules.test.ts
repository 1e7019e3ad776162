// The import rules of docs/architecture.md hold by Biome (biome.json: noRestrictedImports per part,
// noImportCycles with type imports counted), which `npm test` runs on the tree. This proves the
// check bites: Biome, with the project's own biome.json, on a scratch tree with one bad import
// per rule, must name every one of them, and must leave the allowed imports alone.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const biome = join(repo, 'node_modules/.bin/biome');

/** A file of the scratch tree and the imports it holds. */
const files: Record<string, string[]> = {
  // Forbidden, one per rule.
  'src/engine/bad-server.ts': ["import '../server/index.js';"],
  'src/engine/bad-wire.ts': ["import type { TaskJson } from '../wire/json.js';", 'export type T = TaskJson;'],
  'src/engine/bad-store.ts': ["import '../store/memory-store.js';"],
  'src/engine/bad-runs.ts': ["await import('../runs/run-host.js');"],
  'machines/bad.machine.ts': ["import '../src/engine/task-state.js';"],
  'src/ui/app/components/bad-engine.tsx': ["import '../../../engine/job.js';"],
  'src/ui/app/bad-barrel.ts': ["import '../../index.js';"],
  'src/ui/app/model/bad-node.ts': ["import 'node:fs';"],
  'src/store/bad-server.ts': ["import '../server/index.js';"],
  'src/store/bad-engine.ts': ["import '../engine/job.js';"],
  'src/store/postgres/bad-engine.ts': ["import '../../engine/job.js';"],
  'src/server/bad-engine.ts': ["import '../engine/job.js';"],
  'src/server/bad-cli.ts': ["import '../cli/main.js';"],
  'src/cli/bad-store.ts': ["import '../store/sqlite-store.js';"],
  'src/wire/bad-cli.ts': ["import '../cli/format.js';"],
  'src/wire/bad-node.ts': ["import 'node:path';"],
  'src/runs/bad-store.ts': ["import '../store/memory-store.js';"],
  'src/runs/bad-server.ts': ["import '../server/index.js';"],
  'src/runs/bad-engine.ts': ["import '../engine/job.js';"],
  // A cycle held together by a type import on one side.
  'src/cli/cycle-a.ts': ["import { b } from './cycle-b.js';", 'export const a = (): number => b;'],
  'src/cli/cycle-b.ts': [
    "import type { a } from './cycle-a.js';",
    'export const b = 1;',
    'export type A = typeof a;',
  ],
  // Allowed.
  'src/engine/ok.ts': ["import '../errors.js';", "import '../../machines/task.machine.js';"],
  'src/store/ok.ts': [
    "import '../engine/store.js';",
    "import '../engine/messages.js';",
    "import '../engine/task-state.js';",
  ],
  'src/store/postgres/ok.ts': ["import '../../engine/store.js';", "import '../memory-store.js';"],
  'src/wire/ok.ts': ["import '../engine/task-state.js';", "import '../engine/messages.js';"],
  'src/ui/app/components/ok.tsx': ["import '../../../wire/names.js';", "import '../model/states.js';"],
  'src/server/ok.ts': [
    "import '../index.js';",
    "import '../wire/encode.js';",
    "import '../runs/run-host.js';",
  ],
  'src/cli/ok.ts': ["import '../index.js';", "import '../wire/names.js';", "import '../server/index.js';"],
  'src/runs/ok.ts': ["import '../index.js';", "import '../engine/store.js';", "import '../wire/json.js';"],
};

const scratch = mkdtempSync(join(tmpdir(), 'rnr-import-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Biome's findings on the scratch tree: `path:rule` per diagnostic. */
function lintScratch(): string[] {
  const config = JSON.parse(readFileSync(join(repo, 'biome.json'), 'utf8'));
  config.vcs = { enabled: false };
  writeFileSync(join(scratch, 'biome.json'), JSON.stringify(config));
  for (const [path, lines] of Object.entries(files)) {
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), `${lines.join('\n')}\n`);
  }
  let output = '';
  try {
    execFileSync(biome, ['lint', '--max-diagnostics=none', '--colors=off', '.'], {
      cwd: scratch,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const { stdout, stderr } = err as { stdout: string; stderr: string };
    output = stdout + stderr;
  }
  const found = [...output.matchAll(/^(\S+):\d+:\d+ lint\/\w+\/(\w+)/gm)].map(
    ([, path, rule]) => `${path}:${rule}`,
  );
  return [...new Set(found)].sort();
}

describe('import rules', () => {
  it('name every forbidden import and every cycle, and nothing allowed', () => {
    const expected = Object.keys(files)
      .filter((path) => !path.includes('/ok.') && !path.endsWith('/ok.tsx'))
      .map((path) => `${path}:${path.includes('cycle-') ? 'noImportCycles' : 'noRestrictedImports'}`)
      .sort();
    expect(lintScratch()).toEqual(expected);
  });
});
