import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { signDelivery } from '../src/triggers/webhook-signature.js';
import { api, newPipeline, newTenant, uniqueName, until, waitForRun, type RunView, type TestTenant } from './support/builders.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('triggers', () => {
  let tenant: TestTenant;
  beforeAll(async () => {
    tenant = await newTenant();
  });

  async function save(name: string, steps: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}) {
    await tenant.put(`/v1/pipelines/${name}`, newPipeline(name, steps, extra)).expect(201);
    return name;
  }

  const runsOf = async (pipeline: string): Promise<RunView[]> => (await tenant.get(`/v1/runs?pipeline=${pipeline}&limit=500`).expect(200)).body.items;

  describe('webhooks', () => {
    let url: string;
    let secret: string;
    let pipeline: string;

    /** A delivery as a sender makes it: the signature covers the timestamp and these exact bytes. */
    function deliver(body: unknown, options: { delivery?: string | null; secret?: string; timestamp?: number; tamper?: (raw: string) => string } = {}) {
      const raw = JSON.stringify(body);
      const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
      const test = api().post(new URL(url).pathname).set('content-type', 'application/json')
        .set('x-baton-timestamp', String(timestamp)).set('x-baton-signature', signDelivery(options.secret ?? secret, timestamp, raw));
      if (options.delivery !== null) test.set('x-baton-delivery', options.delivery ?? randomUUID());
      return test.send(options.tamper ? options.tamper(raw) : raw);
    }

    beforeAll(async () => {
      pipeline = await save(uniqueName('hooked'), { hello: { uses: 'core/echo@^1', with: { order: '${{ inputs.orderId }}' } } }, { inputs: { orderId: { type: 'integer' } }, required: ['orderId'] });
      const { body } = await tenant.post('/v1/triggers', { type: 'webhook', pipeline, inputs: '{ "orderId": body.order.id }' }).expect(201);
      expect(body).toMatchObject({ type: 'webhook', pipeline, url: expect.stringMatching(/\/v1\/hooks\/[0-9a-f-]{36}$/), secret: expect.stringMatching(/^bwh_/) });
      ({ url, secret } = body);
      // The secret is shown once.
      expect((await tenant.get(`/v1/triggers/${body.id}`).expect(200)).body.secret).toBeUndefined();
    });

    it('starts a run with inputs mapped from the body, once per delivery id however often and concurrently it comes', async () => {
      const delivery = randomUUID();
      const first = await deliver({ order: { id: 42 } }, { delivery }).expect(202);
      const again = await Promise.all(Array.from({ length: 4 }, () => deliver({ order: { id: 42 } }, { delivery })));
      expect(again.map((r) => [r.status, r.body.runId, r.body.duplicate])).toEqual(Array.from({ length: 4 }, () => [200, first.body.runId, true]));
      const run = await waitForRun(tenant, first.body.runId);
      expect(run).toMatchObject({ status: 'succeeded', trigger: 'webhook', inputs: { orderId: 42 } });
      expect((await runsOf(pipeline)).filter((r) => r.id === first.body.runId)).toHaveLength(1);
    });

    it('refuses unsigned, wrongly signed, altered, stale and unnamed deliveries, and starts nothing', async () => {
      const before = (await runsOf(pipeline)).length;
      const refusals = [
        [await api().post(new URL(url).pathname).set('content-type', 'application/json').set('x-baton-delivery', 'x').send('{"order":{"id":1}}'), 401, 'invalid_signature'],
        [await deliver({ order: { id: 1 } }, { secret: 'bwh_guess' }), 401, 'invalid_signature'],
        [await deliver({ order: { id: 1 } }, { tamper: (raw) => raw.replace('1', '2') }), 401, 'invalid_signature'],
        [await deliver({ order: { id: 1 } }, { timestamp: Math.floor(Date.now() / 1000) - 600 }), 401, 'stale_delivery'],
        [await deliver({ order: { id: 1 } }, { delivery: null }), 400, 'missing_delivery_id'],
        [await api().post(`/v1/hooks/${randomUUID()}`).set('content-type', 'application/json').send('{}'), 404, 'trigger_not_found'],
      ] as const;
      for (const [response, status, code] of refusals) {
        expect(response.status, JSON.stringify(response.body)).toBe(status);
        expect(response.body.code).toBe(code);
      }
      await sleep(500);
      expect((await runsOf(pipeline)).length).toBe(before);
    });

    it('refuses a body that maps to inputs the pipeline does not take, and lets the sender retry the delivery fixed', async () => {
      const delivery = randomUUID();
      const wrong = await deliver({ order: { id: 'forty-two' } }, { delivery }).expect(422);
      expect(wrong.body.code).toBe('invalid_inputs');
      await deliver({ order: { id: 43 } }, { delivery }).expect(202);
    });

    it('rotates the secret: the old one stops working at once', async () => {
      const id = new URL(url).pathname.split('/').pop();
      const { body } = await tenant.post(`/v1/triggers/${id}/rotate-secret`).expect(200);
      expect(body.secret).not.toBe(secret);
      const old = secret;
      secret = body.secret;
      await deliver({ order: { id: 44 } }, { secret: old }).expect(401);
      await deliver({ order: { id: 44 } }).expect(202);
    });
  });

  it('starts a pipeline when another ends as asked, with its outputs as inputs, once per run', async () => {
    const source = await save(uniqueName('source'), { say: { uses: 'core/echo@^1', with: { text: '${{ inputs.word }}' } }, maybe: { uses: 'core/fail@^1', needs: ['say'], if: '${{ inputs.fail }}', with: { message: 'asked to' } } }, {
      inputs: { word: { type: 'string' }, fail: { type: 'boolean', default: false } },
      outputs: { message: '${{ steps.say.outputs.text }}' },
    });
    const onSuccess = await save(uniqueName('after'), { hello: { uses: 'core/echo@^1', with: { got: '${{ inputs.message }}' } } }, { inputs: { message: { type: 'string' } } });
    const onFailure = await save(uniqueName('cleanup'), { hello: { uses: 'core/echo@^1', with: {} } }, { inputs: { message: { type: 'string' } } });
    const always = await save(uniqueName('audit'), { hello: { uses: 'core/echo@^1', with: {} } }, { inputs: { message: { type: 'string' } } });
    await tenant.post('/v1/triggers', { type: 'pipeline', pipeline: onSuccess, source, on: 'succeeded' }).expect(201);
    await tenant.post('/v1/triggers', { type: 'pipeline', pipeline: onFailure, source, on: 'failed' }).expect(201);
    await tenant.post('/v1/triggers', { type: 'pipeline', pipeline: always, source, on: 'finished' }).expect(201);

    const ok = await waitForRun(tenant, (await tenant.post(`/v1/pipelines/${source}/runs`, { inputs: { word: 'baton' } }).expect(202)).body.id);
    expect(ok.status).toBe('succeeded');
    await until(async () => (await runsOf(onSuccess)).length === 1 && (await runsOf(always)).length === 1, 15_000);
    const [after] = await runsOf(onSuccess);
    expect(await waitForRun(tenant, after!.id)).toMatchObject({ status: 'succeeded', trigger: 'pipeline', inputs: { message: 'baton' } });
    expect(await runsOf(onFailure)).toHaveLength(0);

    const failed = await waitForRun(tenant, (await tenant.post(`/v1/pipelines/${source}/runs`, { inputs: { word: 'oops', fail: true } }).expect(202)).body.id);
    expect(failed.status).toBe('failed');
    await until(async () => (await runsOf(onFailure)).length === 1 && (await runsOf(always)).length === 2, 15_000);
    // Each ended run fires each trigger once, however many passes go by.
    await sleep(3_000);
    expect([(await runsOf(onSuccess)).length, (await runsOf(onFailure)).length, (await runsOf(always)).length]).toEqual([1, 1, 2]);
  });

  it('refuses triggers naming pipelines that do not exist or an expression that is not JSONata, naming the field', async () => {
    const target = await save(uniqueName('t'), { hello: { uses: 'core/echo@^1', with: {} } });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: 'webhook', pipeline: 'no-such-pipeline' }, 'pipeline'],
      [{ type: 'webhook', pipeline: target, inputs: '{ "a": ' }, 'inputs'],
      [{ type: 'pipeline', pipeline: target, source: 'no-such-source' }, 'source'],
    ];
    for (const [body, field] of cases) {
      const response = await tenant.post('/v1/triggers', body).expect(422);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual([field]);
    }
    await tenant.post('/v1/triggers', { type: 'cron', pipeline: target }).expect(400);
  });
});
