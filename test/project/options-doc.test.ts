// docs/options.md lists every option of the builders users call, so the table of defaults cannot
// fall behind the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const doc = read('docs/options.md');

/** The property names declared in `interface <name> { … }` of a source file (one level deep). */
function optionsOf(file: string, name: string): string[] {
  const source = read(file);
  // `export interface Name {` or `export interface Name<T = …> {`
  const start = source.search(new RegExp(`export interface ${name}(<[^\n]*>)? \\{`));
  if (start < 0) throw new Error(`${file} has no interface ${name}`);
  const body: string[] = [];
  let depth = 0;
  for (const line of source.slice(source.indexOf('{', start)).split('\n')) {
    if (depth === 1) {
      const m = line.match(/^\s*(?:readonly\s+)?([A-Za-z_$][\w$]*)\??:/);
      if (m?.[1]) body.push(m[1]);
    }
    depth += (line.match(/{/g) ?? []).length - (line.match(/}/g) ?? []).length;
    if (depth === 0 && body.length > 0) break;
  }
  return body;
}

/** The options listed in the table under `## \`<heading>…` in docs/options.md. */
function documented(heading: string): string[] {
  const section = doc.split('\n## ').find((s) => s.startsWith(`\`${heading}`)) ?? '';
  return [...section.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1] as string);
}

describe('docs/options.md', () => {
  it.each([
    ['createJob', 'src/engine/types.ts', 'JobOptions'],
    ['workflow', 'src/engine/workflow.ts', 'WorkflowDefinition'],
    ['callbackTask', 'src/engine/specs.ts', 'CallbackTaskOptions'],
    ['nestedTask', 'src/engine/specs.ts', 'NestedTaskOptions'],
    ['machineTask', 'src/engine/machine-task.ts', 'MachineTaskOptions'],
    ['sqliteStore', 'src/store/sqlite-store.ts', 'SqliteStoreOptions'],
    ['postgresStore', 'src/store/postgres/store-options.ts', 'PostgresStoreOptions'],
  ])('lists every option of %s, and no other', (heading, file, name) => {
    expect(documented(heading).sort()).toEqual(optionsOf(file, name).sort());
  });
});
