import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { api, newPipeline, newTenant, runToEnd, stepOf, uniqueName, type RunView, type TestTenant } from './support/builders.js';
import { publishSecretEchoPlugin } from './support/plugin-packages.js';

type Line = Record<string, unknown>;
const [apiLog, workerLog] = inject('logFiles') as [string, string];

const nonEmptyLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim());
const parsed = (file: string): Line[] => nonEmptyLines(file).map((line) => JSON.parse(line) as Line);

async function eventually<T>(read: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not logged within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('structured logs', () => {
  let tenant: TestTenant;
  let loginToken: string;
  const secretValue = `postgres://etl:pw-${randomUUID()}@warehouse.internal/dw`;
  let run: RunView;
  let uses: string;

  beforeAll(async () => {
    tenant = await newTenant();
    loginToken = (await api().post('/v1/auth/login').send({ email: tenant.email, password: tenant.password }).expect(200)).body.token;
    await tenant.get('/v1/me').expect(200);
    await api()
      .put('/v1/secrets/WAREHOUSE_URL')
      .set('authorization', `Bearer ${loginToken}`)
      .set('cookie', `session=${loginToken}`)
      .send({ value: secretValue })
      .expect(201);
    // The step gets the secret in its secret field and fails with it as its message: the error is logged by the worker.
    const plugin = await publishSecretEchoPlugin(tenant, uniqueName('logged-echo'), ['WAREHOUSE_URL']);
    uses = `${plugin}/use@^1`;
    run = await runToEnd(
      tenant,
      newPipeline(uniqueName('logged'), {
        connect: { uses, with: { token: '${{ secrets.WAREHOUSE_URL }}', fail: true } },
      }),
    );
    await eventually(
      () => parsed(workerLog).find((line) => line.runId === run.id && line.msg === 'Activity failed'),
      `the failure of run ${run.id}`,
    );
    await eventually(
      () => parsed(apiLog).find((line) => line.route === '/v1/runs/:id' && line.tenantId === tenant.tenantId),
      'the run polls',
    );
  });

  it('the run failed as the pipeline asked', () => {
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'connect').status).toBe('failed');
  });

  it('every line of the API and the worker is a JSON object with level, time and message', () => {
    for (const file of [apiLog, workerLog]) {
      const lines = nonEmptyLines(file);
      expect(lines.length, file).toBeGreaterThan(0);
      for (const line of lines) {
        let value: unknown;
        expect(() => (value = JSON.parse(line)), `${file}: ${line}`).not.toThrow();
        expect(value, `${file}: ${line}`).toEqual(
          expect.objectContaining({
            level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/),
            time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
            msg: expect.any(String),
            service: file === apiLog ? 'api' : 'worker',
          }),
        );
      }
    }
  });

  it("the worker's lines about the run name the run, the step, the attempt, the tenant and the step type", () => {
    const ofRun = parsed(workerLog).filter((line) => line.runId === run.id);
    expect(ofRun.length).toBeGreaterThan(0);
    for (const line of ofRun) expect(line).toMatchObject({ tenantId: tenant.tenantId });
    const failed = ofRun.find((line) => line.msg === 'Activity failed')!;
    expect(failed).toMatchObject({
      level: 'warn',
      context: 'temporal.worker',
      runId: run.id,
      stepId: 'connect',
      attempt: 1,
      tenantId: tenant.tenantId,
      uses,
      activityType: 'executeStep',
      error: expect.objectContaining({ message: '***' }),
    });
    expect(failed).not.toHaveProperty('taskToken');
  });

  it('one line per request: method, route pattern, status, duration, request id, and the tenant once authenticated', () => {
    const requests = parsed(apiLog).filter((line) => line.msg === 'request completed');
    const find = (method: string, route: string) =>
      requests.find(
        (line) =>
          line.method === method &&
          line.route === route &&
          (line.tenantId === tenant.tenantId || route === '/v1/signup' || route === '/v1/auth/login'),
      );
    expect(find('PUT', '/v1/secrets/:name')).toEqual(
      expect.objectContaining({
        level: 'info',
        context: 'http',
        status: 201,
        durationMs: expect.any(Number),
        requestId: expect.any(String),
        tenantId: tenant.tenantId,
        principal: 'user',
      }),
    );
    expect(find('GET', '/v1/me')).toMatchObject({ status: 200, tenantId: tenant.tenantId, principal: 'api_key' });
    expect(find('POST', '/v1/pipelines/:name/runs')).toMatchObject({ status: 202, tenantId: tenant.tenantId });
    // Public routes carry no tenant; a URL (which may hold a query) is never logged.
    expect(find('POST', '/v1/auth/login')).toMatchObject({ status: 200 });
    expect(find('POST', '/v1/auth/login')).not.toHaveProperty('tenantId');
    for (const line of requests) expect(Object.keys(line)).not.toEqual(expect.arrayContaining(['url']));
  });

  it('answers with the request id it logged, keeping a well-formed one the caller sent', async () => {
    const given = `trace-${randomUUID()}`;
    const response = await tenant.get('/v1/me').set('x-request-id', given).expect(200);
    expect(response.headers['x-request-id']).toBe(given);
    await eventually(
      () => parsed(apiLog).find((line) => line.requestId === given && line.route === '/v1/me'),
      'the request with the given id',
    );
    const generated = await tenant.get('/v1/me').set('x-request-id', 'not a token; or {json}').expect(200);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('holds no password, API key, session token or secret value, anywhere', () => {
    const secretPassword = new URL(secretValue).password;
    for (const file of [apiLog, workerLog]) {
      const text = readFileSync(file, 'utf8');
      for (const [what, plain] of Object.entries({
        password: tenant.password,
        apiKey: tenant.apiKey,
        signupJwt: tenant.token,
        loginJwt: loginToken,
        secret: secretValue,
        secretPassword,
      })) {
        expect(text.includes(plain), `${what} in ${file}`).toBe(false);
      }
    }
  });
});
