import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { newPipeline, newTenant, startRun, waitForRun, type TestTenant } from '../support/builders.js';
import { iris, upload } from '../support/iris.js';
import { launchChromium, newContext, openConsole, screenshotsOnFailure, seriousViolations, type PageWatch } from './support/browser.js';

/** Every page of the left navigation, and the detail pages a list leads to. */
const PAGES = [
  '/runs',
  '/pipelines',
  '/schedules',
  '/triggers',
  '/observability',
  '/models',
  '/plugins',
  '/secrets',
  '/alerts',
  '/members',
  '/api-keys',
  '/sso',
  '/audit',
  '/billing',
];

/**
 * Each page of the console, at a desktop width and a phone's (390 px): one heading, no serious or
 * critical accessibility violation, no CSP violation or script error, and nothing wider than the screen.
 */
describe('every page of the console', () => {
  let browser: Browser;
  let tenant: TestTenant;
  let details: string[];
  const watches = new Map<string, PageWatch>();
  screenshotsOnFailure('pages', () => [...watches.values()]);

  beforeAll(async () => {
    browser = await launchChromium();
    tenant = await newTenant();
    await tenant.put('/v1/pipelines/tour', newPipeline('tour', { hello: { uses: 'core/echo@^1', with: { text: 'hi' } } })).expect(201);
    const run = (await tenant.post('/v1/pipelines/tour/runs', {}).expect(202)).body.id as string;
    const schedule = (await tenant.post('/v1/schedules', { pipeline: 'tour', cron: '0 6 * * *', paused: true }).expect(201)).body
      .id as string;
    const trigger = (await tenant.post('/v1/triggers', { type: 'webhook', pipeline: 'tour' }).expect(201)).body.id as string;
    // A model with versions and a guard's verdict: the README's champion/challenger example, run once.
    await upload(tenant.tenantId, 'datasets/iris.ndjson', iris);
    await tenant
      .put(
        '/v1/pipelines/iris-champion-challenger',
        readFileSync(new URL('../../examples/iris-champion-challenger.yaml', import.meta.url), 'utf8'),
      )
      .set('content-type', 'application/yaml')
      .expect(201);
    const trained = await waitForRun(
      tenant,
      await startRun(tenant, 'iris-champion-challenger', {
        inputs: { dataset: 'datasets/iris.ndjson', model: 'iris', params: { nEstimators: 5, seed: 1 } },
      }),
      undefined,
      120_000,
    );
    expect(trained.status, JSON.stringify(trained)).toBe('succeeded');
    details = [
      `/runs/${run}`,
      '/pipelines/tour',
      '/pipelines/tour/edit',
      `/schedules/${schedule}`,
      `/triggers/${trigger}`,
      '/plugins/core',
      '/models/iris',
    ];
  });
  afterAll(async () => {
    await browser?.close();
  });

  // Both widths at once, each in a browser context of its own: most of each is waiting for pages to settle.
  for (const width of [1280, 390]) {
    it.concurrent(`passes at ${width} px`, async ({ expect }) => {
      const context = await newContext(browser, width);
      try {
        const session = JSON.stringify({ token: tenant.token, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
        await context.addInitScript(`localStorage.setItem('baton.session', ${JSON.stringify(session)})`);
        const watch = await openConsole(context);
        watches.set(`${width}`, watch);
        const { page, problems } = watch;
        for (const path of [...PAGES, ...details]) {
          await page.goto(path);
          await page.getByRole('heading', { level: 1 }).first().waitFor();
          // Let the page's first requests answer, so that what axe reads is the page, not its loaders.
          await page.waitForLoadState('networkidle');
          expect(await seriousViolations(page), path).toEqual([]);
          expect(problems, path).toEqual([]);
          const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
          expect(overflow, `${path} is wider than the screen`).toBeLessThanOrEqual(1);
        }
      } finally {
        await context.close();
      }
    });
  }

  it('answers a deep link of another tenant as not found, without showing its data', async () => {
    const other = await newTenant();
    const theirs = (await other.put('/v1/pipelines/secret-plan', newPipeline('secret-plan', { a: { uses: 'core/echo@^1', with: {} } })))
      .status;
    expect(theirs).toBe(201);
    const context = await newContext(browser);
    try {
      const session = JSON.stringify({ token: tenant.token, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
      await context.addInitScript(`localStorage.setItem('baton.session', ${JSON.stringify(session)})`);
      const watch = await openConsole(context);
      watches.set('deep link', watch);
      await watch.page.goto('/pipelines/secret-plan');
      await watch.page.getByRole('alert').first().waitFor();
      expect(await watch.page.getByRole('main').textContent()).not.toContain('core/echo');
    } finally {
      await context.close();
    }
  });
});
