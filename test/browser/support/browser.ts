import { AxeBuilder } from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { beforeEach, inject, onTestFailed } from 'vitest';

export { launchChromium } from './chromium.js';

const SCREENSHOTS = process.env.BROWSER_SCREENSHOTS ?? join(process.cwd(), 'test-results', 'browser');

/** What a page did wrong on its own: a CSP violation, an uncaught error, an error it logged. */
export interface PageWatch {
  page: Page;
  problems: string[];
}

/**
 * A page of the console at the stack's URL whose every CSP violation, uncaught exception and
 * console error is collected (a test ends by expecting none).
 */
export async function openConsole(context: BrowserContext): Promise<PageWatch> {
  const page = await context.newPage();
  const problems: string[] = [];
  // Chromium's own CSP message names no element: this one says which element and what it carried.
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
    const target = e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 200) : String(e.target);
    console.error('CSP ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' on ' + target + ' sample: ' + e.sample);
  });`);
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    // A failed API call the page shows to the user is logged by Chromium as a resource error; that is the page working.
    if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) {
      const { url, lineNumber, columnNumber } = message.location();
      problems.push(`console: ${text}${url ? ` (at ${url.replace(/^.*\/assets\//, '')}:${lineNumber}:${columnNumber})` : ''}`);
    }
  });
  return { page, problems };
}

export async function newContext(browser: Browser, width = 1280): Promise<BrowserContext> {
  return browser.newContext({
    baseURL: inject('baseUrl'),
    viewport: { width, height: width > 600 ? 800 : 844 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
}

/** The serious and critical accessibility violations axe finds on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}

/** Every test of the calling suite that fails saves a screenshot of each page `watched` returns, and says what the page did wrong. */
export function screenshotsOnFailure(suite: string, watched: () => Array<PageWatch | undefined>): void {
  beforeEach(() => {
    onTestFailed(async ({ task }) => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      for (const [index, watch] of watched().entries()) {
        if (!watch || watch.page.isClosed()) continue;
        const file = join(SCREENSHOTS, `${suite}-${index}-${task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80)}.png`);
        await watch.page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
        console.error(`screenshot: ${file}\npage problems: ${JSON.stringify(watch.problems)}`);
      }
    });
  });
}
