/**
 * A real headless browser for end-to-end tests: Debian's chromium driven by playwright-core (no
 * browser download). Fails with a clear message when chromium is not installed.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.GRIDWATCH_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: the review page tests drive Debian's chromium ` +
        '(apt-get install -y chromium; .ci/run installs it) or set GRIDWATCH_CHROMIUM to another binary',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Chromium's sandbox refuses to start as root, which CI containers usually are.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/** Console errors and uncaught exceptions of a page, collected for a "no errors" assertion. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(`page: ${err.message}`));
  return errors;
}
