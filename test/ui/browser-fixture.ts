// One browser per test file: launched before the file's tests (the UI built first if needed),
// closed after them. Only test files import this (it registers vitest hooks).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { ensureUiBuilt, launchBrowser } from './harness.js';

/** Registers the hooks and returns the file's browser, usable once the file's tests run. */
export function browserForFile(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    ensureUiBuilt();
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('the browser is not launched yet: use it inside a test');
    return browser;
  };
}
