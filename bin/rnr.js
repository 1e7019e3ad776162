#!/usr/bin/env node
// The `rnr` command. An installed package starts from its built JavaScript (dist/): client verbs
// load no TypeScript tooling, and `rnr run` registers tsx only to load the user's workflow files.
// In a checkout of the repository (src/ beside bin/) it runs the TypeScript sources through tsx,
// so the dev loop needs no build; RNR_FROM_DIST=1 makes a checkout run its build instead (the
// bench does, to measure what users run).
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';

// Node 22.1+ keeps the compiled code of rnr's modules between runs (there is no such cache on 20).
nodeModule.enableCompileCache?.();

const fromSource =
  process.env.RNR_FROM_DIST !== '1' && existsSync(new URL('../src/cli/main.ts', import.meta.url));
let main;
if (fromSource) {
  const [{ register: registerEsm }, { register: registerCjs }] = await Promise.all([
    import('tsx/esm/api'),
    import('tsx/cjs/api'),
  ]);
  registerEsm();
  registerCjs();
  // src/cli/typescript-loader.ts reads this: TypeScript is already loadable.
  globalThis[Symbol.for('rnr.typescript-loader')] = true;
  nodeModule.register('./source-condition.mjs', import.meta.url);
  ({ main } = await import('../src/cli/main.ts'));
} else {
  const built = new URL('../dist/src/cli/bin.js', import.meta.url);
  if (!existsSync(built)) {
    process.stderr.write(
      `rnr: this copy of rnr has no build (${built.pathname} is missing): run \`npm run build\` in its folder\n`,
    );
    process.exit(2);
  }
  ({ main } = await import(built.href));
}
await main(process.argv.slice(2));
