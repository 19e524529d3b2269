import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import request from 'supertest';
import { inject } from 'vitest';
import { isolatedInstallation, type IsolatedInstallation } from './isolated-stack.js';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from './processes.js';

export const WEBHOOK_SECRET = 'whsec_baton_e2e_0123456789abcdef';
const stripe = new Stripe('sk_test_batonE2E');

/** A request the API made to Stripe, as the proxy in front of stripe-mock saw it. */
export interface StripeCall {
  method: string;
  path: string;
  /** The form body's parameters, or a GET's query's. */
  params: URLSearchParams;
  idempotencyKey: string | undefined;
  /** The proxy cut the connection after stripe-mock answered, as a crash or network fault would. */
  dropped: boolean;
}

/**
 * Forwards to stripe-mock and records every call, so tests can check what Baton sent Stripe
 * (stripe-mock itself remembers nothing). `dropMeterEvents` cuts that many answers to one customer's meter events.
 */
export class RecordingStripeProxy {
  readonly calls: StripeCall[] = [];
  readonly dropMeterEvents = new Map<string, number>();
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    const target = new URL(inject('stripeMockUrl'));
    this.server = createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (c: Buffer) => chunks.push(c));
      incoming.on('end', () => {
        const body = Buffer.concat(chunks);
        const params = new URLSearchParams(incoming.method === 'GET' ? (incoming.url!.split('?')[1] ?? '') : body.toString());
        const customer = params.get('payload[stripe_customer_id]') ?? '';
        const drop = incoming.url === '/v1/billing/meter_events' && (this.dropMeterEvents.get(customer) ?? 0) > 0;
        if (drop) this.dropMeterEvents.set(customer, this.dropMeterEvents.get(customer)! - 1);
        this.calls.push({
          method: incoming.method!,
          path: incoming.url!.split('?')[0],
          params,
          idempotencyKey: incoming.headers['idempotency-key'] as string | undefined,
          dropped: drop,
        });
        const forward = httpRequest(
          { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
          (answer) => {
            if (drop) {
              answer.resume();
              answer.on('end', () => outgoing.socket?.destroy());
              return;
            }
            outgoing.writeHead(answer.statusCode!, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forward.on('error', () => outgoing.socket?.destroy());
        forward.end(body);
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${port}`;
  }

  meterEvents(identifierPrefix: string): StripeCall[] {
    return this.calls.filter((c) => c.path === '/v1/billing/meter_events' && c.params.get('identifier')?.startsWith(identifierPrefix));
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** Plans as an operator would write them in BILLING_PLANS_FILE. */
export interface PlansFile {
  defaultPlan: string;
  plans: Record<string, { title: string; priceId?: string | null; limits?: Record<string, number | null>; plugins?: string[] }>;
}

/** The plans of the browser tier's stack (test/browser): a free plan with low limits and a paid one that raises them. */
export const BROWSER_PLANS: PlansFile = {
  defaultPlan: 'free',
  plans: {
    free: { title: 'Free', limits: { pipelines: 3, runsPerMonth: 50, concurrentRuns: 2, schedules: 2 } },
    team: { title: 'Team', priceId: 'price_team', limits: { pipelines: 50, runsPerMonth: 5000, concurrentRuns: 20, schedules: 50 } },
  },
};

export interface BillingApi {
  baseUrl: string;
  stripe: RecordingStripeProxy;
  process: BatonProcess;
  /** Its database and namespace: pass it to a second BillingApi that stands in for this one. */
  installation: IsolatedInstallation;
  /** Stops it, and drops its installation if it made it. */
  stop(): Promise<void>;
}

/**
 * `baton up` (API and worker) with billing on, an installation of its own on the stack's servers
 * (or `installation`, another one's): Stripe is stripe-mock behind a recording proxy, the plans are
 * the test's. Never beside the stack's API on its database: when it led, its plans would hold the
 * other files' tenants (their schedules, triggers and queued runs) to the test's limits.
 */
export async function startBillingApi(
  plans: PlansFile,
  env: Record<string, string> = {},
  installation?: IsolatedInstallation,
): Promise<BillingApi> {
  const own = installation ? undefined : await isolatedInstallation();
  const proxy = new RecordingStripeProxy();
  await proxy.start();
  const home = mkdtempSync(join(tmpdir(), 'baton-billing-'));
  chmodSync(home, 0o755);
  const plansFile = join(home, 'plans.json');
  writeFileSync(plansFile, JSON.stringify(plans));
  const port = await freePort();
  const used = (installation ?? own)!;
  const process = spawnBaton('up', {
    ...inject('apiEnv'),
    DATABASE_URL: used.databaseUrl,
    TEMPORAL_NAMESPACE: used.namespace,
    BATON_HOME: join(home, 'baton'),
    PORT: String(port),
    STRIPE_SECRET_KEY: 'sk_test_batonE2E',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_URL: proxy.url,
    BILLING_PLANS_FILE: plansFile,
    BILLING_USAGE_INTERVAL: '1s',
    RETENTION_INTERVAL: '1s',
    ...env,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${baseUrl}/readyz`, 90_000, () => process.child.exitCode === null);
  } catch (error) {
    console.error(process.output());
    throw error;
  }
  return {
    baseUrl,
    stripe: proxy,
    process,
    installation: used,
    stop: async () => {
      await Promise.all([process.stop(), proxy.stop()]);
      await own?.drop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A Stripe event as Stripe sends it; `created` (seconds) is when Stripe says it happened. */
export function stripeEvent(type: string, object: Record<string, unknown>, created = Math.floor(Date.now() / 1000)) {
  return {
    id: `evt_${randomUUID().replaceAll('-', '')}`,
    object: 'event',
    api_version: '2026-01-28.clover',
    created,
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object },
  };
}

export function subscriptionObject(input: { id: string; customer: string; priceId: string; status?: string; tenantId?: string }) {
  const periodEnd = Math.floor(Date.now() / 1000) + 30 * 86_400;
  return {
    id: input.id,
    object: 'subscription',
    customer: input.customer,
    status: input.status ?? 'active',
    cancel_at_period_end: false,
    metadata: input.tenantId ? { tenantId: input.tenantId } : {},
    items: {
      object: 'list',
      data: [
        { id: `si_${input.id}`, object: 'subscription_item', price: { id: input.priceId, object: 'price' }, current_period_end: periodEnd },
      ],
    },
  };
}

export function invoiceObject(customer: string) {
  return { id: `in_${randomUUID().replaceAll('-', '')}`, object: 'invoice', customer };
}

/**
 * Delivers a webhook signed with the real `stripe` library, as Stripe does. `tamper` changes the
 * body after signing; `signedAt` (seconds) backdates the signature.
 */
export function deliver(
  baseUrl: string,
  event: object,
  options: { signedAt?: number; tamper?: (payload: string) => string; secret?: string; noSignature?: boolean } = {},
) {
  const payload = JSON.stringify(event);
  const header = stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    ...(options.signedAt ? { timestamp: options.signedAt } : {}),
  });
  const test = request(baseUrl).post('/v1/billing/webhook').set('content-type', 'application/json');
  if (!options.noSignature) test.set('stripe-signature', header);
  return test.send(options.tamper ? options.tamper(payload) : payload);
}

/** What a completed checkout tells Baton: this customer and subscription now belong to the tenant, on this plan. */
export async function subscribe(baseUrl: string, tenantId: string, plan: string) {
  const customer = `cus_${randomUUID().replaceAll('-', '').slice(0, 14)}`;
  const subscription = `sub_${randomUUID().replaceAll('-', '').slice(0, 14)}`;
  const session = {
    id: `cs_${randomUUID().replaceAll('-', '')}`,
    object: 'checkout.session',
    client_reference_id: tenantId,
    customer,
    subscription,
    metadata: { tenantId, plan },
    mode: 'subscription',
  };
  const response = await deliver(baseUrl, stripeEvent('checkout.session.completed', session));
  if (response.status !== 200) throw new Error(`checkout webhook: ${response.status} ${JSON.stringify(response.body)}`);
  return { customer, subscription };
}
