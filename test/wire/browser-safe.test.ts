// src/wire is imported by the web view's bundle: everything it loads at run time must work in a
// browser. Bundle it for the browser and look at what came in.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('src/wire in a browser', () => {
  it('bundles for the browser with no Node module, no package and no engine internals beyond the enums', async () => {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [
        'src/wire/names.ts',
        'src/wire/encode.ts',
        'src/wire/duration.ts',
        'src/wire/retry.ts',
        'src/wire/json.ts',
      ],
      bundle: true,
      write: false,
      outdir: 'out',
      platform: 'browser',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).sort();
    expect(inputs.filter((path) => !path.startsWith('src/wire/'))).toEqual([
      'src/engine/duration.ts',
      'src/engine/message-cap.ts',
      'src/engine/messages.ts',
      'src/engine/task-state.ts',
      'src/errors.ts',
    ]);
  });
});
