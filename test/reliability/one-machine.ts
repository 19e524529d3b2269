import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { freePort, isAlive, spawnBaton, waitForHttp, type BatonProcess } from '../support/processes.js';

/** `baton up` as an operator runs it: its own BATON_HOME, ports, embedded PostgreSQL and Temporal dev server. */
export interface OneMachine {
  root: string;
  home: string;
  url: string;
  env: Record<string, string>;
}

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'timed_out'];

/** `temporalCliPath`: inject('temporalCliPath'), from the test (this file is compiled by the build, which has no vitest context). */
export async function newOneMachine(prefix: string, temporalCliPath: string): Promise<OneMachine> {
  const root = mkdtempSync(join(tmpdir(), `baton-${prefix}-`));
  // The embedded PostgreSQL runs as the postgres user, which must enter the folders above its data.
  chmodSync(root, 0o755);
  // Plans that let a burst in: the free plan's two concurrent runs would make the test about queueing.
  const plans = join(root, 'plans.json');
  writeFileSync(
    plans,
    JSON.stringify({
      defaultPlan: 'load',
      plans: { load: { title: 'Load', limits: { concurrentRuns: 200, requestsPerMinute: 6000, runsPerMonth: null, pipelines: null } } },
    }),
  );
  const port = await freePort();
  const env = {
    BATON_HOME: join(root, 'home'),
    PORT: String(port),
    EMBEDDED_PG_PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    JWT_SECRET: '',
    WEBHOOK_SIGNING_KEY: '',
    SECRETS_MASTER_KEY: '',
    TEMPORAL_CLI_PATH: temporalCliPath,
    LOG_LEVEL: 'warn',
    BILLING_PLANS_FILE: plans,
  };
  return { root, home: env.BATON_HOME, url: `http://127.0.0.1:${port}`, env };
}

/** Starts `baton up` and waits until /readyz answers 200. */
export async function startUp(machine: OneMachine, timeoutMs = 90_000): Promise<BatonProcess> {
  const up = spawnBaton('up', machine.env);
  try {
    await waitForHttp(`${machine.url}/readyz`, timeoutMs, () => up.child.exitCode === null);
  } catch (error) {
    await up.stop('SIGKILL');
    throw new Error(`${(error as Error).message}\n${up.output()}`, { cause: error });
  }
  return up;
}

/** The pids of the servers `baton up` runs for this home, as their own files name them. */
export function serverPids(home: string): { temporal?: number; postgres?: number } {
  const first = (file: string) => {
    try {
      return Number(readFileSync(file, 'utf8').split('\n')[0]) || undefined;
    } catch {
      return undefined;
    }
  };
  return { temporal: first(join(home, 'run', 'temporal.pid')), postgres: first(join(home, 'pg', 'postmaster.pid')) };
}

/**
 * The machines and `baton up` processes a test pushes here are killed and removed after each test.
 * What a killed `baton up` left running is stopped by the next one; a failed test may leave it, so its servers go too.
 */
export function oneMachinesPerTest(): { machines: OneMachine[]; started: BatonProcess[] } {
  const machines: OneMachine[] = [];
  const started: BatonProcess[] = [];
  afterEach(async () => {
    for (const up of started.splice(0)) await up.stop('SIGKILL');
    for (const machine of machines.splice(0)) {
      for (const pid of Object.values(serverPids(machine.home))) if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(machine.root, { recursive: true, force: true });
    }
  });
  return { machines, started };
}

export interface Tenant {
  url: string;
  auth: string;
}

/** A tenant with pipeline `work`: a short sleep, then an echo, so that runs are in flight when something dies. */
export async function newTenant(url: string, name: string): Promise<Tenant> {
  const signup = await api(url, '', 'POST', '/v1/signup', {
    tenantName: name,
    email: `${name}@example.test`,
    password: 'a long enough password',
  });
  expect(signup.status, JSON.stringify(signup.body)).toBe(201);
  const auth = `Bearer ${(signup.body as { token: string }).token}`;
  const pipeline = await api(url, auth, 'PUT', '/v1/pipelines/work', {
    apiVersion: 'baton/v1',
    kind: 'Pipeline',
    name: 'work',
    steps: { nap: { uses: 'core/sleep@^1', with: { ms: 200 } }, hi: { uses: 'core/echo@^1', needs: ['nap'], with: { greeting: 'hello' } } },
  });
  expect(pipeline.status, JSON.stringify(pipeline.body)).toBe(201);
  return { url, auth };
}

export async function api(
  url: string,
  auth: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(auth ? { authorization: auth } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** One keyed run creation as a careful client makes it: retried until it has an answer that names a run. */
export async function startRunWithKey(tenant: Tenant, key: string, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await api(tenant.url, tenant.auth, 'POST', '/v1/pipelines/work/runs', {}, { 'idempotency-key': key });
      if (response.status === 202 || response.status === 200) return (response.body as { id: string }).id;
      last = `${response.status} ${JSON.stringify(response.body)}`;
      // 409 idempotency_in_progress: a request the crash interrupted holds the key until its lease lapses.
      if (![409, 429, 500, 502, 503].includes(response.status)) throw new Error(`run for ${key}: ${last}`);
    } catch (error) {
      if ((error as Error).message.startsWith('run for')) throw error;
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`run for ${key} not acknowledged in ${timeoutMs} ms: ${last}`);
}

/** Every run of pipeline `work`, all pages. */
export async function listRuns(tenant: Tenant): Promise<Array<{ id: string; status: string }>> {
  const runs: Array<{ id: string; status: string }> = [];
  let cursor: string | null = null;
  do {
    const page = await api(tenant.url, tenant.auth, 'GET', `/v1/runs?pipeline=work&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    const body = page.body as { items: Array<{ id: string; status: string }>; nextCursor: string | null };
    runs.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return runs;
}

export interface RunView {
  id: string;
  status: string;
  steps: Array<{ id: string; status: string }>;
}

export async function getRun(tenant: Tenant, id: string): Promise<RunView & { httpStatus: number }> {
  const response = await api(tenant.url, tenant.auth, 'GET', `/v1/runs/${id}`);
  return { ...(response.body as RunView), httpStatus: response.status };
}

/** Waits until every run has ended; returns the runs as they ended (or as they were at the deadline). */
export async function waitForEnd(tenant: Tenant, ids: string[], timeoutMs: number): Promise<RunView[]> {
  const deadline = Date.now() + timeoutMs;
  const ended = new Map<string, RunView>();
  for (;;) {
    for (const id of ids.filter((id) => !ended.has(id))) {
      const run = await getRun(tenant, id).catch(() => undefined);
      if (run && TERMINAL.includes(run.status)) ended.set(id, run);
    }
    if (ended.size === ids.length || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const pending = await Promise.all(
    ids.filter((id) => !ended.has(id)).map((id) => getRun(tenant, id).catch(() => ({ id, status: 'unreadable', steps: [] }))),
  );
  return [...ended.values(), ...pending];
}

export { TERMINAL };
