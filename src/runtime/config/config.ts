import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { generatePublisherKeyPair } from '../../../plugins/sdk/src/package/signing.js';
import { parseDuration } from '../../../workers/contracts/duration.js';
import { DEFAULT_POOL, POOL_NAME_PATTERN } from '../../../workers/contracts/pipeline.contract.js';
import { KEY_BYTES, parseMasterKey, type MasterKeyring } from '../../../workers/contracts/secret-envelope.js';
import type { EmbeddedDatabaseSecrets } from '../database/embedded-postgres.js';
import { temporalConnectionProblems } from '../temporal/temporal-connection.js';

/**
 * The one configuration loader, shared by the control plane, the workers and the CLI.
 * Every variable is declared once with its default (the embedded, one-machine mode),
 * a description and whether it is secret. Invalid values fail fast at boot, all named at once.
 */
interface VariableSpec<S extends z.ZodType> {
  schema: S;
  description: string;
  secret?: boolean;
}

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const masterKey = z.string().transform((text, ctx) => {
  try {
    return parseMasterKey(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
const durationText = z.string().refine((text) => parseDuration(text) !== null, 'expected a duration such as 30s, 15m, 12h or 7d');
const cidrList = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const cidrs = (text ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    const bad = cidrs.filter((cidr) => !isCidrOrAddress(cidr));
    if (bad.length) ctx.addIssue({ code: 'custom', message: `not addresses or CIDR ranges: ${bad.join(', ')}` });
    return cidrs;
  });
const poolName = z.string().trim().regex(POOL_NAME_PATTERN, 'expected a pool name matching [a-z][a-z0-9-]{0,30}, e.g. gpu');
const poolList = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined) return undefined;
    const pools = text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const bad = pools.filter((pool) => !POOL_NAME_PATTERN.test(pool));
    if (bad.length) ctx.addIssue({ code: 'custom', message: `not pool names ([a-z][a-z0-9-]{0,30}): ${bad.join(', ')}` });
    return [...new Set(pools)];
  });
const uidRange = z
  .string()
  .default('200000-265535')
  .pipe(
    z
      .string()
      .regex(/^\d+-\d+$/, 'expected first-last, e.g. 200000-265535')
      .transform((text, ctx) => {
        const [first, last] = text.split('-').map(Number) as [number, number];
        if (first < 1000 || last > 2 ** 31 - 2 || last < first)
          ctx.addIssue({ code: 'custom', message: 'expected 1000 <= first <= last < 2^31 - 1' });
        return { first, count: last - first + 1 };
      }),
  );
/** Fastify's `trustProxy`: off, every proxy, a hop count, or the proxies' addresses and ranges (proxy-addr also names `loopback`, `linklocal`, `uniquelocal`). */
const trustProxy = z
  .string()
  .optional()
  .transform((text, ctx): boolean | number | string[] => {
    const value = (text ?? 'false').trim();
    if (value === 'false') return false;
    if (value === 'true') return true;
    if (/^\d+$/.test(value)) return Number(value);
    const entries = value
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const bad = entries.filter((e) => !isCidrOrAddress(e) && !['loopback', 'linklocal', 'uniquelocal'].includes(e));
    if (bad.length || !entries.length)
      ctx.addIssue({
        code: 'custom',
        message: `expected false, true, a hop count or comma-separated addresses/CIDR ranges; not: ${bad.join(', ') || '(empty)'}`,
      });
    return entries;
  });
const spec = <S extends z.ZodType>(schema: S, description: string, secret = false): VariableSpec<S> => ({ schema, description, secret });

export const CONFIG_VARIABLES = {
  BATON_HOME: spec(
    z.string().default('./.baton'),
    'Folder for embedded PostgreSQL data, the Temporal dev-server database and generated secrets.',
  ),
  HOST: spec(z.string().default('127.0.0.1'), 'Interface the API listens on.'),
  PORT: spec(int(0, 65535).default(8080), 'Port the API listens on.'),
  PUBLIC_URL: spec(z.url().optional(), 'Base URL printed and used in links; defaults to http://HOST:PORT.'),
  TRUST_PROXY: spec(
    trustProxy,
    "Which proxies in front of the API to believe about the client address (X-Forwarded-For): `false` (none: the peer is the client), `true` (any), a hop count, or comma-separated proxy addresses/CIDR ranges. The address decides the rate limit of public routes and is the audit log's source IP.",
  ),
  DATABASE_URL: spec(z.string().optional(), 'External PostgreSQL URL. Unset: start an embedded PostgreSQL in $BATON_HOME/pg.', true),
  EMBEDDED_PG_PORT: spec(int(1, 65535).default(54329), 'Port of the embedded PostgreSQL.'),
  DATABASE_POOL_SIZE: spec(int(1, 200).default(10), 'Connections per process.'),
  TEMPORAL_ADDRESS: spec(
    z.string().optional(),
    'Temporal frontend host:port. Unset: start `temporal server start-dev` as a child process.',
  ),
  TEMPORAL_NAMESPACE: spec(z.string().default('default'), 'Temporal namespace.'),
  TEMPORAL_TLS: spec(
    bool.optional(),
    'Connect to TEMPORAL_ADDRESS over TLS. Unset: on when TEMPORAL_API_KEY or a TEMPORAL_TLS_* file is set, else plaintext.',
  ),
  TEMPORAL_TLS_CA: spec(
    z.string().optional(),
    "PEM file of the CA that signed the Temporal frontend's certificate. Unset: the system's trusted roots (enough for Temporal Cloud).",
  ),
  TEMPORAL_TLS_CERT: spec(z.string().optional(), 'PEM file of the client certificate for mutual TLS (with TEMPORAL_TLS_KEY).'),
  TEMPORAL_TLS_KEY: spec(z.string().optional(), 'PEM file of the private key of TEMPORAL_TLS_CERT.'),
  TEMPORAL_TLS_SERVER_NAME: spec(
    z.string().min(1).optional(),
    "Host name the frontend's certificate must carry (and the SNI sent), when it differs from TEMPORAL_ADDRESS's host (e.g. behind a load balancer).",
  ),
  TEMPORAL_API_KEY: spec(
    z.string().min(1).optional(),
    'API key sent to Temporal as `Authorization: Bearer <key>` on every call (Temporal Cloud); implies TLS.',
    true,
  ),
  TEMPORAL_TASK_QUEUE: spec(z.string().default('baton-shared'), 'Task queue the pipeline workflows and steps run on.'),
  TEMPORAL_CLI_PATH: spec(
    z.string().optional(),
    'Path of the `temporal` CLI used for the embedded dev server. Unset: `temporal` on PATH, else built with Go into the user cache.',
  ),
  TEMPORAL_DEV_PORT: spec(int(1, 65535).default(7233), 'Frontend port of the embedded Temporal dev server.'),
  TEMPORAL_UI_PORT: spec(int(0, 65535).default(0), 'Web UI port of the embedded Temporal dev server (0 = headless).'),
  JWT_SECRET: spec(z.string().min(32).optional(), 'HMAC key for session tokens. Unset: generated once into $BATON_HOME/jwt-secret.', true),
  WEBHOOK_SIGNING_KEY: spec(
    z.string().min(32).optional(),
    'Key the signing secrets of webhook triggers and notification channels are derived from, never the session key (at least 32 characters). Unset: generated once into $BATON_HOME/webhook-signing-key; required by `baton api` (replicas must share it).',
    true,
  ),
  BATON_ADMIN_TOKEN: spec(
    z.string().min(32).optional(),
    'Bearer token of the installation operator for /v1/admin/* (at least 32 characters). Unset: the admin API is off.',
    true,
  ),
  JWT_TTL: spec(
    z
      .string()
      .regex(/^\d+[smhd]$/)
      .default('12h'),
    'Lifetime of session tokens (e.g. 12h).',
  ),
  SIGNUP_ENABLED: spec(bool.default(true), 'Allow POST /v1/signup to create tenants.'),
  SMTP_URL: spec(
    z.url({ protocol: /^smtps?$/, message: 'expected smtp://user:pass@host:port or smtps://…' }).optional(),
    'SMTP server the API sends mail through (verification, invitations, password resets): smtp(s)://user:pass@host:port. Unset: mails are kept in the database for the operator (`baton mail`) and their links written to the log.',
    true,
  ),
  MAIL_FROM: spec(z.string().trim().min(3).default('Baton <baton@localhost>'), 'From address of the mails the API sends.'),
  MAIL_POLL_INTERVAL: spec(
    durationText.default('5s'),
    'How often mails not yet sent (the SMTP server was unreachable or answered 4xx) are tried again, by one replica at a time.',
  ),
  MAIL_RETRY_BASE: spec(
    durationText.default('10s'),
    "Wait before a mail's second attempt; each further one waits twice as long (at most an hour, 10 attempts).",
  ),
  BODY_LIMIT_BYTES: spec(
    int(1024, 64 * 1024 * 1024).default(1024 * 1024),
    'Largest accepted request body (plugin packages, on POST /v1/plugins only, may be up to 40 MiB).',
  ),
  IDEMPOTENCY_TTL: spec(
    durationText.default('24h'),
    'How long a response kept for an Idempotency-Key is replayed; older records are deleted (one replica at a time).',
  ),
  LOG_LEVEL: spec(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    'Log level of the API and the worker.',
  ),
  LOG_FORMAT: spec(
    z.enum(['json', 'pretty']).default('json'),
    'How the API and the worker write logs on stdout: `json`, one JSON object a line (level, time, msg, service, context, and run/step/tenant ids where known; credentials redacted), or `pretty`, coloured lines for a terminal.',
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: spec(
    z.url({ protocol: /^https?$/ }).optional(),
    "OpenTelemetry collector base URL (OTLP over HTTP, JSON; traces go to <url>/v1/traces). Set: the API and the worker trace requests, workflows, activities and steps, and steps get a W3C `traceparent`. Unset: tracing is off. The SDK's other standard OTEL_* variables (OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, OTEL_BSP_*) apply.",
  ),
  OTEL_SERVICE_NAME: spec(
    z.string().min(1).optional(),
    'service.name of the spans this process exports. Unset: baton-api, baton-worker, or baton for `baton up`.',
  ),
  WORKER_MAX_CONCURRENT_STEPS: spec(
    int(1, 1000).default(50),
    'Steps one worker runs at once; as many step processes per plugin stay warm.',
  ),
  WORKER_DRAIN_TIMEOUT: spec(
    durationText.default('60s'),
    'On SIGTERM or SIGINT a worker stops taking tasks and lets the steps it runs finish for up to this long; steps still running then are cancelled and retried elsewhere (their attempt fails), and the worker exits.',
  ),
  WORKER_POOL: spec(
    poolName.default(DEFAULT_POOL),
    'The worker pool this worker serves (`baton worker --pool <name>` sets it): `default` runs the pipeline workflows and every step that names no pool; any other runs only the steps whose `runsOn` names it, from the task queue TEMPORAL_TASK_QUEUE@<pool>.',
  ),
  WORKER_POOLS: spec(
    poolList,
    "The worker pools this installation runs besides `default` (which it always has), comma-separated (e.g. `gpu,highmem`), for the API: a pipeline whose `runsOn` names another is refused, and /metrics reports each pool's workers and waiting steps. Unset: any pool name is taken, and /metrics reports the default pool only.",
  ),
  WORKER_DEPLOYMENT_NAME: spec(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,100}$/, 'expected letters, digits, - and _ (no dots)')
      .optional(),
    "Temporal worker deployment of the workers, which turns on worker versioning: each run stays on the build it started on, new runs start on the deployment's current build (`baton worker-deployment`). The first build of a deployment becomes current by itself; later ones when promoted. Unset: no versioning, every worker runs every run (the one-machine mode).",
  ),
  WORKER_BUILD_ID: spec(
    z
      .string()
      .regex(/^[A-Za-z0-9_+-][A-Za-z0-9_.+-]{0,99}$/, 'expected letters, digits and - _ . + (at most 100)')
      .optional(),
    "This worker's build id in WORKER_DEPLOYMENT_NAME. Unset: Baton's version and the digest of its workflow code (e.g. 0.1.0-3f2a9c1d0b7e), so that a release whose workflow code changed is a new version and one whose code did not is the same.",
  ),
  API_DRAIN_DELAY: spec(
    durationText.default('0s'),
    'On SIGTERM or SIGINT the API answers GET /readyz with 503 `draining` at once, keeps serving for this long (so a load balancer that polls /readyz takes it out first), then stops accepting connections and finishes the requests in flight before it exits.',
  ),
  STEP_MEMORY_MB: spec(int(64, 16384).default(512), 'Heap cap of a step process.'),
  PLUGINS_DIR: spec(
    z.string().optional(),
    'Folder of the packed first-party plugins the API signs and publishes at start-up. Unset: dist/plugin-packages of this installation.',
  ),
  SANDBOX_ISOLATION: spec(
    z.enum(['auto', 'strict', 'off']).default('auto'),
    "OS isolation of step processes (a uid of their own from SANDBOX_UID_RANGE, no capabilities, process, IPC and network namespaces of their own, resource limits; docs/security.md): `auto` isolates where the worker can (as root, with util-linux) and otherwise runs only first-party plugins; `strict` refuses to start without it; `off` runs every plugin with Node's permission model alone, which does not stop one step from signalling another or the worker: for a machine whose every plugin is trusted.",
  ),
  SANDBOX_UID_RANGE: spec(
    uidRange,
    'The uids (first-last) step processes run as under OS isolation, one per live process, each also its gid; no user or file of the machine should own one.',
  ),
  EGRESS_ALLOW_CIDRS: spec(
    cidrList,
    "Comma-separated address ranges steps may call through the egress broker besides public addresses (e.g. an internal API: 10.1.2.0/24). Loopback, private, link-local and metadata addresses are refused otherwise; metadata addresses and this installation's own endpoints always.",
  ),
  SANDBOX_ALLOW_CIDRS: spec(
    cidrList,
    "Comma-separated address ranges the raw TCP connections of steps (`ctx.net`, e.g. the postgres plugin) may reach besides public addresses, for databases on a private network (e.g. 10.1.2.0/24). Loopback, private, link-local and metadata addresses are refused otherwise; metadata addresses and this installation's own endpoints (its PostgreSQL, Temporal, API, metrics, artifact store) always.",
  ),
  ARTIFACTS_DIR: spec(
    z.string().optional(),
    "Where steps' artifacts and datasets are kept, per tenant (every worker needs the same folder). Unset: $BATON_HOME/artifacts.",
  ),
  ARTIFACTS_S3_BUCKET: spec(
    z.string().optional(),
    "Keep artifacts in this S3 bucket instead of ARTIFACTS_DIR (credentials from the AWS SDK's usual chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile or a role).",
  ),
  ARTIFACTS_S3_ENDPOINT: spec(z.url().optional(), 'URL of an S3-compatible service (path-style requests); unset: AWS itself.'),
  ARTIFACTS_S3_REGION: spec(z.string().default('us-east-1'), 'Region of the artifacts bucket.'),
  ARTIFACTS_S3_PREFIX: spec(z.string().default(''), 'Prefix of every artifact key in the bucket (e.g. `baton/`).'),
  SANDBOX_SCRATCH_DIR: spec(
    z.string().optional(),
    "Where a worker makes the private scratch folders of step processes whose plugin asks for one (e.g. sql, script): each owned by its process's uid, emptied after every step; also the V8 code caches of the plugin bundles its step processes load. Unset: $BATON_HOME/scratch.",
  ),
  SANDBOX_SCRATCH_FILE_MB: spec(int(1, 1_048_576).default(2048), 'Largest file a step process may write in its scratch folder.'),
  SANDBOX_SPARE_PROCESSES: spec(
    int(0, 1000).default(4),
    'Step processes a worker starts ahead of demand, each for a plugin whose steps recently had to start one, with the plugin already loaded: a step that finds no warm process of its tenant takes one (it serves that tenant alone from then on) instead of waiting for node to start. Each costs a uid and ~50 MB of memory while it waits, 30 s at most. 0: every such step starts its own process.',
  ),
  PLUGIN_CACHE_DIR: spec(
    z.string().optional(),
    'Where a worker keeps the plugin bundles it fetched, by digest. Unset: $BATON_HOME/plugin-cache.',
  ),
  FIRST_PARTY_SIGNING_KEY: spec(
    z.string().includes('PRIVATE KEY').optional(),
    'Ed25519 private key (PKCS#8 PEM) the API signs the first-party plugins with. Unset: generated once into $BATON_HOME/first-party-signing-key.',
    true,
  ),
  SECRETS_MASTER_KEY: spec(
    masterKey.optional(),
    "Master key (32 bytes, base64) wrapping the tenants' secret keys; the API and every worker need the same. Unset: `up` generates one into $BATON_HOME/secrets-master-key; `api`/`worker` run without secrets.",
    true,
  ),
  SECRETS_PREVIOUS_MASTER_KEYS: spec(
    z
      .string()
      .optional()
      .transform((text, ctx) => {
        const keys = (text ?? '').split(',').filter((k) => k.trim());
        try {
          return keys.map(parseMasterKey);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
    'Comma-separated master keys replaced by SECRETS_MASTER_KEY, still accepted until `baton secrets rotate` has re-wrapped every key.',
    true,
  ),
  STRIPE_SECRET_KEY: spec(
    z.string().min(1).optional(),
    'Stripe secret key. Unset: billing is off and every tenant is on the unlimited self-hosted plan.',
    true,
  ),
  STRIPE_WEBHOOK_SECRET: spec(
    z.string().min(1).optional(),
    'Signing secret of the Stripe webhook endpoint (POST /v1/billing/webhook); needed with STRIPE_SECRET_KEY.',
    true,
  ),
  STRIPE_API_URL: spec(
    z.url().optional(),
    'Where the Stripe client sends requests (e.g. stripe-mock at http://127.0.0.1:12111). Unset: https://api.stripe.com.',
  ),
  BILLING_PLANS_FILE: spec(
    z.string().optional(),
    'YAML or JSON file of the plans (price ids and entitlements) replacing the built-in free, team and enterprise plans.',
  ),
  BILLING_PRICE_IDS: spec(
    z
      .string()
      .optional()
      .transform((text, ctx) => {
        const pairs = (text ?? '')
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)
          .map((p) => p.split('='));
        if (pairs.some((p) => p.length !== 2 || !p[0] || !p[1]))
          ctx.addIssue({ code: 'custom', message: 'expected plan=price_id pairs separated by commas' });
        return Object.fromEntries(pairs) as Record<string, string>;
      }),
    'Stripe price ids of the built-in plans, e.g. `team=price_123,enterprise=price_456`.',
  ),
  BILLING_GRACE_PERIOD: spec(
    durationText.default('7d'),
    'How long a tenant whose payment failed keeps running before its runs are refused and its schedules paused.',
  ),
  BILLING_USAGE_INTERVAL: spec(
    durationText.default('60s'),
    'How often usage (runs, step-seconds) is reported to Stripe as meter events, by one replica at a time.',
  ),
  BILLING_METER_RUNS: spec(z.string().default('baton_runs'), 'event_name of the Stripe meter counting finished runs.'),
  BILLING_METER_STEP_SECONDS: spec(z.string().default('baton_step_seconds'), 'event_name of the Stripe meter counting step-seconds.'),
  SCHEDULE_RECONCILE_INTERVAL: spec(
    durationText.default('30s'),
    "How often Temporal's Schedules are made to match the schedules in PostgreSQL (recreated, removed, repaired, paused or resumed), by one replica at a time.",
  ),
  TRIGGER_POLL_INTERVAL: spec(
    durationText.default('2s'),
    'How often runs that ended and events steps emitted are checked for run-completion and event triggers to fire, by one replica at a time.',
  ),
  TRIGGER_DELIVERY_RETENTION: spec(
    durationText.default('30d'),
    'How long trigger deliveries are kept (`GET /v1/triggers/{id}/deliveries`); a webhook delivery id seen longer ago than this starts a new run.',
  ),
  OPENLINEAGE_URL: spec(
    z.url().optional(),
    "Where to POST the OpenLineage run events of each ended run, its own and its steps' (e.g. Marquez at http://marquez:5000/api/v1/lineage). Unset: not forwarded.",
  ),
  OPENLINEAGE_API_KEY: spec(z.string().min(1).optional(), 'Sent as `Authorization: Bearer <key>` with the OpenLineage events.', true),
  OPENLINEAGE_INTERVAL: spec(
    durationText.default('10s'),
    'How often ended runs are checked for OpenLineage events to forward, by one replica at a time.',
  ),
  ALERT_POLL_INTERVAL: spec(
    durationText.default('2s'),
    'How often runs are checked for alerts (run failed, SLA breached, quality check failed, drift detected) and due alert deliveries are sent, by one replica at a time.',
  ),
  ALERT_MAX_ATTEMPTS: spec(
    int(1, 100).default(8),
    'Attempts to deliver one alert to one notification channel before the delivery is given up as failed.',
  ),
  ALERT_RETRY_BASE: spec(
    durationText.default('10s'),
    'Wait before the second attempt of an alert delivery; each further attempt waits twice as long (at most an hour).',
  ),
  ALERT_DELIVERY_TIMEOUT: spec(durationText.default('10s'), 'How long one attempt to deliver an alert to a webhook may take.'),
  ALERT_WEBHOOK_ALLOW_CIDRS: spec(
    cidrList,
    'Comma-separated address ranges notification-channel webhooks may point at besides public addresses (e.g. an internal chat gateway: 10.1.2.0/24). Loopback, private, link-local and metadata addresses are refused otherwise.',
  ),
  TRIGGER_BROKER_ALLOW_CIDRS: spec(
    cidrList,
    "Comma-separated address ranges the brokers of tenants' AMQP and NATS triggers may be at besides public addresses (e.g. a RabbitMQ on the internal network: 10.1.2.0/24). Loopback, private, link-local and metadata addresses are refused otherwise; metadata addresses and this installation's own endpoints always.",
  ),
  SSO_ALLOW_CIDRS: spec(
    cidrList,
    "Comma-separated address ranges tenants' OpenID Connect issuers (single sign-on) may be at besides public addresses (e.g. an identity provider on the internal network: 10.1.2.0/24); an issuer in such a range may also be plain http. Loopback, private, link-local and metadata addresses are refused otherwise; metadata addresses and this installation's own endpoints always.",
  ),
  RUN_RETENTION_DAYS: spec(
    int(1, 36_500).optional(),
    "Days finished runs (with their steps, events and logs) are kept on the self-hosted plan; with billing, each plan's retentionDays decides. Unset: kept forever.",
  ),
  RUN_DISPATCH_INTERVAL: spec(
    durationText.default('1s'),
    "How often runs recorded and not yet handed to Temporal (the API died before, the engine was down, the plan's concurrent runs were all taken) are started, by one replica at a time.",
  ),
  RUN_SWEEP_INTERVAL: spec(
    durationText.default('30s'),
    'How often runs that have not ended are checked against their workflows, by one replica at a time: a run whose workflow ended without saying so is given its final status, one whose workflow is gone is started again or ended, each with an event saying why.',
  ),
  RUN_SWEEP_GRACE: spec(
    durationText.default('60s'),
    'How old a run must be before the sweep looks at it (its workflow may still be starting).',
  ),
  RUN_FAN_OUT_BUDGET: spec(
    int(1, 100_000_000).default(20_000),
    'Child runs and forEach items one run may cause, nesting included, on the self-hosted plan and on plans that set no fanOutPerRun; past it the step that would fan out fails with fan_out_budget_exceeded.',
  ),
  RETENTION_INTERVAL: spec(durationText.default('1h'), "How often runs past their plan's retention are deleted, by one replica at a time."),
  RATE_LIMIT_PER_MINUTE: spec(
    int(1, 10_000_000).default(1200),
    'Requests per minute one tenant may make to one API replica, unless its plan says otherwise.',
  ),
  AUTH_RATE_LIMIT_PER_MINUTE: spec(
    int(1, 10_000_000).default(30),
    "Requests per minute one address may make to one replica's public routes (sign-up, login, invitations, verification and password-reset requests).",
  ),
  RUN_STREAMS_PER_TENANT: spec(
    int(1, 100_000).default(20),
    'Live event and log streams (Server-Sent Events) one tenant may hold open on one API replica; past it 429 with Retry-After.',
  ),
  METRICS_PORT: spec(
    int(1, 65535).optional(),
    "Port serving the API's GET /metrics without a token, for a scrape network only Prometheus reaches. Unset: /metrics only on the API port, with BATON_ADMIN_TOKEN.",
  ),
  WORKER_METRICS_PORT: spec(
    int(1, 65535).optional(),
    "Port a worker serves its GET /metrics (and GET /readyz, saying how it isolates steps, or 503 while it drains) on, without a token (`baton worker`; under `baton up` the API's /metrics already has the worker's). Unset: off.",
  ),
  METRICS_HOST: spec(
    z.string().default('127.0.0.1'),
    'Interface METRICS_PORT and WORKER_METRICS_PORT listen on (e.g. the address on the scrape network).',
  ),
  METRICS_TENANT_LABELS: spec(
    bool.default(false),
    'Label run and step metrics with the tenant id: one series per tenant, so only for installations with few tenants.',
  ),
  BATON_VALIDATE_RESPONSES: spec(
    bool.default(false),
    'Check every JSON success answer of the API against the schema its route declares in /openapi.json; a mismatch is a 500 and an error log (for tests and development).',
  ),
} as const;

type Variables = typeof CONFIG_VARIABLES;
export type BatonEnv = { [K in keyof Variables]: z.output<Variables[K]['schema']> };

export interface BatonConfig extends BatonEnv {
  /** Absolute BATON_HOME. */
  home: string;
  jwtSecret: string;
  /** What webhook triggers' and notification channels' signing secrets are derived from. */
  webhookSigningKey: string;
  publicUrl: string;
  /** Absolute folder of the packed first-party plugins (`<name>/manifest.json` and `bundle.mjs`). */
  pluginsDir: string;
  /** Absolute folder of a worker's plugin bundle cache. */
  pluginCacheDir: string;
  /** Absolute folder of the local artifact store. */
  artifactsDir: string;
  /** Absolute folder a worker makes step processes' scratch folders in. */
  scratchDir: string;
  /** Resolved on first use: only the API signs. */
  firstPartySigningKey: () => string;
  /** The current master key first, then previous ones; empty when this process has no secrets store. */
  masterKeys: MasterKeyring;
}

/** `dist/plugin-packages` of this installation (this file is `dist/src/runtime/config/config.js`). */
const INSTALLED_PLUGINS_DIR = fileURLToPath(new URL('../../../plugin-packages', import.meta.url));

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): BatonEnv {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(CONFIG_VARIABLES)) {
    const raw = source[name] === '' ? undefined : source[name];
    const parsed = (variable.schema as z.ZodType).safeParse(raw);
    if (parsed.success) values[name] = parsed.data;
    else
      problems.push(
        `${name}: ${parsed.error.issues.map((i) => i.message).join('; ')}${variable.secret ? '' : ` (got ${JSON.stringify(raw)})`}`,
      );
  }
  problems.push(...temporalConnectionProblems(values));
  if (values.STRIPE_SECRET_KEY && !values.STRIPE_WEBHOOK_SECRET)
    problems.push('STRIPE_WEBHOOK_SECRET: needed when STRIPE_SECRET_KEY is set, or webhooks could not be verified');
  if (problems.length) throw new ConfigError(problems);
  return values as BatonEnv;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): BatonConfig {
  const env = loadEnv(source);
  const home = resolve(env.BATON_HOME);
  return {
    ...env,
    home,
    jwtSecret: env.JWT_SECRET ?? persistentSecret(home, 'jwt-secret'),
    webhookSigningKey: env.WEBHOOK_SIGNING_KEY ?? persistentSecret(home, 'webhook-signing-key'),
    publicUrl: env.PUBLIC_URL ?? `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${env.PORT}`,
    pluginsDir: resolve(env.PLUGINS_DIR ?? INSTALLED_PLUGINS_DIR),
    pluginCacheDir: resolve(env.PLUGIN_CACHE_DIR ?? join(home, 'plugin-cache')),
    artifactsDir: resolve(env.ARTIFACTS_DIR ?? join(home, 'artifacts')),
    scratchDir: resolve(env.SANDBOX_SCRATCH_DIR ?? join(home, 'scratch')),
    firstPartySigningKey: () =>
      env.FIRST_PARTY_SIGNING_KEY ?? persistentSecret(home, 'first-party-signing-key', () => generatePublisherKeyPair().privateKeyPem),
    masterKeys: env.SECRETS_MASTER_KEY ? [env.SECRETS_MASTER_KEY, ...env.SECRETS_PREVIOUS_MASTER_KEYS] : [],
  };
}

/** The embedded PostgreSQL's passwords, generated once into BATON_HOME like the session key. */
export function embeddedDatabaseSecrets(config: Pick<BatonConfig, 'home'>): EmbeddedDatabaseSecrets {
  return {
    superuserPassword: persistentSecret(config.home, 'pg-superuser-password'),
    appPassword: persistentSecret(config.home, 'pg-password'),
  };
}

/** `baton up` on one machine: a master key generated once into BATON_HOME, like the session key. */
export function embeddedMasterKeys(config: BatonConfig): MasterKeyring {
  if (config.masterKeys.length) return config.masterKeys;
  return [parseMasterKey(persistentSecret(config.home, 'secrets-master-key', () => randomBytes(KEY_BYTES).toString('base64')))];
}

function isCidrOrAddress(text: string): boolean {
  return ipaddr.isValid(text) || ipaddr.isValidCIDR(text);
}

/** A random secret generated once and kept in BATON_HOME, so sessions survive restarts. */
function persistentSecret(home: string, name: string, generate = () => randomBytes(48).toString('base64url')): string {
  const file = join(home, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(home, { recursive: true });
  const secret = generate();
  try {
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process (api and worker starting together) wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw error;
  }
}

/** `baton config`: the variables, their defaults and descriptions (secrets never printed). */
export function describeConfig(): Array<{ name: string; description: string; secret: boolean; default: unknown }> {
  return Object.entries(CONFIG_VARIABLES).map(([name, v]) => {
    const parsed = (v.schema as z.ZodType).safeParse(undefined);
    return { name, description: v.description, secret: Boolean(v.secret), default: parsed.success ? parsed.data : undefined };
  });
}
