import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { CONFIG_VARIABLES } from '../src/runtime/config/config.js';
import { api } from './support/builders.js';

const DOCS = [
  'README.md',
  'docs/architecture.md',
  'docs/pipelines.md',
  'docs/plugins.md',
  'docs/api.md',
  'docs/console.md',
  'docs/operations.md',
  'docs/security.md',
  'docs/development.md',
  'docs/pipelines-in-git.md',
];
/** Names in capitals that are not configuration: HTTP methods and headers, codes, SQL, other programs' environment. */
const NOT_VARIABLES = new Set([
  'NODE_OPTIONS',
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'PUBLIC',
  'CONNECT',
  'COPY',
  'PROGRAM',
  'RFC',
  'HMAC',
  'JSON',
  'TLS',
  'SMTP',
  'API',
  'IPC',
  'CPU',
  'OWASP',
  'WASI',
  'CGNAT',
  'DNS',
  'HTTP',
  'TCP',
  'URL',
  'SIGUSR1',
  'LISTEN',
  'NOTIFY',
  // Environment read by others than Baton's config loader: the shell, the AWS and OpenTelemetry
  // SDKs, the plugin CLI, the test stack and the benchmarks; and the variables an old version had.
  'PATH',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_TRACES_SAMPLER',
  'BATON_URL',
  'BATON_TOKEN',
  'BATON_PROFILE',
  'BATON_CONFIG_DIR',
  'BATON_PASSWORD',
  'XDG_CONFIG_HOME',
  'BATON_CAPTURE_HISTORIES',
  'BATON_CAPTURE_ONLY',
  'WAREHOUSE_DATABASE_URL',
  'BENCH_PG_URL',
  'BENCH_MYSQL_URL',
  'BENCH_LOAD_ROWS',
  'BENCH_AMQP_URL',
  'BENCH_AMQP_MESSAGES',
  'BENCH_ML_ROWS',
  'BENCH_ML_LIBRARY',
  'BENCH_SQL_ROWS',
  'BENCH_ITEMS',
  'BENCH_PARALLEL',
  'BENCH_ITERATIONS',
  'BENCH_SCHEDULES',
  'BENCH_FIRES',
  'BENCH_SIMULTANEOUS',
  'BENCH_STARTS',
  'BENCH_BURST',
  'BENCH_BURST_ITERATIONS',
  'BENCH_RUNS',
  'BENCH_TENANTS',
  'BENCH_EVENTS_PER_RUN',
  'BENCH_REQUESTS',
  'BENCH_DELIVERIES',
  'BENCH_MODEL_VERSIONS',
  'BENCH_MODELS_PER_TENANT',
  'BENCH_ROUNDS',
  'BENCH_STEPS',
  'BENCH_TASKS',
  'BENCH_LOG_LINES',
  'BENCH_RESULT_FILE',
  'CHROMIUM_PATH',
  'BROWSER_SCREENSHOTS',
  'SANDBOX_UID',
  'SANDBOX_GID',
  // The environment the script plugin gives a tenant's script, and the signal a file over its cap gets.
  'HOME',
  'TMPDIR',
  'BATON_INPUTS',
  'BATON_OUTPUTS',
  'BATON_RUN_ID',
  'BATON_STEP_ID',
  'BATON_ATTEMPT',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'SIGXFSZ',
]);

/** Named like metrics, but Baton's own facets in its OpenLineage events (docs/api.md). */
const NOT_METRICS = new Set(['baton_job', 'baton_run']);

/** The living docs name configuration variables, routes and metrics: each must exist, so the docs cannot drift from the code silently. */
describe('docs', () => {
  it.each(DOCS)('%s names only configuration variables, routes and metrics that exist', async (path) => {
    const text = readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
    const variables = [...new Set([...text.matchAll(/`([A-Z][A-Z0-9_]{2,})`/g)].map((m) => m[1]))].filter(
      (name) => !NOT_VARIABLES.has(name),
    );
    expect(variables.filter((name) => !(name in CONFIG_VARIABLES))).toEqual([]);

    const paths = Object.keys((await api().get('/openapi.json').expect(200)).body.paths as Record<string, unknown>);
    const routes = [...new Set([...text.matchAll(/`(?:GET |POST |PUT |DELETE |PATCH )?(\/v1\/[^`\s]*)/g)].map((m) => m[1]))];
    const known = (route: string) =>
      paths.includes(route) || paths.some((candidate) => new RegExp(`^${candidate.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(route));
    expect(routes.filter((route) => !known(route.replace(/\*$/, 'x')))).toEqual([]);

    const scraped = (
      await api()
        .get('/metrics')
        .set('authorization', `Bearer ${inject('adminToken')}`)
        .expect(200)
    ).text;
    const metrics = [...new Set([...text.matchAll(/`(baton_[a-z_]+)/g)].map((m) => m[1]))].filter((name) => !NOT_METRICS.has(name));
    expect(metrics.filter((name) => !scraped.includes(`# HELP ${name} `))).toEqual([]);
    // Not vacuous: each doc names enough to check.
    expect(variables.length + routes.length + metrics.length).toBeGreaterThan(5);
  });

  it('docs/plugins.md has every step of every first-party plugin in an example pipeline', () => {
    const packages = new URL('../dist/plugin-packages/', import.meta.url);
    const steps = readdirSync(packages).flatMap((plugin) => {
      const manifest = JSON.parse(readFileSync(new URL(`${plugin}/manifest.json`, packages), 'utf8')) as {
        name: string;
        steps: Array<{ id: string }>;
      };
      return manifest.steps.map((step) => `${manifest.name}/${step.id}`);
    });
    const text = readFileSync(new URL('../docs/plugins.md', import.meta.url), 'utf8');
    const used = new Set([...text.matchAll(/^\s+uses: ([a-z0-9-]+\/[a-z0-9-]+)@/gm)].map((m) => m[1]));

    expect(steps.length).toBeGreaterThan(30);
    expect(steps.filter((step) => !used.has(step))).toEqual([]);
  });
});
