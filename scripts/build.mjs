#!/usr/bin/env node
// Builds dist/ for consumers without a TypeScript loader: tsc emits src/ and machines/, then the
// generated protobuf code (plain .js + .d.ts, which tsc does not copy) goes beside it.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
rmSync(`${root}dist`, { recursive: true, force: true });
execFileSync(`${root}node_modules/.bin/tsc`, ['-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
cpSync(`${root}src/generated`, `${root}dist/src/generated`, { recursive: true });
console.log('build: dist/ ready');
