#!/usr/bin/env node
// Builds what the published package runs:
// - dist/: tsc emits src/ and machines/ as JavaScript with declarations; the generated protobuf
//   code (plain .js + .d.ts, which tsc does not copy) goes beside it.
// - dist/src/cli/bin.js: the `rnr` command's entry, bundled by esbuild into one file (commander
//   included) so that a client verb (`rnr ls`) loads one module rather than twenty: it answers in
//   about the time Node takes to start. The heavy commands (`run`, `watch`, `machines`) and
//   errors.js (shared for `instanceof`) stay external: they load from dist/ when used.
// - ui-dist/: the web view, bundled by vite.
// `npm run build`; `prepare` runs it on `npm ci`, `npm pack`/`npm publish` and when npm installs
// rnr from git. `--no-ui` skips the web view.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const run = (name, args) =>
  execFileSync(`${root}node_modules/.bin/${name}`, args, { cwd: root, stdio: 'inherit' });

rmSync(`${root}dist`, { recursive: true, force: true });
run('tsc', ['-p', `${root}tsconfig.build.json`]);
cpSync(`${root}src/generated`, `${root}dist/src/generated`, { recursive: true });

const external = new Set([
  './run-command.js',
  './watch-command.js',
  './machines-command.js',
  '../errors.js',
  // pg loads only for --store postgres://
  '../store/postgres/index.js',
]);
await build({
  entryPoints: [`${root}dist/src/cli/main.js`],
  outfile: `${root}dist/src/cli/bin.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // commander is CommonJS: give its require() calls of node: builtins a real require.
  banner: {
    js: "import { createRequire as rnrCreateRequire } from 'node:module';\nconst require = rnrCreateRequire(import.meta.url);",
  },
  plugins: [
    {
      name: 'rnr-external',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (args) =>
          external.has(args.path) && args.importer.endsWith('.js')
            ? { path: args.path, external: true }
            : undefined,
        );
      },
    },
  ],
});

if (!process.argv.includes('--no-ui')) run('vite', ['build', '--config', `${root}src/ui/vite.config.ts`]);
console.log(`build: dist/${process.argv.includes('--no-ui') ? '' : ' and ui-dist/'} ready`);
