import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import { expect, inject } from 'vitest';

export const api = (baseUrl: string = inject('baseUrl')) => request(baseUrl);

export interface TestTenant {
  /** The API the tenant was made on (the stack's, or a test's own installation's). */
  baseUrl: string;
  tenantId: string;
  email: string;
  password: string;
  /** Owner session token. */
  token: string;
  /** An operator API key. */
  apiKey: string;
  get(path: string): request.Test;
  post(path: string, body?: unknown): request.Test;
  put(path: string, body?: unknown): request.Test;
  delete(path: string): request.Test;
}

/** Signs up a fresh tenant and makes an operator API key, the way a user would (on the stack's API unless told). */
export async function newTenant(baseUrl: string = inject('baseUrl')): Promise<TestTenant> {
  const email = `ops-${randomUUID()}@example.test`;
  const password = 'correct horse battery staple';
  const signup = await api(baseUrl)
    .post('/v1/signup')
    .send({ tenantName: `Tenant ${email.slice(4, 12)}`, email, password })
    .expect(201);
  const token: string = signup.body.token;
  const key = await api(baseUrl)
    .post('/v1/api-keys')
    .set('authorization', `Bearer ${token}`)
    .send({ name: 'e2e', role: 'operator' })
    .expect(201);
  const apiKey: string = key.body.key;
  const auth = (test: request.Test) => test.set('authorization', `Bearer ${apiKey}`);
  return {
    baseUrl,
    tenantId: signup.body.tenant.id,
    email,
    password,
    token,
    apiKey,
    get: (path) => auth(api(baseUrl).get(path)),
    post: (path, body) => auth(api(baseUrl).post(path)).send(body as object),
    put: (path, body) => auth(api(baseUrl).put(path)).send(body as object),
    delete: (path) => auth(api(baseUrl).delete(path)),
  };
}

type Steps = Record<string, Record<string, unknown>>;

/** A pipeline definition with sensible defaults for tests. */
export function newPipeline(name: string, steps: Steps, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'baton/v1', kind: 'Pipeline', name, steps, ...extra };
}

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function savePipeline(tenant: TestTenant, definition: { name: string }) {
  const response = await tenant.put(`/v1/pipelines/${definition.name}`, definition);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

export async function startRun(tenant: TestTenant, pipeline: string, body: Record<string, unknown> = {}): Promise<string> {
  const response = await tenant.post(`/v1/pipelines/${pipeline}/runs`, body);
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body.id;
}

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'timed_out'];

/** Polls the run until `done(run)` (default: a terminal status). */
export async function waitForRun(
  tenant: TestTenant,
  id: string,
  done: (run: RunView) => boolean = (r) => TERMINAL.includes(r.status),
  timeoutMs = 60_000,
): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await tenant.get(`/v1/runs/${id}`).expect(200);
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${body.status} after ${timeoutMs} ms: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function runToEnd(
  tenant: TestTenant,
  definition: { name: string },
  body: Record<string, unknown> = {},
  timeoutMs?: number,
): Promise<RunView> {
  await savePipeline(tenant, definition);
  return waitForRun(tenant, await startRun(tenant, definition.name, body), undefined, timeoutMs);
}

export interface StepView {
  id: string;
  uses: string;
  status: string;
  attempt: number;
  outputs: Record<string, unknown> | Array<Record<string, unknown>> | null;
  error: { message: string; code?: string } | null;
  items?: { total: number; succeeded: number; failed: number };
  attempts?: Array<{ attempt: number; item?: number; status: string }>;
  pool?: string;
  waitingFor?: 'pool';
  startedAt: string | null;
  endedAt: string | null;
}

export interface RunView {
  id: string;
  status: string;
  trigger: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  error: { message: string; code?: string; step?: string } | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  steps: StepView[];
}

export const stepOf = (run: RunView, id: string): StepView => {
  const step = run.steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step ${id} in ${JSON.stringify(run)}`);
  return step;
};

export interface EventView {
  id: number;
  type: string;
  stepId: string | null;
  at: string;
  [field: string]: unknown;
}

/** Every event of a run, page by page. */
export async function allEvents(tenant: TestTenant, runId: string): Promise<EventView[]> {
  const events: EventView[] = [];
  for (let after: number | null = 0; after !== null;) {
    const { body }: { body: { items: EventView[]; nextCursor: number | null } } = await tenant
      .get(`/v1/runs/${runId}/events?limit=1000&after=${after}`)
      .expect(200);
    events.push(...body.items);
    after = body.nextCursor;
  }
  return events;
}

/** A Temporal client of the test stack's dev server, for what the API does not show; close its connection after. */
export async function temporalClient(namespace = 'default'): Promise<Client> {
  return new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }), namespace });
}

/** Polls `check` until it holds, for effects that reach other replicas within a few seconds. */
export async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
