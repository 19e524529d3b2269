import { createStepArtifacts, type ArtifactTransport, type StepArtifacts } from './step-artifacts.js';
import { createStepFetch, type HttpTransport, type StepFetch } from './step-fetch.js';
import { createStepModels, type ModelTransport, type StepModels } from './step-models.js';
import { StepError } from './step-error.js';
import { NO_NET, type StepNet } from './step-net.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;
export type MetricTags = Record<string, string>;

export interface LogEntry {
  level: LogLevel;
  message: string;
  fields?: LogFields;
}

export interface MetricEntry {
  name: string;
  value: number;
  tags?: MetricTags;
}

/** A dataset the step read (`input`) or wrote (`output`), named as OpenLineage names datasets. */
export interface LineageEntry {
  direction: 'input' | 'output';
  namespace: string;
  name: string;
}

/**
 * Domain events a step may emit with `ctx.emit`. The list is closed: the worker accepts exactly the
 * types in `STEP_DOMAIN_EVENT_TYPES` of workers/contracts (kept equal to this one) and drops others.
 *
 * - `model.drift_detected`: a model's inputs or predictions drifted from its reference; `data` says
 *   how (e.g. `{ model, feature, metric: 'psi', value: 0.31, threshold: 0.2 }`). Raises a
 *   `model.drift_detected` alert on the tenant's notification channels that subscribe to it.
 */
export const STEP_EVENT_TYPES = ['model.drift_detected'] as const;
export type StepEventType = (typeof STEP_EVENT_TYPES)[number];
/** Largest `data` of one emitted event, as JSON. */
export const STEP_EVENT_MAX_BYTES = 8 * 1024;

export interface StepEventEntry {
  type: StepEventType;
  data: Record<string, unknown>;
}

/** A dataset: an artifact (or its key), or any `{ namespace, name }` (`postgres://host:5432`, `db.public.orders`). */
export type LineageDataset = string | { artifact: string } | { namespace: string; name: string };

export interface StepLineage {
  input(dataset: LineageDataset): void;
  output(dataset: LineageDataset): void;
}

/** The namespace of datasets kept in the tenant's artifact store. */
export const ARTIFACTS_NAMESPACE = 'baton-artifacts';

/** `ctx.log('message')` logs at info; `ctx.log('warn', 'message', { rows })` picks the level. */
export interface StepLogger {
  (message: string, fields?: LogFields): void;
  (level: LogLevel, message: string, fields?: LogFields): void;
}

export interface StepContext {
  readonly runId: string;
  /** The step's key in the pipeline (not the plugin's step id). */
  readonly stepId: string;
  readonly tenantId: string;
  /** 1 on the first try, incremented by each retry. */
  readonly attempt: number;
  /** Stable across retries of the same step: use it to make side effects idempotent. */
  readonly idempotencyKey: string;
  /**
   * W3C `traceparent` of this step's span when the worker traces (OpenTelemetry): send it as the
   * `traceparent` header so the services the step calls join the run's trace. Absent otherwise.
   */
  readonly traceparent?: string;
  /** Aborted when the step is cancelled. */
  readonly signal: AbortSignal;
  readonly log: StepLogger;
  metric(name: string, value: number, tags?: MetricTags): void;
  /** Only the secrets the step declares, resolved for this tenant. */
  readonly secrets: Readonly<Record<string, string>>;
  /**
   * The step's only way to the network (unless its plugin has raw network access): `fetch`, carried
   * out by the worker's broker for the hosts the step declares in `egress`, public addresses only.
   */
  readonly fetch: StepFetch;
  /**
   * TCP for plugins that declare `network` patterns (a database or queue client): a socket to an
   * endpoint the tenant approved, opened and relayed by the worker. Others get an error.
   */
  readonly net: StepNet;
  /** Large data by reference: bytes and NDJSON datasets in the tenant's artifact store. */
  readonly artifacts: StepArtifacts;
  /** Records the datasets the step read and wrote; they become run events and the lineage graph. */
  readonly lineage: StepLineage;
  /**
   * The tenant's model registry (`/v1/models`): `register` a new version with its metrics, params,
   * training dataset and artifact (recording this run and step), `get` the version in a stage,
   * `promote` one. Served by the worker; every call stays in the run's tenant.
   */
  readonly models: StepModels;
  /**
   * Emits a domain event of one of the `STEP_EVENT_TYPES` with a JSON object (at most
   * `STEP_EVENT_MAX_BYTES`) as its data: `ctx.emit('model.drift_detected', { feature: 'age', psi: 0.31 })`.
   * It becomes a run event of that type; any other type throws a TypeError.
   */
  emit(type: StepEventType, data?: Record<string, unknown>): void;
  /**
   * A private, empty folder the step may write (its plugin asks for `sandbox.scratch`), for engines
   * that work on files: emptied when the step ends, each file size-capped. Undefined otherwise.
   */
  readonly scratch: string | undefined;
  /**
   * Loads a module the installation ships, one the plugin lists in `sandbox.installed` (first-party
   * plugins only; native add-ons allowed), e.g. `await ctx.installed<typeof import('@duckdb/node-api')>('@duckdb/node-api')`.
   * Such modules are never bundled into the plugin: the installation's copy is the one that runs.
   */
  installed<T = unknown>(specifier: string): Promise<T>;
}

export interface StepIdentity {
  runId: string;
  stepId: string;
  tenantId: string;
  attempt: number;
  idempotencyKey: string;
  traceparent?: string;
}

/** Where a context sends what the step reports: IPC in the sandbox, arrays in the test harness. */
export interface StepTelemetrySink {
  log(entry: LogEntry): void;
  metric(entry: MetricEntry): void;
  lineage?(entry: LineageEntry): void;
  event?(entry: StepEventEntry): void;
}

export interface StepContextParts {
  identity: StepIdentity;
  signal: AbortSignal;
  secrets: Record<string, string>;
  sink: StepTelemetrySink;
  /** Carries `ctx.fetch` exchanges; without one, every request is refused. */
  http?: HttpTransport;
  /** Carries `ctx.artifacts` calls; without one, there is no artifact store. */
  artifacts?: ArtifactTransport;
  models?: ModelTransport;
  /** `ctx.net`; without it, raw connections are refused. */
  net?: StepNet;
  /** `ctx.scratch`, when the plugin has one. */
  scratch?: string;
  /** Carries out `ctx.installed`; without it, every module is refused. */
  installed?: (specifier: string) => Promise<unknown>;
}

const NO_NETWORK: HttpTransport = async () => ({ ok: false, code: 'egress_denied', message: 'this step has no network' });
const NO_ARTIFACTS: ArtifactTransport = async () => ({ ok: false, message: 'no artifact store is available here' });
const NO_MODELS: ModelTransport = async () => ({ ok: false, message: 'no model registry is available here' });
const NO_INSTALLED = async (specifier: string): Promise<never> => {
  throw new StepError(`this plugin may not load ${specifier}: list it in definePlugin's sandbox.installed (first-party plugins only)`, {
    retryable: false,
    code: 'sandbox_denied',
  });
};

export function createStepContext({
  identity,
  signal,
  secrets,
  sink,
  http = NO_NETWORK,
  artifacts = NO_ARTIFACTS,
  models = NO_MODELS,
  net = NO_NET,
  scratch,
  installed = NO_INSTALLED,
}: StepContextParts): StepContext {
  const log = ((...args: unknown[]) => sink.log(toLogEntry(args))) as StepLogger;
  const metric = (name: string, value: number, tags?: MetricTags) => sink.metric(toMetricEntry(name, value, tags));
  const record = (direction: LineageEntry['direction']) => (dataset: LineageDataset) =>
    sink.lineage?.({ direction, ...toDatasetName(dataset) });
  const lineage = Object.freeze({ input: record('input'), output: record('output') });
  const emit = (type: StepEventType, data: Record<string, unknown> = {}) => sink.event?.(toEventEntry(type, data));
  return Object.freeze({
    ...identity,
    signal,
    log,
    metric,
    secrets: Object.freeze({ ...secrets }),
    fetch: createStepFetch(http, signal),
    artifacts: createStepArtifacts(artifacts, identity),
    models: createStepModels(models),
    net,
    lineage,
    emit,
    scratch,
    installed: <T>(specifier: string) => installed(specifier) as Promise<T>,
  });
}

export function isLogLevel(value: unknown): value is LogLevel {
  return (LOG_LEVELS as readonly unknown[]).includes(value);
}

function toLogEntry([first, second, third]: unknown[]): LogEntry {
  const [level, message, fields] =
    isLogLevel(first) && typeof second === 'string' ? [first, second, third] : ['info' as const, first, second];
  const entry: LogEntry = { level, message: String(message) };
  if (fields !== undefined) entry.fields = fields as LogFields;
  return entry;
}

function toDatasetName(dataset: LineageDataset): { namespace: string; name: string } {
  if (typeof dataset === 'string') return { namespace: ARTIFACTS_NAMESPACE, name: dataset };
  if ('artifact' in dataset) return { namespace: ARTIFACTS_NAMESPACE, name: dataset.artifact };
  if (typeof dataset.namespace !== 'string' || typeof dataset.name !== 'string' || !dataset.namespace || !dataset.name) {
    throw new TypeError('a lineage dataset needs a namespace and a name');
  }
  return { namespace: dataset.namespace, name: dataset.name };
}

export function isStepEventType(value: unknown): value is StepEventType {
  return (STEP_EVENT_TYPES as readonly unknown[]).includes(value);
}

function toEventEntry(type: unknown, data: unknown): StepEventEntry {
  if (!isStepEventType(type))
    throw new TypeError(`ctx.emit: ${JSON.stringify(type)} is not an event a step may emit (${STEP_EVENT_TYPES.join(', ')})`);
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new TypeError(`ctx.emit('${type}'): data must be a JSON object`);
  let json: string;
  try {
    json = JSON.stringify(data);
  } catch (error) {
    throw new TypeError(`ctx.emit('${type}'): data is not JSON (${(error as Error).message})`, { cause: error });
  }
  if (Buffer.byteLength(json) > STEP_EVENT_MAX_BYTES)
    throw new TypeError(`ctx.emit('${type}'): data is over ${STEP_EVENT_MAX_BYTES} bytes as JSON`);
  // What is sent is what JSON keeps: no functions, undefined or class instances reach the host.
  return { type, data: JSON.parse(json) as Record<string, unknown> };
}

function toMetricEntry(name: string, value: number, tags?: MetricTags): MetricEntry {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('metric name must be a non-empty string');
  if (!Number.isFinite(value)) throw new TypeError(`metric "${name}" must be a finite number, got ${String(value)}`);
  return tags === undefined ? { name, value } : { name, value, tags };
}
