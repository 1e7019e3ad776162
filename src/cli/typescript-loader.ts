/** Set on `globalThis` once tsx's hooks are registered in this process (bin/rnr.js sets it too). */
const registered = Symbol.for('rnr.typescript-loader');

/**
 * Lets this process import TypeScript (`.ts`, `.mts`, `.cts`, `.tsx`) through tsx, for both module
 * systems: ESM hooks for `import()`, and CommonJS hooks for a workflow in a package whose
 * package.json says `"type": "commonjs"` (or nothing), which tsx compiles to `require` calls.
 * rnr's own code is plain JavaScript; only `rnr run` calls this, right before it loads a workflow,
 * so the client verbs never pay for a compiler. Idempotent.
 *
 * @example
 * await registerTypeScript();
 * await import(pathToFileURL('flow.ts').href);
 */
export async function registerTypeScript(): Promise<void> {
  const flags = globalThis as { [registered]?: boolean };
  if (flags[registered]) return;
  flags[registered] = true;
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  esm.register();
  cjs.register();
}
