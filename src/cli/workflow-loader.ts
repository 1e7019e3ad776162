import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, RnrError } from '../errors.js';
import { type AnyWorkflow, isWorkflow, type Job, type WorkflowOptions } from '../index.js';
import { registerTypeScript } from './typescript-loader.js';

/** A loaded workflow. */
export interface LoadedWorkflow {
  job: Job;
  /** True when the module exported a prebuilt Job: its store and poll interval are its own. */
  prebuilt: boolean;
  /** The absolute path of the module. */
  path: string;
}

/** True when `value` has the shape of an rnr `Job`. */
export function isJob(value: unknown): value is Job {
  const job = value as Partial<Job> | null;
  return (
    typeof job === 'object' &&
    job !== null &&
    typeof job.id === 'string' &&
    typeof job.start === 'function' &&
    typeof job.subscribe === 'function' &&
    typeof job.snapshot === 'function'
  );
}

/** A workflow module's default export, understood. */
export type WorkflowModule =
  | { kind: 'workflow'; workflow: AnyWorkflow; path: string }
  | { kind: 'legacy'; exported: Job | ((options: WorkflowOptions) => unknown); path: string };

/**
 * Imports a workflow module (TypeScript or JavaScript; the `rnr` bin registers tsx) and returns
 * its default export: a `Workflow` (from `workflow()`), or one of the older forms (a Job, or a
 * function returning one). Fails with `RNR_ERR_WORKFLOW_NOT_FOUND`, `RNR_ERR_WORKFLOW_LOAD`
 * (syntax error, exception on import) or `RNR_ERR_WORKFLOW_INVALID` (anything else exported),
 * each naming the file.
 */
export async function loadWorkflowModule(file: string): Promise<WorkflowModule> {
  const path = resolve(file);
  if (!existsSync(path))
    throw new RnrError('RNR_ERR_WORKFLOW_NOT_FOUND', `workflow file ${file} does not exist`);
  if (!statSync(path).isFile())
    throw new RnrError('RNR_ERR_WORKFLOW_NOT_FOUND', `workflow file ${file} is not a file`);

  let mod: { default?: unknown };
  try {
    // Any workflow may import TypeScript (a .js file its own .ts helpers), so tsx is always on.
    await registerTypeScript();
    // A .cts/.cjs file is CommonJS whatever the package says: require() it, so that its own
    // require('rnr') may load rnr's ES modules (import() would run it without that ability).
    mod = /\.c[jt]s$/.test(path)
      ? { default: createRequire(import.meta.url)(path) as unknown }
      : await import(pathToFileURL(path).href);
  } catch (err) {
    // A syntax error surfaces through tsx and Node's loaders in odd shapes (for a file outside an
    // ESM package, as a require() cycle); compiling the file once more names it plainly.
    const problem = (await syntaxProblem(path)) ?? loadProblem(err);
    throw new RnrError('RNR_ERR_WORKFLOW_LOAD', `cannot load workflow ${file}: ${problem}`, { cause: err });
  }

  const exported = defaultExport(mod);
  if (isWorkflow(exported)) return { kind: 'workflow', workflow: exported, path };
  if (isJob(exported)) return { kind: 'legacy', exported, path };
  if (typeof exported === 'function')
    return { kind: 'legacy', exported: exported as (options: WorkflowOptions) => unknown, path };
  const what =
    exported === undefined ? 'has no default export' : `default-exports ${describeValue(exported)}`;
  throw new RnrError(
    'RNR_ERR_WORKFLOW_INVALID',
    `workflow ${file} ${what}: export default a workflow (workflow({ name, build, … })), or a Job (createJob(...)) or a function returning one`,
  );
}

/**
 * The Job of a module in one of the older forms (a Job, or a function of `WorkflowOptions`
 * returning one). `makeOptions` is called only when the default export is a function, so a
 * prebuilt Job does not open a store it will never use.
 */
export async function legacyJob(
  module: Extract<WorkflowModule, { kind: 'legacy' }>,
  file: string,
  makeOptions: () => WorkflowOptions | Promise<WorkflowOptions>,
): Promise<LoadedWorkflow> {
  const { exported, path } = module;
  if (isJob(exported)) return { job: exported, prebuilt: true, path };
  let job: unknown;
  try {
    job = await exported(await makeOptions());
  } catch (err) {
    if (err instanceof RnrError && !err.code.startsWith('RNR_ERR_WORKFLOW')) {
      throw new RnrError(err.code, `workflow ${file}: ${err.message}`, { cause: err });
    }
    throw new RnrError(
      'RNR_ERR_WORKFLOW_LOAD',
      `workflow ${file} threw while creating its job: ${describeError(err)}`,
      {
        cause: err,
      },
    );
  }
  if (!isJob(job)) {
    throw new RnrError(
      'RNR_ERR_WORKFLOW_INVALID',
      `workflow ${file}: its default export returned ${describeValue(job)}, not a Job (createJob(...))`,
    );
  }
  return { job, prebuilt: false, path };
}

/**
 * Imports a workflow module in one of the older forms and returns its job (`loadWorkflowModule`,
 * then `legacyJob`); a module exporting a `Workflow` is refused here (`rnr run` hosts it instead).
 */
export async function loadWorkflow(
  file: string,
  makeOptions: () => WorkflowOptions | Promise<WorkflowOptions>,
): Promise<LoadedWorkflow> {
  const module = await loadWorkflowModule(file);
  if (module.kind === 'workflow') {
    throw new RnrError('RNR_ERR_WORKFLOW_INVALID', `workflow ${file} exports a workflow, not a job`);
  }
  return legacyJob(module, file, makeOptions);
}

/**
 * The module's default export. A workflow compiled to CommonJS (a .ts or .js file in a package
 * whose package.json says `"type": "commonjs"`, or nothing) reaches `import()` as its
 * `module.exports`, which holds the real default export under `default`.
 */
function defaultExport(mod: { default?: unknown }): unknown {
  const value = mod.default;
  if (
    typeof value !== 'object' ||
    value === null ||
    isJob(value) ||
    isWorkflow(value) ||
    !Object.hasOwn(value, 'default')
  )
    return value;
  return (value as { default?: unknown }).default;
}

/** `syntax error: <what> (line L, column C)` when esbuild cannot parse the file, else undefined. */
async function syntaxProblem(path: string): Promise<string | undefined> {
  const loader = /\.[cm]?tsx?$/.test(path)
    ? path.endsWith('x')
      ? 'tsx'
      : 'ts'
    : path.endsWith('x')
      ? 'jsx'
      : 'js';
  try {
    const { transform } = await import('esbuild');
    await transform(readFileSync(path, 'utf8'), { loader, format: 'esm', sourcefile: path });
    return undefined;
  } catch (err) {
    const first = (
      err as { errors?: { text?: string; location?: { line?: number; column?: number } | null }[] }
    ).errors?.[0];
    if (!first?.text) return undefined;
    const at = first.location
      ? ` (line ${first.location.line}, column ${(first.location.column ?? 0) + 1})`
      : '';
    return `syntax error: ${first.text}${at}`;
  }
}

/** The first line of an import failure. */
function loadProblem(err: unknown): string {
  const message = describeError(err).trim();
  const line = message.split('\n').find((l) => l.trim() !== '') ?? message;
  return err instanceof SyntaxError ? `syntax error: ${line}` : line;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object')
    return `an object (${Object.keys(value).slice(0, 5).join(', ') || 'no keys'})`;
  return `a ${typeof value}`;
}
