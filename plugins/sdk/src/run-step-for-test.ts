import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepDefinition } from './define-plugin.js';
import { hostAllowed } from './egress-hosts.js';
import { formatEndpoint, parseEndpoint } from './network-endpoints.js';
import { sha256Digest } from './package/digest.js';
import type { ArtifactResult, ArtifactTransport } from './step-artifacts.js';
import type { HttpResult, HttpTransport } from './step-fetch.js';
import type { StepNet, StepSocket } from './step-net.js';
import type { ModelCall, ModelComparison, ModelTransport, ModelVersionInfo } from './step-models.js';
import { invokeStep, type StepOutcome } from './execute-step.js';
import { createStepContext, type LineageEntry, type LogEntry, type MetricEntry, type StepEventEntry } from './step-context.js';

export interface StepTestOptions {
  secrets?: Record<string, string>;
  attempt?: number;
  signal?: AbortSignal;
  runId?: string;
  tenantId?: string;
  /** The W3C trace context the step sees as `ctx.traceparent`, as when the worker traces. */
  traceparent?: string;
  /**
   * Answers the step's `ctx.fetch` (a stub, say). By default requests go out with the global
   * `fetch`, to the hosts the step declares in `egress` only, as in production.
   */
  http?: HttpTransport;
  /**
   * The `host:port` endpoints the step may open TCP connections to with `ctx.net`, as a tenant
   * approves them; connections go straight out from the test process. None by default.
   */
  networkEndpoints?: string[];
  /** What the tenant's artifact store holds when the step starts, by key (text or bytes). */
  artifacts?: Record<string, string | Uint8Array>;
  /** What the tenant's model registry holds when the step starts (`ctx.models`): versions of any models. */
  models?: ModelVersionInfo[];
  /**
   * Called with the registry (to change it) before the step's registry call is answered: what
   * another run does meanwhile, e.g. promoting a version between the step's `get` and `promote`.
   */
  beforeModelCall?: (call: ModelCall, registry: ModelVersionInfo[]) => void;
  /** Gives the step `ctx.scratch`: an empty folder made for the call and removed after it. */
  scratch?: boolean;
}

/** `artifacts`: the store after the step, by key, what it put included; `events`: what it emitted with `ctx.emit`. */
export type StepTestResult = StepOutcome & {
  logs: LogEntry[];
  metrics: MetricEntry[];
  lineage: LineageEntry[];
  events: StepEventEntry[];
  artifacts: Record<string, Buffer>;
  models: ModelVersionInfo[];
  /** The verdicts the step recorded with `ctx.models.recordComparison`, a retried one replacing its first. */
  comparisons: ModelComparison[];
};

/**
 * Runs a step in-process with the sandbox's validation rules and collects what it reports.
 * Input goes through JSON first, because in production it arrives as JSON.
 */
export async function runStepForTest(step: StepDefinition, input: unknown, options: StepTestOptions = {}): Promise<StepTestResult> {
  assertSecretsDeclared(step, options.secrets ?? {});
  const logs: LogEntry[] = [];
  const metrics: MetricEntry[] = [];
  const lineage: LineageEntry[] = [];
  const events: StepEventEntry[] = [];
  const runId = options.runId ?? 'test-run';
  const registry = (options.models ?? []).map((version) => ({ ...version }));
  const comparisons = new Map<string, ModelComparison>();
  const scratch = options.scratch ? await mkdtemp(join(tmpdir(), 'baton-scratch-')) : undefined;
  const store = new Map(Object.entries(options.artifacts ?? {}).map(([key, value]) => [key, Buffer.from(value)]));
  const ctx = createStepContext({
    identity: {
      runId,
      stepId: step.id,
      tenantId: options.tenantId ?? 'test-tenant',
      attempt: options.attempt ?? 1,
      idempotencyKey: `${runId}:${step.id}`,
      ...(options.traceparent && { traceparent: options.traceparent }),
    },
    signal: options.signal ?? new AbortController().signal,
    secrets: options.secrets ?? {},
    sink: {
      log: (entry) => logs.push(entry),
      metric: (entry) => metrics.push(entry),
      lineage: (entry) => lineage.push(entry),
      event: (entry) => events.push(entry),
    },
    http: options.http ?? directFetch(step.egress),
    artifacts: memoryArtifacts(store),
    models: memoryModels(registry, { runId, stepId: step.id, idempotencyKey: `${runId}:${step.id}` }, comparisons, options.beforeModelCall),
    net: directNet(options.networkEndpoints ?? []),
    scratch,
    // The test process is not sandboxed: a module comes from wherever the test resolves it.
    installed: (specifier) => import(specifier),
  });
  let outcome: StepOutcome;
  try {
    outcome = await invokeStep(step, viaJson(input), ctx);
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
  const recorded = [...comparisons.values()];
  return { ...outcome, logs, metrics, lineage, events, artifacts: Object.fromEntries(store), models: registry, comparisons: recorded };
}

/** The harness's artifact store: a map, with the worker's answers. */
function memoryArtifacts(store: Map<string, Buffer>): ArtifactTransport {
  return async (call): Promise<ArtifactResult> => {
    if (call.op === 'get') {
      const content = store.get(call.key);
      return content ? { ok: true, body: content } : { ok: false, message: `no artifact ${call.key}` };
    }
    const content = Buffer.from(call.body);
    store.set(call.key, content);
    return { ok: true, ref: { artifact: call.key, bytes: content.length, sha256: sha256Digest(content), contentType: call.contentType } };
  };
}

/**
 * The harness's model registry: a list of versions, with the worker's rules (versions numbered per
 * model, one production version, a repeated registration of the same step and model replayed).
 */
function memoryModels(
  registry: ModelVersionInfo[],
  caller: { runId: string; stepId: string; idempotencyKey: string },
  comparisons: Map<string, ModelComparison>,
  before?: StepTestOptions['beforeModelCall'],
): ModelTransport {
  const replays = new Map<string, number>();
  return async (call) => {
    before?.(call, registry);
    if (call.op === 'get') {
      const found = registry.filter((v) => v.name === call.name && v.stage === call.stage).sort((a, b) => b.version - a.version)[0];
      return { ok: true, found: found ? structuredClone(found) : null };
    }
    if (call.op === 'register') {
      const r = call.registration;
      const key = `${caller.idempotencyKey}:${r.name}`;
      const replayed = replays.get(key);
      if (replayed !== undefined) return { ok: true, registered: { name: r.name, version: replayed } };
      const version = Math.max(0, ...registry.filter((v) => v.name === r.name).map((v) => v.version)) + 1;
      registry.push({
        name: r.name,
        version,
        stage: 'none',
        metrics: r.metrics,
        params: r.params ?? {},
        dataset: r.dataset ?? null,
        artifact: r.artifact,
        algorithm: r.algorithm ?? null,
        task: r.task ?? null,
        runId: caller.runId,
        stepId: caller.stepId,
        createdAt: new Date().toISOString(),
      });
      replays.set(key, version);
      return { ok: true, registered: { name: r.name, version } };
    }
    if (call.op === 'compare') {
      const known = registry.some((v) => v.name === call.comparison.name);
      if (known) comparisons.set(call.comparison.name, structuredClone(call.comparison));
      return { ok: true, recorded: known };
    }
    const target = registry.find((v) => v.name === call.name && v.version === call.version);
    if (!target) return { ok: false, message: `model ${call.name} has no version ${call.version}` };
    const production = registry.find((v) => v.name === call.name && v.stage === 'production')?.version ?? null;
    if (call.ifProduction !== undefined && call.ifProduction !== production) return { ok: true, stale: { production } };
    if (call.stage === 'production')
      for (const v of registry) if (v.name === call.name && v.stage === 'production' && v !== target) v.stage = 'archived';
    target.stage = call.stage;
    return { ok: true, promoted: { name: call.name, version: call.version, stage: call.stage } };
  };
}

/** The harness's broker: the step's egress list, then the machine's own network. */
function directFetch(egress: readonly string[]): HttpTransport {
  return async (request, signal): Promise<HttpResult> => {
    const host = new URL(request.url).hostname;
    if (!hostAllowed(host, egress))
      return { ok: false, code: 'egress_denied', message: `${host} is not in this step's egress list (${egress.join(', ') || 'empty'})` };
    try {
      const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body, signal });
      return {
        ok: true,
        url: response.url,
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers],
        body: new Uint8Array(await response.arrayBuffer()),
      };
    } catch (error) {
      if (signal.aborted) throw error;
      const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
      return {
        ok: false,
        code: 'request_failed',
        message: `${request.method} ${request.url}: ${cause?.message ?? (error as Error).message}`,
        errno: cause?.code,
      };
    }
  };
}

/** The harness's relay: sockets of the test process itself, to the listed endpoints only. */
function directNet(endpoints: readonly string[]): StepNet {
  const socket = (): StepSocket => {
    const raw = new Socket();
    const connect = raw.connect.bind(raw) as (options: { port: number; host: string }, listener?: () => void) => Socket;
    return Object.assign(raw, {
      connect(portOrOptions: number | { port: number; host?: string }, hostOrListener?: string | (() => void), listener?: () => void) {
        const options =
          typeof portOrOptions === 'number'
            ? { port: portOrOptions, host: typeof hostOrListener === 'string' ? hostOrListener : 'localhost' }
            : { port: portOrOptions.port, host: portOrOptions.host ?? 'localhost' };
        const onConnect = typeof hostOrListener === 'function' ? hostOrListener : listener;
        const endpoint = parseEndpoint(`${options.host}:${options.port}`);
        if (typeof endpoint === 'string' || !endpoints.includes(formatEndpoint(endpoint))) {
          const named = typeof endpoint === 'string' ? `${options.host}:${options.port}` : formatEndpoint(endpoint);
          process.nextTick(() =>
            raw.destroy(
              Object.assign(new Error(`${named} is not in networkEndpoints (${endpoints.join(', ') || 'none'})`), { code: 'EACCES' }),
            ),
          );
          return raw;
        }
        return connect(options, onConnect);
      },
    });
  };
  return { socket, connect: ({ host, port }, listener) => socket().connect({ host, port }, listener) };
}

function assertSecretsDeclared(step: StepDefinition, secrets: Record<string, string>): void {
  const undeclared = Object.keys(secrets).filter((name) => !step.secrets.includes(name));
  if (undeclared.length > 0) {
    throw new Error(`step "${step.id}" does not declare secrets ${undeclared.join(', ')}; the sandbox would not pass them`);
  }
}

function viaJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
