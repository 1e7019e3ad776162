#!/usr/bin/env node
// The `rnr` command. Loads the TypeScript sources through tsx, so neither rnr nor a workflow file
// needs a build step.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./source-condition.mjs', import.meta.url);

const { main } = await import('../src/cli/main.ts');
await main(process.argv.slice(2));
