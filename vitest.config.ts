import react from '@vitejs/plugin-react';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC (not esbuild) so that Nest's emitDecoratorMetadata survives in specs.
const swcPlugin = () =>
  swc.vite({
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
  });

/**
 * Whole-stack tests that count what the whole installation did (the process-wide metrics of the API
 * and the worker): another file's runs would be counted too, so they run where no other file runs
 * at the same time.
 */
const STACK_TO_ITSELF = ['test/metrics.e2e.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [swcPlugin()],
        test: {
          name: 'unit',
          include: ['{src,workers,plugins}/**/*.spec.ts', 'test/tooling/**/*.spec.ts'],
          environment: 'node',
          sequence: { groupOrder: 0 },
        },
      },
      {
        plugins: [react()],
        // As in web/vite.config.ts: codemirror-json-schema's markdown module starts Shiki; the console uses a plain one.
        resolve: {
          alias: [
            {
              find: /^\.\.\/utils\/markdown(\.js)?$/,
              replacement: new URL('web/src/pages/pipelines/schema-markdown.ts', import.meta.url).pathname,
            },
          ],
        },
        test: {
          // The console's widgets in jsdom, the API answered by msw: with the unit tier.
          name: 'web',
          root: 'web',
          include: ['src/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          setupFiles: ['src/test-support/setup.ts'],
          // Through Vite rather than Node: its ESM build imports paths without extensions, and the alias above must apply.
          server: { deps: { inline: ['codemirror-json-schema'] } },
          sequence: { groupOrder: 0 },
        },
      },
      {
        plugins: [swcPlugin()],
        test: {
          // The real workflows on a Temporal dev server with faked activities: after unit, before the whole stack.
          name: 'workflow',
          include: ['test/workflow/**/*.workflow.ts'],
          environment: 'node',
          globalSetup: ['test/workflow/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
          // Its tests mostly wait on timers of the one server: three files at once, even on two cores.
          maxWorkers: 3,
          sequence: { groupOrder: 1 },
        },
      },
      {
        plugins: [swcPlugin()],
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.ts'],
          exclude: ['test/reliability/**', ...STACK_TO_ITSELF],
          environment: 'node',
          sequence: { groupOrder: 2 },
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          // Two files at once on the one stack: each works in tenants of its own, and most of its time is
          // spent waiting on Temporal's timers and the worker, so two overlap well even on two cores
          // (the tier took 429 s so, against 800 s one file at a time).
          maxWorkers: 2,
        },
      },
      {
        plugins: [swcPlugin()],
        test: {
          // The console in headless Chromium (Debian's) against a stack of its own with billing on: after the API's tiers.
          name: 'browser',
          include: ['test/browser/**/*.browser.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          fileParallelism: false,
          sequence: { groupOrder: 3 },
        },
      },
      {
        plugins: [swcPlugin()],
        test: {
          // Baton scaled out on a real Temporal cluster (test/cluster/): its own PostgreSQL, six Temporal
          // service processes, two APIs and three workers; after the whole-stack tier, one file at a time.
          name: 'cluster',
          include: ['test/cluster/**/*.cluster.ts'],
          environment: 'node',
          testTimeout: 900_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          sequence: { groupOrder: 3 },
        },
      },
      {
        plugins: [swcPlugin()],
        test: {
          // Fault tests kill and restart real processes: after every other test, on a stack of their own,
          // one file at a time — with the whole-stack tests that need the stack to themselves.
          name: 'reliability',
          include: ['test/reliability/**/*.e2e.ts', ...STACK_TO_ITSELF],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          sequence: { groupOrder: 4 },
        },
      },
    ],
  },
});
