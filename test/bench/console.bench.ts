/**
 * `npm run bench:console`: the web console's first load of the runs page in headless Chromium, for
 * a tenant with BENCH_RUNS (10,000) runs against a tenant with 100 (the baseline, same process):
 * from navigation to the first run row on screen, cold (a new browser context each time, nothing
 * cached). Also prints the size of the console's entry bundle, raw and gzipped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { createDataSource } from '../../src/database/data-source.js';
import { CONSOLE_DIR } from '../../src/console/console-pages.js';
import { launchChromium } from '../browser/support/chromium.js';
import { ITERATIONS, median, reportResult, withBenchStack } from './harness.js';
import { seedPipelines, seedRuns, seedStep } from './installation-seed.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const PIPELINES = 5;

/** Milliseconds from navigating to /runs until its first run row shows, in a fresh context signed in with `token`. */
async function firstLoad(browser: Browser, baseUrl: string, token: string): Promise<number> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 800 } });
  try {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    await context.addInitScript(`localStorage.setItem('baton.session', ${JSON.stringify(JSON.stringify({ token, expiresAt }))})`);
    const page = await context.newPage();
    const started = performance.now();
    await page.goto('/runs');
    await page.getByRole('row').nth(1).waitFor({ state: 'visible', timeout: 30_000 });
    return performance.now() - started;
  } finally {
    await context.close();
  }
}

function entryBundle(): { file: string; raw: number; gzip: number } {
  const page = readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8');
  const file = /src="\/assets\/([^"]+\.js)"/.exec(page)![1];
  const code = readFileSync(join(CONSOLE_DIR, 'assets', file));
  return { file, raw: code.length, gzip: gzipSync(code).length };
}

await withBenchStack({}, async ({ baseUrl, databaseUrl, call, token }) => {
  const big = ((await call('GET', '/v1/me')) as { tenant: { id: string } }).tenant.id;
  const signup = await fetch(`${baseUrl}/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenantName: 'small', email: 'small@example.test', password: 'benchmark password' }),
  });
  const { token: smallToken } = (await signup.json()) as { token: string };
  const db = await createDataSource(databaseUrl, 2).initialize();
  try {
    const seeding = db.createQueryRunner();
    await seedPipelines(seeding, null, PIPELINES);
    // seedRuns spreads RUNS over every pipeline of "big_pipeline": here only the bench tenant's and the small one's.
    await seeding.query(`DELETE FROM big_pipeline WHERE tenant_id <> $1`, [big]);
    await seedStep(`${RUNS.toLocaleString()} runs`, () => seedRuns(seeding, RUNS, 0));
    await seeding.query(
      `INSERT INTO run (id, tenant_id, pipeline_id, pipeline_name, version, status, trigger, inputs, created_at, started_at, ended_at)
       SELECT gen_random_uuid(), p.tenant_id, p.id, p.name, 1, 'succeeded', 'api', '{}', now() - g * interval '1 minute', now() - g * interval '1 minute', now()
         FROM bench_pipeline p, generate_series(1, ${100 / PIPELINES}) g
        WHERE p.tenant_id <> $1`,
      [big],
    );
    await seeding.query('VACUUM ANALYZE run');
    await seeding.release();
  } finally {
    await db.destroy();
  }

  const browser = await launchChromium();
  try {
    const times = { big: [] as number[], small: [] as number[] };
    await firstLoad(browser, baseUrl, token);
    await firstLoad(browser, baseUrl, smallToken);
    for (let i = 0; i < ITERATIONS; i++) {
      times.big.push(await firstLoad(browser, baseUrl, token));
      times.small.push(await firstLoad(browser, baseUrl, smallToken));
    }
    const bundle = entryBundle();
    console.log(`\nRuns page, first load to the first row (median of ${ITERATIONS}, cold context each time)`);
    console.log(
      `  ${RUNS.toLocaleString()} runs:  ${median(times.big).toFixed(0)} ms   [${times.big.map((t) => t.toFixed(0)).join(', ')}]`,
    );
    console.log(`  100 runs (baseline): ${median(times.small).toFixed(0)} ms   [${times.small.map((t) => t.toFixed(0)).join(', ')}]`);
    console.log(`  ratio: ${(median(times.big) / median(times.small)).toFixed(2)}`);
    console.log(`Entry bundle ${bundle.file}: ${(bundle.raw / 1024).toFixed(0)} KiB raw, ${(bundle.gzip / 1024).toFixed(0)} KiB gzipped`);
    reportResult({
      title: `Runs page, first load to the first row (median of ${ITERATIONS}, cold context each time); entry bundle ${(bundle.raw / 1024).toFixed(0)} KiB raw, ${(bundle.gzip / 1024).toFixed(0)} KiB gzipped`,
      columns: ['tenant', 'median', 'ratio'],
      rows: [
        [
          `${RUNS.toLocaleString('en-US')} runs`,
          `${median(times.big).toFixed(0)} ms`,
          (median(times.big) / median(times.small)).toFixed(2),
        ],
        ['100 runs (baseline)', `${median(times.small).toFixed(0)} ms`],
      ],
    });
  } finally {
    await browser.close();
  }
});
