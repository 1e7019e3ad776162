import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * rnr's own version, from the package.json of the package this file belongs to: the nearest
 * ancestor folder that has one (this file runs from src/cli/ in a checkout, from dist/src/cli/ once
 * built).
 */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file))
      return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0';
    const up = dirname(dir);
    if (up === dir) return '0.0.0';
    dir = up;
  }
}
