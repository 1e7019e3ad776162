import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { RnrError } from '../errors.js';
import type { AnyWorkflow } from '../index.js';
import { loadWorkflowModule } from './workflow-loader.js';

const MODULE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const SKIPPED = /(\.test|\.spec|\.d)\.[cm]?[jt]s$/;

/** The module files under a directory, recursively (no node_modules, dot directories, tests). */
function modulesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...modulesUnder(path));
    else if (entry.isFile() && MODULE.test(entry.name) && !SKIPPED.test(entry.name)) found.push(path);
  }
  return found;
}

/** A workflow found by `rnr serve`, with its file. */
export interface FoundWorkflow {
  workflow: AnyWorkflow;
  file: string;
}

/**
 * The workflows of `rnr serve`'s paths: each file must default-export a `workflow()` (else
 * `RNR_ERR_WORKFLOW_INVALID`); a directory is searched recursively and its modules exporting
 * anything else are skipped. A directory without any workflow, or two files naming one workflow,
 * is refused (`RNR_ERR_DUPLICATE_WORKFLOW` names both files).
 */
export async function findWorkflows(
  paths: readonly string[],
): Promise<{ found: FoundWorkflow[]; skipped: string[] }> {
  const found: FoundWorkflow[] = [];
  const skipped: string[] = [];
  const byName = new Map<string, string>();
  const add = (workflow: AnyWorkflow, file: string) => {
    const known = byName.get(workflow.name);
    if (known !== undefined && known !== file) {
      throw new RnrError(
        'RNR_ERR_DUPLICATE_WORKFLOW',
        `two workflows are named ${JSON.stringify(workflow.name)}: in ${known} and in ${file}; names must be unique in a process`,
      );
    }
    if (known === undefined) found.push({ workflow, file });
    byName.set(workflow.name, file);
  };
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(resolve(path)).isDirectory();
    } catch {
      throw new RnrError('RNR_ERR_WORKFLOW_NOT_FOUND', `${path} does not exist`);
    }
    if (!isDir) {
      const module = await loadWorkflowModule(path);
      if (module.kind !== 'workflow') {
        throw new RnrError(
          'RNR_ERR_WORKFLOW_INVALID',
          `${path} exports a Job (or a function making one), not a workflow: rnr serve hosts workflow()s (run a Job with rnr run)`,
        );
      }
      add(module.workflow, path);
      continue;
    }
    const before = found.length;
    for (const file of modulesUnder(resolve(path))) {
      const shown = relative(process.cwd(), file) || file;
      const module = await loadWorkflowModule(file).catch((err: unknown) => {
        // A helper module that does not load on its own is skipped; a workflow file that does not load is not.
        if ((err as RnrError).code === 'RNR_ERR_WORKFLOW_INVALID') return undefined;
        throw err;
      });
      if (module?.kind === 'workflow') add(module.workflow, shown);
      else skipped.push(shown);
    }
    if (found.length === before)
      throw new RnrError('RNR_ERR_WORKFLOW_NOT_FOUND', `no workflow() found in ${path}`);
  }
  return { found, skipped };
}
