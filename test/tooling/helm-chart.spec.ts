import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES } from '../../src/runtime/config/config.js';

/**
 * deploy/helm/baton, checked without a cluster: `helm lint` and `helm template` over a matrix of
 * values, every rendered object validated against the Kubernetes (and Prometheus operator) schemas,
 * selectors that select something, and only variables Baton's config loader knows.
 */
const CHART = fileURLToPath(new URL('../../deploy/helm/baton', import.meta.url));
const HELM =
  process.env.HELM_PATH ??
  execFileSync('bash', [fileURLToPath(new URL('../../scripts/ensure-helm.sh', import.meta.url))])
    .toString()
    .trim();

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // What a test reads of a rendered spec: shapes vary by kind, and kubernetes-models checked them already.
  spec?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const setArgs = (values: Record<string, string>) => Object.entries(values).flatMap(([key, value]) => ['--set', `${key}=${value}`]);

function render(values: Record<string, string> = {}): K8sObject[] {
  const out = execFileSync(HELM, ['template', 'baton', CHART, '--namespace', 'baton', ...setArgs(values)], { encoding: 'utf8' });
  return parseAllDocuments(out)
    .map((doc) => doc.toJSON() as K8sObject | null)
    .filter((doc): doc is K8sObject => doc !== null);
}

/** What helm says when the values break values.schema.json (or the chart), or '' when it renders. */
function refusal(values: Record<string, string>): string {
  const result = spawnSync(HELM, ['template', 'baton', CHART, ...setArgs(values)], { encoding: 'utf8' });
  return result.status === 0 ? '' : result.stderr;
}

async function validate(object: K8sObject): Promise<void> {
  const module = object.apiVersion.startsWith('monitoring.coreos.com/')
    ? `@kubernetes-models/prometheus-operator/${object.apiVersion}`
    : `kubernetes-models/${object.apiVersion}`;
  const models = (await import(module)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = models[object.kind];
  expect(Model, `${object.apiVersion} ${object.kind}`).toBeDefined();
  new Model(object).validate();
}

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const podTemplates = (objects: K8sObject[]) =>
  objects
    .filter((o) => ['Deployment', 'Job'].includes(o.kind))
    .map((o) => o.spec!.template as { metadata: { labels: Record<string, string> }; spec: NonNullable<K8sObject['spec']> });
const containers = (objects: K8sObject[]) =>
  podTemplates(objects).flatMap((t) => t.spec.containers as Array<{ name: string; env?: Array<{ name: string; value?: string }> }>);
const envOf = (deployment: K8sObject) =>
  Object.fromEntries(
    (deployment.spec!.template.spec.containers[0].env as Array<{ name: string; value?: string }>).map((e) => [
      e.name,
      e.value ?? '(from a Secret)',
    ]),
  );

async function checkAll(objects: K8sObject[]) {
  for (const object of objects) await validate(object);
  // Every selector selects a pod the chart makes: a Service or budget matching nothing is silently useless.
  const labels = podTemplates(objects).map((t) => t.metadata.labels);
  const selects = (selector: Record<string, string>) => labels.some((l) => Object.entries(selector).every(([k, v]) => l[k] === v));
  for (const object of objects) {
    const selector =
      object.kind === 'Service'
        ? object.spec!.selector
        : ['PodDisruptionBudget', 'Deployment'].includes(object.kind)
          ? object.spec!.selector.matchLabels
          : object.kind === 'NetworkPolicy'
            ? object.spec!.podSelector.matchLabels
            : undefined;
    if (selector) expect(selects(selector), `${object.kind} ${object.metadata.name} selects a pod`).toBe(true);
  }
  // Only variables Baton reads: a typo in the chart would be a setting silently ignored.
  for (const container of containers(objects))
    for (const { name } of container.env ?? []) expect(Object.keys(CONFIG_VARIABLES), `${container.name}: ${name}`).toContain(name);
}

describe('deploy/helm/baton', () => {
  it('lints clean', () => {
    const out = execFileSync(HELM, ['lint', CHART, '--strict'], { encoding: 'utf8' });
    expect(out).toContain('0 chart(s) failed');
  });

  it('renders valid objects with the defaults: the API unprivileged, each worker pool root in a user namespace with the sandbox capabilities', async () => {
    const objects = render();
    await checkAll(objects);
    expect(byKind(objects, 'Deployment').map((d) => d.metadata.name)).toEqual(['baton-api', 'baton-worker-default']);
    const [api, worker] = byKind(objects, 'Deployment');
    expect(api.spec!.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(api.spec!.template.spec.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(worker.spec!.template.spec).toMatchObject({ hostUsers: false, securityContext: { runAsUser: 0 } });
    expect(worker.spec!.template.spec.containers[0].securityContext.capabilities.add).toEqual([
      'SETUID',
      'SETGID',
      'SYS_ADMIN',
      'NET_ADMIN',
      'KILL',
    ]);
    expect(worker.spec!.template.spec.containers[0].securityContext.procMount).toBe('Unmasked');
    expect(envOf(worker)).toMatchObject({
      SANDBOX_ISOLATION: 'strict',
      WORKER_POOL: 'default',
      WORKER_POOLS: 'default',
      WORKER_DRAIN_TIMEOUT: '60s',
    });
    // The drain gets its time: the pod is given the drain plus room to exit.
    expect(worker.spec!.template.spec.terminationGracePeriodSeconds).toBe(90);
    expect(worker.spec!.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/readyz');
    expect(worker.spec!.template.spec.containers[0].livenessProbe.httpGet.path).toBe('/healthz');
    // Migrations before the new pods, as a hook.
    const [job] = byKind(objects, 'Job');
    expect(job.metadata).toMatchObject({ annotations: { 'helm.sh/hook': 'pre-install,pre-upgrade' } });
    expect(job.spec!.template.spec.containers[0].args).toEqual(['migrate']);
    expect(byKind(objects, 'NetworkPolicy')).toHaveLength(3);
    expect(byKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
  });

  it('renders valid objects with everything on: ingress, autoscaling, monitors, Temporal mutual TLS and an API key, two pools', async () => {
    const objects = render({
      'ingress.enabled': 'true',
      'ingress.className': 'nginx',
      'ingress.tlsSecretName': 'baton-tls',
      'api.autoscaling.enabled': 'true',
      'serviceMonitor.enabled': 'true',
      'temporal.tls.enabled': 'true',
      'temporal.tls.secretName': 'temporal-client-tls',
      'temporal.tls.serverName': 'frontend.temporal',
      'temporal.apiKeySecret.name': 'temporal-cloud',
      'workers.pools[0].name': 'default',
      'workers.pools[0].replicas': '2',
      'workers.pools[1].name': 'gpu',
      'workers.pools[1].replicas': '1',
      'workers.pools[1].nodeSelector.accelerator': 'nvidia',
    });
    await checkAll(objects);
    expect(byKind(objects, 'Ingress')).toHaveLength(1);
    expect(byKind(objects, 'ServiceMonitor')).toHaveLength(1);
    expect(byKind(objects, 'PodMonitor')).toHaveLength(1);
    const [hpa] = byKind(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec!.scaleTargetRef.name).toBe('baton-api');
    const deployments = byKind(objects, 'Deployment');
    // The autoscaler owns the API's replica count.
    expect(deployments[0].spec!.replicas).toBeUndefined();
    const gpu = deployments.find((d) => d.metadata.name === 'baton-worker-gpu')!;
    // The pool's workers serve its steps; the API knows the pool, and refuses pipelines naming another.
    expect(envOf(deployments[0])).toMatchObject({ WORKER_POOLS: 'default,gpu' });
    expect(envOf(gpu)).toMatchObject({
      WORKER_POOL: 'gpu',
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_CA: '/etc/baton/temporal-tls/ca.crt',
      TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal',
      TEMPORAL_API_KEY: '(from a Secret)',
    });
    expect(gpu.spec!.template.spec.nodeSelector).toEqual({ accelerator: 'nvidia' });
    expect(byKind(objects, 'PodDisruptionBudget').map((p) => p.metadata.name)).toEqual([
      'baton-api',
      'baton-worker-default',
      'baton-worker-gpu',
    ]);
  });

  it("keeps a draining release's workers beside the new ones under worker versioning, each Deployment selecting only its own pods", async () => {
    const objects = render({
      'workers.versioning.deploymentName': 'baton',
      'workers.versioning.drainingReleases[0].name': 'r41',
      'workers.versioning.drainingReleases[0].tag': '0.41.0',
      'workers.versioning.drainingReleases[0].replicas': '1',
    });
    await checkAll(objects);
    const workers = byKind(objects, 'Deployment').filter((d) => d.metadata.name !== 'baton-api');
    expect(workers.map((d) => d.metadata.name)).toEqual(['baton-worker-default', 'baton-worker-default-r41']);
    const [current, draining] = workers;
    expect(current.spec!.template.spec.containers[0].image).toMatch(/:0\.1\.0$/);
    expect(draining.spec!.template.spec.containers[0].image).toMatch(/:0\.41\.0$/);
    expect(draining.spec!.replicas).toBe(1);
    for (const worker of workers) expect(envOf(worker)).toMatchObject({ WORKER_DEPLOYMENT_NAME: 'baton', WORKER_POOL: 'default' });
    expect(current.spec!.selector.matchLabels['baton.dev/release']).toBe('current');
    expect(draining.spec!.selector.matchLabels['baton.dev/release']).toBe('r41');
    expect(byKind(objects, 'PodDisruptionBudget').map((p) => p.metadata.name)).toContain('baton-worker-default-r41');
    // Without versioning an earlier release's workers would take new runs and replay old ones on other code.
    expect(
      refusal({ 'workers.versioning.drainingReleases[0].name': 'r41', 'workers.versioning.drainingReleases[0].tag': '0.41.0' }),
    ).toMatch(/needs workers\.versioning\.deploymentName/);
  });

  it('leaves out what is switched off', async () => {
    const objects = render({ 'networkPolicy.enabled': 'false', 'migrations.enabled': 'false' });
    await checkAll(objects);
    expect(byKind(objects, 'NetworkPolicy')).toEqual([]);
    expect(byKind(objects, 'Job')).toEqual([]);
  });

  it('refuses values that would deploy something broken, naming the value', () => {
    expect(refusal({ 'config.JWT_SECRET': 'in-a-configmap' })).toMatch(/invalid propertyName 'JWT_SECRET'/);
    expect(refusal({ 'temporal.address': 'temporal.example' })).toMatch(/temporal\/address/);
    expect(refusal({ 'workers.pools[1].name': 'GPU Pool', 'workers.pools[1].replicas': '1' })).toMatch(/workers\/pools\/1\/name/);
    // Without the default pool nothing would run the workflows.
    expect(refusal({ 'workers.pools[0].name': 'gpu' })).toMatch(/workers\/pools/);
    expect(refusal({ 'config.WORKER_POOLS': 'gpu' })).toMatch(/invalid propertyName 'WORKER_POOLS'/);
    expect(refusal({ 'workers.sandbox.isolation': 'maybe' })).toMatch(/isolation/);
    expect(refusal({ 'networkPolicy.stepEgressCidrs[0]': 'everywhere' })).toMatch(/stepEgressCidrs/);
    expect(refusal({ replicas: '3' })).toMatch(/additional properties|replicas/i);
  });
});
