import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DispatchBacklog } from '../ledger/run-ledger.repository.js';
import { RUN_TRIGGERS, TERMINAL_RUN_STATUSES, type RunTrigger } from '../../../workers/contracts/index.js';

/**
 * The operator metrics of one process, in one prom-client registry: the API and the worker both
 * record into it, so `baton up` (both in one process) shows everything on one page. No Nest here:
 * the worker imports this file too. Label values come from small fixed sets (route patterns, step
 * types, statuses); run ids never, tenant ids only when the operator asks for them.
 */
export interface MetricsOptions {
  /** Adds a `tenant` label (the tenant id) to the run and step metrics: one series per tenant. */
  tenantLabels: boolean;
}

export const STEP_OUTCOMES = ['succeeded', 'failed', 'cancelled'] as const;
export type StepOutcomeLabel = (typeof STEP_OUTCOMES)[number];
export const SANDBOX_KILL_REASONS = ['timeout', 'memory', 'cancel', 'shutdown', 'crash', 'protocol'] as const;
export const SANDBOX_ISOLATION_MODES = ['enforced', 'first-party-only', 'off'] as const;
export type SandboxKillReason = (typeof SANDBOX_KILL_REASONS)[number];
export const WEBHOOK_SOURCES = ['trigger', 'stripe'] as const;
export type WebhookSource = (typeof WEBHOOK_SOURCES)[number];
export const SWEEP_ACTIONS = ['settled', 'restarted'] as const;
export type SweepAction = (typeof SWEEP_ACTIONS)[number];
const DISPATCH_WAITS = ['engine', 'slot', 'dispatch'] as const satisfies ReadonlyArray<keyof DispatchBacklog>;

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STEP_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The route label of a request no route matched: its URL would be unbounded. */
export const UNMATCHED_ROUTE = '(unmatched)';

export class BatonMetrics {
  readonly registry = new Registry();
  private readonly tenantLabels: boolean;
  private readonly httpDuration: Histogram<string>;
  private readonly webhookDuration: Histogram<string>;
  private readonly runsStarted: Counter<string>;
  private readonly runsFinished: Counter<string>;
  private readonly queueWait: Histogram<string>;
  private readonly scheduleLateness: Histogram<string>;
  private readonly stepDuration: Histogram<string>;
  private readonly sandboxKills: Counter<string>;
  private readonly isolationMode: Gauge<string>;
  private readonly sweepActions: Counter<string>;
  private readonly appended: Array<() => Promise<string>> = [];

  constructor(options: MetricsOptions) {
    this.tenantLabels = options.tenantLabels;
    const tenant = this.tenantLabels ? ['tenant'] : [];
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'baton_http_request_duration_seconds',
      help: 'API requests by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.webhookDuration = new Histogram({
      name: 'baton_webhook_duration_seconds',
      help: 'Inbound webhooks (source trigger: /v1/hooks/*; stripe: the billing webhook) by outcome.',
      labelNames: ['source', 'outcome'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.runsStarted = new Counter({
      name: 'baton_runs_started_total',
      help: 'Runs recorded, by trigger.',
      labelNames: ['trigger', ...tenant],
      registers,
    });
    this.runsFinished = new Counter({
      name: 'baton_runs_finished_total',
      help: 'Runs that ended, by final status.',
      labelNames: ['status', ...tenant],
      registers,
    });
    this.queueWait = new Histogram({
      name: 'baton_run_queue_wait_seconds',
      help: 'From a run being recorded (queued) to its start (after any pipeline concurrency limit), by trigger.',
      labelNames: ['trigger', ...tenant],
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.scheduleLateness = new Histogram({
      name: 'baton_schedule_lateness_seconds',
      help: "From the time Temporal scheduled a schedule's fire to the run being recorded.",
      labelNames: tenant,
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.stepDuration = new Histogram({
      name: 'baton_step_duration_seconds',
      help: 'Step attempts run in the sandbox, by step type (plugin/step, no version) and outcome.',
      labelNames: ['step_type', 'status', ...tenant],
      buckets: STEP_BUCKETS,
      registers,
    });
    this.sandboxKills = new Counter({
      name: 'baton_sandbox_kills_total',
      help: 'Step processes stopped abnormally, by reason (timeout, memory, cancel, shutdown, crash; protocol: it wrote what the worker does not accept).',
      labelNames: ['reason'],
      registers,
    });
    this.isolationMode = new Gauge({
      name: 'baton_sandbox_isolation',
      help: 'How this worker isolates step processes: 1 for the mode in effect (enforced; first-party-only: no OS isolation available, only first-party plugins run; off).',
      labelNames: ['mode'],
      registers,
    });
    this.sweepActions = new Counter({
      name: 'baton_run_sweep_actions_total',
      help: 'Runs the sweep acted on: settled (their workflow had closed without recording the end) or restarted (their workflow was gone).',
      labelNames: ['action'],
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters fail `promtool check metrics` (prometheus/client_js#283); their
    // per-type gauges (nodejs_active_handles, …) sum to the same.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
      this.registry.removeSingleMetric(name);
    // Known series start at zero, so that rate() sees their first increase.
    if (!this.tenantLabels) {
      for (const trigger of RUN_TRIGGERS) this.runsStarted.inc({ trigger }, 0);
      for (const status of TERMINAL_RUN_STATUSES) this.runsFinished.inc({ status }, 0);
    }
    for (const reason of SANDBOX_KILL_REASONS) this.sandboxKills.inc({ reason }, 0);
    for (const action of SWEEP_ACTIONS) this.sweepActions.inc({ action }, 0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The page: this registry's metrics, then each appended exposition (the Temporal SDK's own
   * metrics, which its Rust core serves on a loopback port). A source that does not answer is left
   * out of that scrape rather than failing it.
   */
  async text(): Promise<string> {
    const appended = await Promise.all(this.appended.map((source) => source().catch(() => '')));
    return [await this.registry.metrics(), ...appended.filter(Boolean)].join('\n');
  }

  /** Adds another process part's Prometheus text to every scrape of this page. */
  appendFrom(source: () => Promise<string>): void {
    this.appended.push(source);
  }

  httpRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    this.httpDuration.observe(
      { method: HTTP_METHODS.has(method) ? method : 'OTHER', route: route ?? UNMATCHED_ROUTE, status_code: String(statusCode) },
      seconds,
    );
  }

  webhook(source: WebhookSource, outcome: string, seconds: number): void {
    this.webhookDuration.observe({ source, outcome }, seconds);
  }

  runStarted(tenantId: string, trigger: RunTrigger): void {
    this.runsStarted.inc(this.withTenant({ trigger }, tenantId));
  }

  runFinished(tenantId: string, status: string): void {
    this.runsFinished.inc(this.withTenant({ status }, tenantId));
  }

  runDequeued(tenantId: string, trigger: string, waitSeconds: number): void {
    this.queueWait.observe(this.withTenant({ trigger }, tenantId), Math.max(0, waitSeconds));
  }

  scheduleFired(tenantId: string, latenessSeconds: number): void {
    this.scheduleLateness.observe(this.withTenant({}, tenantId), Math.max(0, latenessSeconds));
  }

  stepFinished(tenantId: string, stepType: string, status: StepOutcomeLabel, seconds: number): void {
    this.stepDuration.observe(this.withTenant({ step_type: stepType, status }, tenantId), seconds);
  }

  sandboxKilled(reason: SandboxKillReason): void {
    this.sandboxKills.inc({ reason });
  }

  sandboxIsolation(mode: (typeof SANDBOX_ISOLATION_MODES)[number]): void {
    for (const each of SANDBOX_ISOLATION_MODES) this.isolationMode.set({ mode: each }, each === mode ? 1 : 0);
  }

  runsSwept(action: SweepAction, count: number): void {
    if (count > 0) this.sweepActions.inc({ action }, count);
  }

  /**
   * Reads the run outbox's backlog from the database at each scrape (one read serves both gauges).
   * Every API replica reports the same figures: aggregate them with max(), not sum(). A failed
   * read reports NaN rather than failing the whole scrape. A second API in one process (bench:tracing's
   * traced pair) takes these gauges, and the worker pools', over rather than failing to start.
   */
  watchDispatchBacklog(read: () => Promise<DispatchBacklog>): void {
    for (const name of ['baton_run_dispatch_pending', 'baton_run_dispatch_oldest_seconds']) this.registry.removeSingleMetric(name);
    let reading: { at: number; value: Promise<DispatchBacklog | undefined> } | undefined;
    const current = () => {
      if (!reading || Date.now() - reading.at > 1_000) reading = { at: Date.now(), value: read().catch(() => undefined) };
      return reading.value;
    };
    const registers = [this.registry];
    new Gauge({
      name: 'baton_run_dispatch_pending',
      help: 'Runs recorded whose workflow is not started yet, by what they wait for (engine: refused by the workflow engine; slot: a concurrent-run slot of their plan; dispatch: not tried yet).',
      labelNames: ['waiting_for'],
      registers,
      async collect() {
        const backlog = await current();
        for (const waiting of DISPATCH_WAITS) this.set({ waiting_for: waiting }, backlog ? backlog[waiting] : Number.NaN);
      },
    });
    new Gauge({
      name: 'baton_run_dispatch_oldest_seconds',
      help: 'Age of the oldest run recorded whose workflow is not started yet (0: none).',
      registers,
      async collect() {
        this.set((await current())?.oldestSeconds ?? Number.NaN);
      },
    });
  }

  /**
   * Each pool's workers and the steps waiting on it, asked of Temporal at each scrape (`read`
   * answers undefined when it cannot tell: NaN, rather than a failed scrape). A pool with steps
   * waiting and no worker is one whose steps will not run until a worker of it starts.
   */
  watchWorkerPools(pools: readonly string[], read: (pool: string) => Promise<{ workers: number; backlog: number } | undefined>): void {
    for (const name of ['baton_worker_pool_workers', 'baton_worker_pool_waiting_steps']) this.registry.removeSingleMetric(name);
    const registers = [this.registry];
    const each = async (set: (pool: string, presence: { workers: number; backlog: number } | undefined) => void) => {
      const answers = await Promise.all(pools.map(read));
      pools.forEach((pool, i) => set(pool, answers[i]));
    };
    new Gauge({
      name: 'baton_worker_pool_workers',
      help: "Workers Temporal saw polling each worker pool's step queue in the last few minutes.",
      labelNames: ['pool'],
      registers,
      async collect() {
        await each((pool, presence) => this.set({ pool }, presence?.workers ?? Number.NaN));
      },
    });
    new Gauge({
      name: 'baton_worker_pool_waiting_steps',
      help: "Steps scheduled on each worker pool that no worker took yet (Temporal's approximate backlog of the pool's step queue).",
      labelNames: ['pool'],
      registers,
      async collect() {
        await each((pool, presence) => this.set({ pool }, presence?.backlog ?? Number.NaN));
      },
    });
  }

  private withTenant(labels: Record<string, string>, tenantId: string): Record<string, string> {
    return this.tenantLabels ? { ...labels, tenant: tenantId } : labels;
  }
}

let current: BatonMetrics | undefined;

/**
 * The metrics of this process, created by the first caller (the API or the worker, with the
 * configuration both share); later callers get the same registry.
 */
export function processMetrics(options: MetricsOptions = { tenantLabels: false }): BatonMetrics {
  current ??= new BatonMetrics(options);
  return current;
}
