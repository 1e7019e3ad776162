import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./app/', import.meta.url));
const outDir = fileURLToPath(new URL('../../ui-dist/', import.meta.url));

/**
 * Builds the web view (src/ui/app) into ui-dist/, which the UI plugin serves. Preact through the
 * automatic JSX runtime; no CDN, every asset is in the package.
 */
export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 300,
    // Every browser the view supports has <link rel=modulepreload>: no polyfill in the bundle.
    modulePreload: { polyfill: false },
  },
});
