#!/usr/bin/env node
// The package.json that goes into the tarball. `prepare` builds rnr where it is installed from
// git (npm runs it after cloning) and in the repository (npm ci), but a published manifest that
// still names it is an install script to npm 11, which then warns every user who installs the
// tarball. `prepack` builds and then strips it (`strip`); `postpack` puts the repository's own
// package.json back byte for byte (`restore`). A strip left behind by a failed pack is undone
// by the next one.
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const manifest = `${root}package.json`;
const saved = `${root}package.json.packing`;

const mode = process.argv[2];
if (mode === 'strip') {
  if (existsSync(saved)) renameSync(saved, manifest);
  copyFileSync(manifest, saved);
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  delete pkg.scripts.prepare;
  delete pkg.scripts.prepack;
  delete pkg.scripts.postpack;
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (mode === 'restore') {
  if (existsSync(saved)) renameSync(saved, manifest);
} else {
  process.stderr.write('usage: pack-manifest.mjs strip|restore\n');
  process.exit(2);
}
