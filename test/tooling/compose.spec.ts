import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/runtime/config/config.js';

/**
 * deploy/compose.yaml, Prometheus' scrape config and the Grafana dashboard, checked without Docker:
 * loaded by compose-go (what `docker compose` itself loads with), promtool for Prometheus, and the
 * dashboard's queries parsed by promtool and naming only metrics Baton exports.
 */
const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const EXAMPLE_ENV = join(DEPLOY, 'compose/example.env');
const COMPOSE_CHECK =
  process.env.COMPOSE_CHECK_PATH ??
  execFileSync('bash', [fileURLToPath(new URL('../../scripts/ensure-compose-check.sh', import.meta.url))], { encoding: 'utf8' }).trim();

interface Service {
  image?: string;
  command?: string[];
  user?: string;
  cap_add?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  environment?: Record<string, string | null>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  profiles?: string[];
}

function load(envFile = EXAMPLE_ENV): { services: Record<string, Service> } {
  return JSON.parse(execFileSync(COMPOSE_CHECK, [join(DEPLOY, 'compose.yaml'), envFile], { encoding: 'utf8' })) as {
    services: Record<string, Service>;
  };
}

const BATON = ['migrate', 'api-1', 'api-2', 'worker-1', 'worker-2'];
/** `1m30s` → 90. */
const seconds = (duration: string) =>
  [...duration.matchAll(/(\d+)([hms])/g)].reduce(
    (sum, [, n, unit]) => sum + Number(n) * { h: 3600, m: 60, s: 1 }[unit as 'h' | 'm' | 's'],
    0,
  );

describe('deploy/compose.yaml', () => {
  const { services } = load();

  it('loads as Docker Compose loads it, with every part of a scaled-out installation', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'api-1',
        'api-2',
        'grafana',
        'migrate',
        'postgres',
        'prometheus',
        'proxy',
        'stripe-mock',
        'temporal',
        'temporal-ui',
        'worker-1',
        'worker-2',
      ].sort(),
    );
    expect(services['stripe-mock'].profiles).toEqual(['billing']);
    expect(services.migrate.command).toEqual(['migrate']);
    for (const name of ['api-1', 'api-2']) {
      expect(services[name].command).toEqual(['api']);
      expect(services[name].depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        temporal: { condition: 'service_healthy' },
      });
    }
  });

  it('gives workers what the step sandbox needs and no more, and the time to drain', () => {
    for (const name of ['worker-1', 'worker-2']) {
      const worker = services[name];
      expect(worker).toMatchObject({ command: ['worker'], user: '0:0', cap_drop: ['ALL'], security_opt: ['seccomp=unconfined'] });
      expect(worker.cap_add).toEqual(['SETUID', 'SETGID', 'SYS_ADMIN', 'NET_ADMIN', 'KILL']);
      expect(worker.environment).toMatchObject({ SANDBOX_ISOLATION: 'strict', WORKER_DRAIN_TIMEOUT: '60s' });
      expect(seconds(worker.stop_grace_period!)).toBeGreaterThan(seconds(worker.environment!.WORKER_DRAIN_TIMEOUT!));
    }
  });

  it('sets only variables Baton reads, the same secrets for every process', () => {
    for (const name of BATON) {
      for (const variable of Object.keys(services[name].environment ?? {}))
        expect(Object.keys(CONFIG_VARIABLES), `${name}: ${variable}`).toContain(variable);
      expect(services[name].environment!.JWT_SECRET).toBe(services['api-1'].environment!.JWT_SECRET);
    }
  });

  it('refuses to start without a secret, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-compose-'));
    const env = join(dir, 'missing.env');
    writeFileSync(env, readFileSync(EXAMPLE_ENV, 'utf8').replace(/^JWT_SECRET=.*$/m, ''));
    const result = spawnSync(COMPOSE_CHECK, [join(DEPLOY, 'compose.yaml'), env], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/JWT_SECRET/);
  });

  it('has Prometheus scrape each API and worker on the metrics port it serves, in a config promtool accepts', () => {
    const config = join(DEPLOY, 'compose/prometheus.yml');
    const check = spawnSync('promtool', ['check', 'config', config], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const text = readFileSync(config, 'utf8');
    for (const name of ['api-1', 'api-2']) expect(text).toContain(`${name}:${services[name].environment!.METRICS_PORT}`);
    for (const name of ['worker-1', 'worker-2']) expect(text).toContain(`${name}:${services[name].environment!.WORKER_METRICS_PORT}`);
  });
});

describe('deploy/grafana/baton-dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana/baton-dashboard.json'), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  };
  const expressions = dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, expr: target.expr })));

  it('queries in PromQL that promtool parses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-dashboard-'));
    const rules = join(dir, 'rules.yml');
    const recorded = expressions.map(({ expr }, i) => `      - record: baton_dashboard_check_${i}\n        expr: ${JSON.stringify(expr)}`);
    writeFileSync(rules, `groups:\n  - name: dashboard\n    rules:\n${recorded.join('\n')}\n`);
    const check = spawnSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('names only metrics Baton exports', () => {
    const source = readFileSync(fileURLToPath(new URL('../../src/runtime/metrics/baton-metrics.ts', import.meta.url)), 'utf8');
    const exported = new Set([...source.matchAll(/name: '(baton_[a-z_]+)'/g)].map((m) => m[1]));
    expect(exported.size).toBeGreaterThan(5);
    for (const { panel, expr } of expressions)
      for (const [name] of expr.matchAll(/baton_[a-z_]+/g))
        expect(exported, `${panel}: ${name}`).toContain(name.replace(/_(bucket|count|sum)$/, ''));
  });
});
