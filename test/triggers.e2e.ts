import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createDataSource } from '../src/database/data-source.js';
import { TriggerDeliveriesRepository } from '../src/triggers/trigger-deliveries.repository.js';
import { signDelivery } from '../src/triggers/webhook-signature.js';
import {
  api,
  newPipeline,
  newTenant,
  startRun,
  stepOf,
  uniqueName,
  until,
  waitForRun,
  type RunView,
  type TestTenant,
} from './support/builders.js';
import { iris, upload } from './support/iris.js';

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

  /** The reference dataset, and one drifted from it. */
  async function uploadDatasets() {
    await upload(tenant.tenantId, 'datasets/iris.ndjson', iris);
    await upload(
      tenant.tenantId,
      'datasets/shifted.ndjson',
      iris.map((r) => ({ ...r, petal_length: r.petal_length + 2 })),
    );
  }

  /** A pipeline each run of which emits model.drift_detected once (its step `watch`) when `current` drifted, or not at all. */
  const emitter = (name: string) =>
    save(
      uniqueName(name),
      {
        watch: {
          uses: 'ml/drift@^1',
          with: { reference: { artifact: 'datasets/iris.ndjson' }, current: { artifact: '${{ inputs.current }}' }, model: 'iris' },
        },
      },
      { inputs: { current: { type: 'string' } }, required: ['current'] },
    );

  const runsOf = async (pipeline: string): Promise<RunView[]> =>
    (await tenant.get(`/v1/runs?pipeline=${pipeline}&limit=500`).expect(200)).body.items;

  describe('webhooks', () => {
    let url: string;
    let secret: string;
    let pipeline: string;

    /** A delivery as a sender makes it: the signature covers the delivery id, the timestamp and these exact bytes. */
    function deliver(
      body: unknown,
      options: { delivery?: string | null; secret?: string; timestamp?: number; tamper?: (raw: string) => string } = {},
    ) {
      const raw = JSON.stringify(body);
      const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
      const delivery = options.delivery === undefined ? randomUUID() : options.delivery;
      const test = api()
        .post(new URL(url).pathname)
        .set('content-type', 'application/json')
        .set('x-baton-timestamp', String(timestamp))
        .set('x-baton-signature', signDelivery(options.secret ?? secret, timestamp, delivery ?? '', raw));
      if (delivery !== null) test.set('x-baton-delivery', delivery);
      return test.send(options.tamper ? options.tamper(raw) : raw);
    }

    beforeAll(async () => {
      pipeline = await save(
        uniqueName('hooked'),
        { hello: { uses: 'core/echo@^1', with: { order: '${{ inputs.orderId }}' } } },
        { inputs: { orderId: { type: 'integer' } }, required: ['orderId'] },
      );
      const { body } = await tenant.post('/v1/triggers', { type: 'webhook', pipeline, inputs: '{ "orderId": body.order.id }' }).expect(201);
      expect(body).toMatchObject({
        type: 'webhook',
        pipeline,
        url: expect.stringMatching(/\/v1\/hooks\/[0-9a-f-]{36}$/),
        secret: expect.stringMatching(/^bwh_/),
      });
      ({ url, secret } = body);
      // The secret is shown once.
      expect((await tenant.get(`/v1/triggers/${body.id}`).expect(200)).body.secret).toBeUndefined();
    });

    it('starts a run with inputs mapped from the body, once per delivery id however often and concurrently it comes', async () => {
      const delivery = randomUUID();
      const first = await deliver({ order: { id: 42 } }, { delivery }).expect(202);
      const again = await Promise.all(Array.from({ length: 4 }, () => deliver({ order: { id: 42 } }, { delivery })));
      expect(again.map((r) => [r.status, r.body.runId, r.body.duplicate])).toEqual(
        Array.from({ length: 4 }, () => [200, first.body.runId, true]),
      );
      const run = await waitForRun(tenant, first.body.runId);
      expect(run).toMatchObject({
        status: 'succeeded',
        trigger: 'webhook',
        inputs: { orderId: 42 },
        triggeredBy: { triggerId: new URL(url).pathname.split('/').pop(), delivery, sourceRunId: null },
      });
      expect((await runsOf(pipeline)).filter((r) => r.id === first.body.runId)).toHaveLength(1);
    });

    it('refuses unsigned, wrongly signed, altered, stale and unnamed deliveries, and starts nothing', async () => {
      const before = (await runsOf(pipeline)).length;
      const refusals = [
        [
          await api()
            .post(new URL(url).pathname)
            .set('content-type', 'application/json')
            .set('x-baton-delivery', 'x')
            .send('{"order":{"id":1}}'),
          401,
          'invalid_signature',
        ],
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

    it("keeps each delivery refused on its merits in the trigger's deliveries with why, until the sender's retry starts a run", async () => {
      const triggerId = new URL(url).pathname.split('/').pop()!;
      const deliveries = async (query = '') =>
        (await tenant.get(`/v1/triggers/${triggerId}/deliveries?limit=500${query}`).expect(200)).body.items as Array<{
          id: string;
          outcome: string;
          runId: string | null;
          reason: string | null;
        }>;
      const find = async (id: string) => (await deliveries()).find((d) => d.id === id);
      const [badInputs, noMapping, unsigned] = [randomUUID(), randomUUID(), randomUUID()];

      expect((await deliver({ order: { id: 'forty-two' } }, { delivery: badInputs }).expect(422)).body.code).toBe('invalid_inputs');
      expect(await find(badInputs)).toEqual({
        id: badInputs,
        outcome: 'failed',
        runId: null,
        sourceRunId: null,
        reason: expect.stringMatching(/^The inputs do not match the pipeline inputs: inputs\.orderId: /),
        createdAt: expect.any(String),
      });
      expect((await deliver({ order: 'no id' }, { delivery: noMapping }).expect(422)).body.code).toBe('invalid_inputs');
      expect(await find(noMapping)).toMatchObject({ outcome: 'failed', runId: null, reason: expect.stringContaining('orderId') });
      // Refused before its signature held: not the trigger's delivery, not kept.
      await deliver({ order: { id: 1 } }, { delivery: unsigned, secret: 'bwh_guess' }).expect(401);
      expect(await find(unsigned)).toBeUndefined();
      expect((await deliveries('&outcome=failed')).map((d) => d.id)).toEqual(expect.arrayContaining([badInputs, noMapping]));

      // Refused again, it stays one delivery; sent fixed, it starts its run and says so.
      await deliver({ order: { id: 'still wrong' } }, { delivery: badInputs }).expect(422);
      expect((await deliveries()).filter((d) => d.id === badInputs)).toHaveLength(1);
      const started = await deliver({ order: { id: 45 } }, { delivery: badInputs }).expect(202);
      expect(await find(badInputs)).toMatchObject({ outcome: 'started', runId: started.body.runId, reason: null });
      expect((await deliveries('&outcome=failed')).map((d) => d.id)).not.toContain(badInputs);
      // And once started, a repeat is the same run, not a second one, even if the body would be refused now.
      expect((await deliver({ order: { id: 'wrong' } }, { delivery: badInputs }).expect(200)).body).toEqual({
        duplicate: true,
        runId: started.body.runId,
      });
      expect((await waitForRun(tenant, started.body.runId)).inputs).toEqual({ orderId: 45 });
    });

    it('keeps a delivery whose body is no object of inputs as failed, saying so', async () => {
      const { body: plain } = await tenant.post('/v1/triggers', { type: 'webhook', pipeline }).expect(201);
      const delivery = randomUUID();
      const raw = '[1, 2]';
      const timestamp = Math.floor(Date.now() / 1000);
      const refused = await api()
        .post(new URL(plain.url).pathname)
        .set('content-type', 'application/json')
        .set('x-baton-timestamp', String(timestamp))
        .set('x-baton-delivery', delivery)
        .set('x-baton-signature', signDelivery(plain.secret, timestamp, delivery, raw))
        .send(raw)
        .expect(422);
      expect(refused.body.code).toBe('invalid_payload');
      const { body } = await tenant.get(`/v1/triggers/${plain.id}/deliveries?outcome=failed`).expect(200);
      expect(body.items).toEqual([
        expect.objectContaining({
          id: delivery,
          outcome: 'failed',
          runId: null,
          reason: 'The inputs must be a JSON object: (body): Not an object',
        }),
      ]);
    });

    it("shows a trigger's deliveries to its tenant only", async () => {
      const triggerId = new URL(url).pathname.split('/').pop()!;
      const other = await newTenant();
      expect((await other.get(`/v1/triggers/${triggerId}/deliveries`).expect(404)).body.code).toBe('trigger_not_found');
      await api().get(`/v1/triggers/${triggerId}/deliveries`).expect(401);
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
    const source = await save(
      uniqueName('source'),
      {
        say: { uses: 'core/echo@^1', with: { text: '${{ inputs.word }}' } },
        maybe: { uses: 'core/fail@^1', needs: ['say'], if: '${{ inputs.fail }}', with: { message: 'asked to' } },
      },
      {
        inputs: { word: { type: 'string' }, fail: { type: 'boolean', default: false } },
        outputs: { message: '${{ steps.say.outputs.text }}' },
      },
    );
    const onSuccess = await save(
      uniqueName('after'),
      { hello: { uses: 'core/echo@^1', with: { got: '${{ inputs.message }}' } } },
      { inputs: { message: { type: 'string' } } },
    );
    const onFailure = await save(
      uniqueName('cleanup'),
      { hello: { uses: 'core/echo@^1', with: {} } },
      { inputs: { message: { type: 'string' } } },
    );
    const always = await save(
      uniqueName('audit'),
      { hello: { uses: 'core/echo@^1', with: {} } },
      { inputs: { message: { type: 'string' } } },
    );
    await tenant.post('/v1/triggers', { type: 'pipeline', pipeline: onSuccess, source, on: 'succeeded' }).expect(201);
    await tenant.post('/v1/triggers', { type: 'pipeline', pipeline: onFailure, source, on: 'failed' }).expect(201);
    await tenant.post('/v1/triggers', { type: 'pipeline', pipeline: always, source, on: 'finished' }).expect(201);

    const ok = await waitForRun(
      tenant,
      (await tenant.post(`/v1/pipelines/${source}/runs`, { inputs: { word: 'baton' } }).expect(202)).body.id,
    );
    expect(ok.status).toBe('succeeded');
    await until(async () => (await runsOf(onSuccess)).length === 1 && (await runsOf(always)).length === 1, 15_000);
    const [after] = await runsOf(onSuccess);
    expect(await waitForRun(tenant, after.id)).toMatchObject({ status: 'succeeded', trigger: 'pipeline', inputs: { message: 'baton' } });
    expect(await runsOf(onFailure)).toHaveLength(0);

    const failed = await waitForRun(
      tenant,
      (await tenant.post(`/v1/pipelines/${source}/runs`, { inputs: { word: 'oops', fail: true } }).expect(202)).body.id,
    );
    expect(failed.status).toBe('failed');
    await until(async () => (await runsOf(onFailure)).length === 1 && (await runsOf(always)).length === 2, 15_000);
    // Each ended run fires each trigger once, however many passes go by.
    await sleep(3_000);
    expect([(await runsOf(onSuccess)).length, (await runsOf(onFailure)).length, (await runsOf(always)).length]).toEqual([1, 1, 2]);
  });

  describe('events', () => {
    interface Delivery {
      id: string;
      outcome: 'started' | 'failed' | 'skipped';
      runId: string | null;
      sourceRunId: string | null;
      reason: string | null;
      createdAt: string;
    }
    const deliveriesOf = async (trigger: string, query = ''): Promise<Delivery[]> =>
      (await tenant.get(`/v1/triggers/${trigger}/deliveries?limit=500${query}`).expect(200)).body.items;

    it('start a pipeline once per emitted event, only from the source asked for, with inputs mapped from the event; a cooldown skips and says so', async () => {
      await uploadDatasets();
      const [watched, other] = [await emitter('watched'), await emitter('other')];
      const retrain = await save(
        uniqueName('retrain'),
        { hello: { uses: 'core/echo@^1', with: {} } },
        {
          inputs: { model: { type: 'string' }, drifted: { type: 'integer' }, cause: { type: 'string' } },
          required: ['model', 'drifted', 'cause'],
        },
      );
      const strict = await save(
        uniqueName('strict'),
        { hello: { uses: 'core/echo@^1', with: {} } },
        { inputs: { needed: { type: 'string' } }, required: ['needed'] },
      );
      const mapped = (
        await tenant
          .post('/v1/triggers', {
            type: 'event',
            event: 'model.drift_detected',
            source: watched,
            pipeline: retrain,
            inputs:
              '{ "model": event.data.model, "drifted": $count(event.data.features), "cause": event.pipeline & "/" & event.runId & "/" & event.stepId }',
          })
          .expect(201)
      ).body;
      expect(mapped).toMatchObject({
        type: 'event',
        event: 'model.drift_detected',
        source: watched,
        pipeline: retrain,
        cooldown: null,
        lastFiredAt: null,
      });
      const cooled = (
        await tenant
          .post('/v1/triggers', {
            type: 'event',
            event: 'model.drift_detected',
            pipeline: retrain,
            cooldown: '1h30m',
            inputs: '{ "model": "any", "drifted": 0, "cause": event.runId }',
          })
          .expect(201)
      ).body;
      expect(cooled).toMatchObject({ source: null, cooldown: '1h30m' });
      const refused = (
        await tenant.post('/v1/triggers', { type: 'event', event: 'model.drift_detected', source: watched, pipeline: strict }).expect(201)
      ).body;

      const drift = async (pipeline: string, current: string) =>
        waitForRun(tenant, await startRun(tenant, pipeline, { inputs: { current } }));
      const runs = [
        await drift(watched, 'datasets/shifted.ndjson'),
        await drift(watched, 'datasets/shifted.ndjson'),
        await drift(other, 'datasets/shifted.ndjson'),
        await drift(watched, 'datasets/iris.ndjson'),
      ];
      expect(runs.map((r) => [r.status, (stepOf(r, 'watch').outputs as { drifted: boolean }).drifted])).toEqual([
        ['succeeded', true],
        ['succeeded', true],
        ['succeeded', true],
        ['succeeded', false],
      ]);
      const [first, second, fromOther] = runs;

      await until(
        async () =>
          (await runsOf(retrain)).length === 3 &&
          (await deliveriesOf(cooled.id)).length === 3 &&
          (await deliveriesOf(refused.id)).length === 2,
        20_000,
      );
      // Each event fires each trigger once, however many passes go by.
      await sleep(3_000);
      const started = await Promise.all((await runsOf(retrain)).map((r) => waitForRun(tenant, r.id)));
      expect(started).toHaveLength(3);
      expect(started.every((r) => r.status === 'succeeded' && r.trigger === 'event')).toBe(true);
      // The source-filtered trigger: one run per event of `watched`, inputs from the event.
      const byCause = started
        .filter((r) => r.inputs.model === 'iris')
        .map((r) => r.inputs.cause)
        .sort();
      expect(byCause).toEqual([`${watched}/${first.id}/watch`, `${watched}/${second.id}/watch`].sort());
      expect(started.filter((r) => r.inputs.model === 'iris').every((r) => r.inputs.drifted === 1)).toBe(true);
      const mappedDeliveries = await deliveriesOf(mapped.id);
      expect(mappedDeliveries.map((d) => [d.outcome, d.sourceRunId]).sort()).toEqual(
        [
          ['started', first.id],
          ['started', second.id],
        ].sort(),
      );
      expect(mappedDeliveries.every((d) => /^event:\d+$/.test(d.id) && started.some((r) => r.id === d.runId))).toBe(true);
      // A started run names the delivery and the run whose event caused it.
      for (const d of mappedDeliveries)
        expect((await tenant.get(`/v1/runs/${d.runId}`).expect(200)).body.triggeredBy).toEqual({
          triggerId: mapped.id,
          delivery: d.id,
          sourceRunId: d.sourceRunId,
        });
      expect((await tenant.get(`/v1/runs/${first.id}`).expect(200)).body.triggeredBy).toBeNull();

      // The cooldown trigger (any source) started a run for the first event only; the other two are skipped, with why.
      const cooledDeliveries = (await deliveriesOf(cooled.id)).reverse();
      expect(cooledDeliveries.map((d) => [d.outcome, d.sourceRunId])).toEqual([
        ['started', first.id],
        ['skipped', second.id],
        ['skipped', fromOther.id],
      ]);
      expect(cooledDeliveries[1].reason).toMatch(/cooldown/);
      expect(started.find((r) => r.id === cooledDeliveries[0].runId)).toMatchObject({ inputs: { model: 'any', cause: first.id } });
      expect((await tenant.get(`/v1/triggers/${cooled.id}`).expect(200)).body.lastFiredAt).toEqual(expect.any(String));
      expect((await deliveriesOf(cooled.id, '&outcome=skipped')).map((d) => d.sourceRunId).sort()).toEqual(
        [second.id, fromOther.id].sort(),
      );

      // Inputs the target refuses: no run, each delivery failed with the reason.
      expect(await runsOf(strict)).toHaveLength(0);
      const failed = await deliveriesOf(refused.id);
      expect(failed.map((d) => d.outcome)).toEqual(['failed', 'failed']);
      expect(failed[0].reason).toMatch(/needed/);
      expect((await tenant.get(`/v1/triggers/${refused.id}`).expect(200)).body.lastFiredAt).toBeNull();

      // Pages of deliveries, newest first.
      const page1 = (await tenant.get(`/v1/triggers/${cooled.id}/deliveries?limit=2`).expect(200)).body;
      const page2 = (await tenant.get(`/v1/triggers/${cooled.id}/deliveries?limit=2&cursor=${page1.nextCursor}`).expect(200)).body;
      expect([...page1.items, ...page2.items].map((d: Delivery) => d.id)).toEqual(cooledDeliveries.map((d) => d.id).reverse());
      expect(page2.nextCursor).toBeNull();
    });
  });

  it('deliveries past their retention are deleted in batches, oldest first; newer ones stay', async () => {
    const target = await save(uniqueName('kept'), { hello: { uses: 'core/echo@^1', with: {} } });
    const trigger = (await tenant.post('/v1/triggers', { type: 'webhook', pipeline: target }).expect(201)).body.id as string;
    const db = createDataSource(inject('databaseUrl'), 1);
    await db.initialize();
    try {
      const ages = [40, 35, 32, 31, 1];
      for (const [i, days] of ages.entries()) {
        await db.query(
          `INSERT INTO trigger_delivery (trigger_id, delivery_id, created_at) VALUES ($1, $2, now() - $3::int * interval '1 day')`,
          [trigger, `d${i}`, days],
        );
      }
      const repository = new TriggerDeliveriesRepository(db);
      const before = new Date(Date.now() - 30 * 86_400_000);
      expect(await repository.pruneDeliveries(before, 2)).toBe(2);
      const left = async () =>
        (await db.query('SELECT delivery_id FROM trigger_delivery WHERE trigger_id = $1 ORDER BY delivery_id', [trigger])).map(
          (r: { delivery_id: string }) => r.delivery_id,
        );
      expect(await left()).toEqual(['d2', 'd3', 'd4']);
      expect(await repository.pruneDeliveries(before, 2)).toBe(2);
      expect(await repository.pruneDeliveries(before, 2)).toBe(0);
      expect(await left()).toEqual(['d4']);
    } finally {
      await db.destroy();
    }
  });

  it('refuses triggers naming pipelines that do not exist or an expression that is not JSONata, naming the field', async () => {
    const target = await save(uniqueName('t'), { hello: { uses: 'core/echo@^1', with: {} } });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: 'webhook', pipeline: 'no-such-pipeline' }, 'pipeline'],
      [{ type: 'webhook', pipeline: target, inputs: '{ "a": ' }, 'inputs'],
      [{ type: 'pipeline', pipeline: target, source: 'no-such-source' }, 'source'],
      [{ type: 'event', event: 'model.drift_detected', pipeline: target, source: 'no-such-source' }, 'source'],
      [{ type: 'event', event: 'model.drift_detected', pipeline: target, inputs: '{ "a": event.' }, 'inputs'],
      [{ type: 'event', event: 'model.drift_detected', pipeline: target, source: target }, 'source'],
      [{ type: 'pipeline', pipeline: target, source: target, on: 'finished' }, 'source'],
    ];
    for (const [body, field] of cases) {
      const response = await tenant.post('/v1/triggers', body).expect(422);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual([field]);
    }
    const malformed: Array<[Record<string, unknown>, string]> = [
      [{ type: 'cron', pipeline: target }, 'type'],
      [{ type: 'event', event: 'model.exploded', pipeline: target }, 'event'],
      [{ type: 'event', event: 'model.drift_detected', pipeline: target, cooldown: 'soon' }, 'cooldown'],
      [{ type: 'event', event: 'model.drift_detected', pipeline: target, cooldown: '500ms' }, 'cooldown'],
      [{ type: 'event', event: 'model.drift_detected', pipeline: target, cooldown: '91d' }, 'cooldown'],
      [{ type: 'event', event: 'model.drift_detected', pipeline: target, on: 'failed' }, 'on'],
    ];
    for (const [body, field] of malformed) {
      const response = await tenant.post('/v1/triggers', body).expect(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(
        response.body.errors.map((e: { path: string }) => e.path),
        JSON.stringify(body),
      ).toContain(field);
    }
    const trigger = (await tenant.post('/v1/triggers', { type: 'webhook', pipeline: target }).expect(201)).body.id;
    await tenant.get(`/v1/triggers/${trigger}/deliveries?cursor=nonsense`).expect(400);
    await tenant.get(`/v1/triggers/${trigger}/deliveries?outcome=lost`).expect(400);
  });

  describe('names and edits', () => {
    const echo = { hello: { uses: 'core/echo@^1', with: {} } };
    const patch = (who: TestTenant, id: string, body: unknown) =>
      api(who.baseUrl)
        .patch(`/v1/triggers/${id}`)
        .set('authorization', `Bearer ${who.apiKey}`)
        .send(body as object);
    const pathsOf = (response: { body: { errors?: Array<{ path: string }> } }) => (response.body.errors ?? []).map((e) => e.path);
    /** A signed delivery as a sender makes it, to the trigger's URL with the secret it was given. */
    const send = (trigger: { url: string }, secret: string, body: unknown) => {
      const raw = JSON.stringify(body);
      const timestamp = Math.floor(Date.now() / 1000);
      const delivery = randomUUID();
      return api()
        .post(new URL(trigger.url).pathname)
        .set('content-type', 'application/json')
        .set('x-baton-timestamp', String(timestamp))
        .set('x-baton-delivery', delivery)
        .set('x-baton-signature', signDelivery(secret, timestamp, delivery, raw))
        .send(raw);
    };

    it('a name is unique in its tenant, even for requests racing for it, free in another tenant, and found by ?name=', async () => {
      const target = await save(uniqueName('named'), echo);
      const name = uniqueName('hook');
      const created = (await tenant.post('/v1/triggers', { type: 'webhook', name, pipeline: target }).expect(201)).body;
      expect(created).toMatchObject({ name, type: 'webhook', secret: expect.any(String) });
      expect((await tenant.get(`/v1/triggers/${created.id}`).expect(200)).body.name).toBe(name);
      const unnamed = (await tenant.post('/v1/triggers', { type: 'webhook', pipeline: target }).expect(201)).body;
      expect(unnamed.name).toBeNull();

      for (const body of [
        { type: 'webhook', name, pipeline: target },
        { type: 'event', name, event: 'model.drift_detected', pipeline: target },
      ]) {
        const taken = await tenant.post('/v1/triggers', body).expect(409);
        expect(taken.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(taken.body).toMatchObject({ code: 'trigger_name_taken', errors: [{ path: 'name', message: expect.any(String) }] });
      }
      await tenant.post('/v1/triggers', { type: 'webhook', name: 'Not A Name', pipeline: target }).expect(400);

      // Racing creates of one new name: the database's unique index lets one through.
      const raced = uniqueName('raced');
      const race = await Promise.all(
        Array.from({ length: 4 }, () => tenant.post('/v1/triggers', { type: 'webhook', name: raced, pipeline: target })),
      );
      expect(race.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
      expect(race.filter((r) => r.status === 409).every((r) => r.body.code === 'trigger_name_taken')).toBe(true);

      const other = await newTenant();
      await other.put(`/v1/pipelines/${target}`, newPipeline(target, echo)).expect(201);
      const theirs = (await other.post('/v1/triggers', { type: 'webhook', name, pipeline: target }).expect(201)).body;
      const byName = async (who: TestTenant, n: string) =>
        ((await who.get(`/v1/triggers?name=${n}`).expect(200)).body.items as Array<{ id: string }>).map((t) => t.id);
      expect(await byName(tenant, name)).toEqual([created.id]);
      expect(await byName(other, name)).toEqual([theirs.id]);
      expect(await byName(tenant, uniqueName('nobody'))).toEqual([]);
      await tenant.get('/v1/triggers?name=Not%20A%20Name').expect(400);
    });

    it('PATCH of a webhook trigger keeps its URL and secret, and the next delivery runs the new pipeline and mapping', async () => {
      const before = await save(
        uniqueName('orders'),
        { hello: { uses: 'core/echo@^1', with: {} } },
        { inputs: { orderId: { type: 'integer' } }, required: ['orderId'] },
      );
      const after = await save(
        uniqueName('invoices'),
        { hello: { uses: 'core/echo@^1', with: {} } },
        { inputs: { code: { type: 'string' } }, required: ['code'] },
      );
      const created = (
        await tenant.post('/v1/triggers', { type: 'webhook', pipeline: before, inputs: '{ "orderId": body.order.id }' }).expect(201)
      ).body;
      const first = (await send(created, created.secret, { order: { id: 7 }, code: 'A-7' }).expect(202)).body.runId;
      expect(await waitForRun(tenant, first)).toMatchObject({ pipeline: before, inputs: { orderId: 7 } });

      const name = uniqueName('billing');
      const patched = await patch(tenant, created.id, { name, pipeline: after, inputs: '{ "code": body.code }' }).expect(200);
      const { secret: _shownOnce, ...view } = created;
      expect(patched.body).toEqual({ ...view, name, pipeline: after, inputs: '{ "code": body.code }', lastFiredAt: expect.any(String) });
      expect(patched.body.secret).toBeUndefined();
      expect((await tenant.get(`/v1/triggers/${created.id}`).expect(200)).body).toEqual(patched.body);

      // The sender changes nothing: same URL, same secret; the delivery starts the new pipeline with the new mapping.
      const second = (await send(created, created.secret, { order: { id: 8 }, code: 'B-8' }).expect(202)).body.runId;
      expect(await waitForRun(tenant, second)).toMatchObject({
        status: 'succeeded',
        pipeline: after,
        inputs: { code: 'B-8' },
        triggeredBy: { triggerId: created.id },
      });

      // Null clears: the name goes, and without a mapping the body itself is the inputs.
      const cleared = (await patch(tenant, created.id, { name: null, inputs: null }).expect(200)).body;
      expect(cleared).toMatchObject({ name: null, inputs: null, url: created.url });
      const third = (await send(created, created.secret, { code: 'C-9' }).expect(202)).body.runId;
      expect((await waitForRun(tenant, third)).inputs).toEqual({ code: 'C-9' });
      expect(((await tenant.get(`/v1/triggers?name=${name}`).expect(200)).body.items as unknown[]).length).toBe(0);

      // Audited like create and delete: who, which trigger, what came of it.
      const log = (await api().get('/v1/audit-log?action=PATCH').set('authorization', `Bearer ${tenant.token}`).expect(200)).body.items;
      expect(log).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: 'PATCH /v1/triggers/:id',
            target: { id: created.id },
            status: 200,
            actor: expect.objectContaining({ kind: 'api_key' }),
          }),
        ]),
      );
    });

    it('PATCH of a pipeline trigger: a run that ended before the edit does not fire it, the next one fires the new target', async () => {
      const source = (name: string) =>
        save(
          uniqueName(name),
          {
            say: { uses: 'core/echo@^1', with: { text: '${{ inputs.word }}' } },
            maybe: { uses: 'core/fail@^1', needs: ['say'], if: '${{ inputs.fail }}', with: { message: 'asked to' } },
          },
          { inputs: { word: { type: 'string' }, fail: { type: 'boolean', default: false } } },
        );
      const [oldSource, newSource] = [await source('old-source'), await source('new-source')];
      const [oldTarget, newTarget] = [await save(uniqueName('old-target'), echo), await save(uniqueName('new-target'), echo)];
      await tenant.put(`/v1/pipelines/${newTarget}/tags/prod`, { version: 1 }).expect(200);
      const created = (
        await tenant.post('/v1/triggers', { type: 'pipeline', pipeline: oldTarget, source: oldSource, on: 'succeeded' }).expect(201)
      ).body;
      const failedEarlier = await waitForRun(tenant, await startRun(tenant, newSource, { inputs: { word: 'early', fail: true } }));
      expect(failedEarlier.status).toBe('failed');

      const patched = await patch(tenant, created.id, { source: newSource, on: 'failed', pipeline: `${newTarget}@prod` }).expect(200);
      expect(patched.body).toMatchObject({
        id: created.id,
        type: 'pipeline',
        source: newSource,
        on: 'failed',
        pipeline: `${newTarget}@prod`,
      });

      expect((await waitForRun(tenant, await startRun(tenant, oldSource, { inputs: { word: 'old' } }))).status).toBe('succeeded');
      const failedLater = await waitForRun(tenant, await startRun(tenant, newSource, { inputs: { word: 'late', fail: true } }));
      expect(failedLater.status).toBe('failed');
      await until(async () => (await runsOf(newTarget)).length === 1, 15_000);
      await sleep(3_000);
      expect(await runsOf(oldTarget)).toHaveLength(0);
      const [started] = await runsOf(newTarget);
      expect((await tenant.get(`/v1/runs/${started.id}`).expect(200)).body.triggeredBy).toMatchObject({ sourceRunId: failedLater.id });
      expect(await runsOf(newTarget)).toHaveLength(1);
    });

    it('PATCH of an event trigger changes its source, mapping and cooldown; an event before the edit does not fire it', async () => {
      await uploadDatasets();
      const [quiet, watched] = [await emitter('quiet'), await emitter('watched')];
      const retrain = await save(uniqueName('retrain'), echo, { inputs: { cause: { type: 'string' } }, required: ['cause'] });
      const created = (
        await tenant
          .post('/v1/triggers', {
            type: 'event',
            event: 'model.drift_detected',
            source: quiet,
            pipeline: retrain,
            cooldown: '1h',
            inputs: '{ "cause": "old:" & event.runId }',
          })
          .expect(201)
      ).body;
      const drift = async (pipeline: string) =>
        waitForRun(tenant, await startRun(tenant, pipeline, { inputs: { current: 'datasets/shifted.ndjson' } }));
      expect((await drift(watched)).status).toBe('succeeded');

      const patched = await patch(tenant, created.id, {
        source: watched,
        inputs: '{ "cause": "new:" & event.runId }',
        cooldown: null,
        event: 'model.drift_detected',
      }).expect(200);
      expect(patched.body).toMatchObject({
        source: watched,
        cooldown: null,
        inputs: '{ "cause": "new:" & event.runId }',
        event: 'model.drift_detected',
      });
      const later = await drift(watched);
      await until(async () => (await runsOf(retrain)).length >= 1, 20_000);
      await sleep(3_000);
      const runs = await runsOf(retrain);
      expect(runs).toHaveLength(1);
      expect((await waitForRun(tenant, runs[0].id)).inputs).toEqual({ cause: `new:${later.id}` });

      // Back to any source, with a cooldown again.
      expect((await patch(tenant, created.id, { source: null, cooldown: '6h' }).expect(200)).body).toMatchObject({
        source: null,
        cooldown: '6h',
      });
    });

    it('refuses an empty PATCH, a type, fields the type does not have and values create refuses, naming each, and changes nothing', async () => {
      const target = await save(uniqueName('t'), echo);
      const source = await save(uniqueName('s'), echo);
      const name = uniqueName('taken');
      await tenant.post('/v1/triggers', { type: 'webhook', name, pipeline: target }).expect(201);
      const made = async (body: Record<string, unknown>) => (await tenant.post('/v1/triggers', body).expect(201)).body;
      const webhook = await made({ type: 'webhook', pipeline: target, inputs: 'body' });
      const completion = await made({ type: 'pipeline', pipeline: target, source });
      const event = await made({ type: 'event', event: 'model.drift_detected', pipeline: target });
      const malformed: Array<[string, unknown, string]> = [
        [webhook.id, {}, '(body)'],
        [webhook.id, { type: 'event' }, 'type'],
        [webhook.id, { type: 'webhook', name: 'x' }, 'type'],
        [webhook.id, { secret: 'bwh_mine' }, 'secret'],
        [webhook.id, { name: 'Not A Name' }, 'name'],
        [webhook.id, { pipeline: 'Bad Pipeline' }, 'pipeline'],
        [webhook.id, { pipeline: null }, 'pipeline'],
        [event.id, { cooldown: '500ms' }, 'cooldown'],
        [event.id, { cooldown: '91d' }, 'cooldown'],
        [event.id, { event: 'model.exploded' }, 'event'],
        [completion.id, { on: 'sometimes' }, 'on'],
      ];
      for (const [id, body, field] of malformed) {
        const response = await patch(tenant, id, body).expect(400);
        expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(pathsOf(response), JSON.stringify(body)).toEqual([field]);
      }
      const invalid: Array<[string, unknown, string[]]> = [
        [webhook.id, { on: 'failed' }, ['on']],
        [webhook.id, { source, cooldown: '1h' }, ['source', 'cooldown']],
        [webhook.id, { event: 'model.drift_detected' }, ['event']],
        [completion.id, { inputs: 'body' }, ['inputs']],
        [completion.id, { source: null }, ['source']],
        [completion.id, { cooldown: null }, ['cooldown']],
        [event.id, { on: 'succeeded' }, ['on']],
        [webhook.id, { pipeline: 'no-such-pipeline' }, ['pipeline']],
        [webhook.id, { pipeline: `${target}@no-such-tag` }, ['pipeline']],
        [webhook.id, { inputs: '{ "a": ' }, ['inputs']],
        [event.id, { inputs: '{ "a": event.' }, ['inputs']],
        [completion.id, { source: 'no-such-source' }, ['source']],
        [completion.id, { source: target }, ['source']],
        [completion.id, { pipeline: source }, ['pipeline']],
        [event.id, { source: target }, ['source']],
      ];
      for (const [id, body, fields] of invalid) {
        const response = await patch(tenant, id, body).expect(422);
        expect(response.body.code, JSON.stringify(body)).toBe('invalid_trigger');
        expect(pathsOf(response), JSON.stringify(body)).toEqual(fields);
      }
      const taken = await patch(tenant, webhook.id, { name }).expect(409);
      expect(taken.body).toMatchObject({ code: 'trigger_name_taken', errors: [{ path: 'name' }] });
      // Its own name again is no conflict.
      await patch(tenant, webhook.id, { name: `${name}-2` }).expect(200);
      await patch(tenant, webhook.id, { name: `${name}-2` }).expect(200);

      const { secret: _shownOnce, ...webhookView } = webhook;
      const now = async (id: string) => (await tenant.get(`/v1/triggers/${id}`).expect(200)).body;
      expect(await now(webhook.id)).toEqual({ ...webhookView, name: `${name}-2` });
      expect(await now(completion.id)).toEqual(completion);
      expect(await now(event.id)).toEqual(event);
      expect((await patch(tenant, randomUUID(), { name: null }).expect(404)).body.code).toBe('trigger_not_found');
      await patch(tenant, 'not-a-uuid', { name: null }).expect(400);
    });

    it("one tenant can neither see nor change another's trigger, whatever it sends", async () => {
      const target = await save(uniqueName('mine'), echo);
      const name = uniqueName('private');
      const mine = (await tenant.post('/v1/triggers', { type: 'webhook', name, pipeline: target }).expect(201)).body;
      const { secret: _shownOnce, ...view } = mine;
      const other = await newTenant();
      await other.put(`/v1/pipelines/${target}`, newPipeline(target, echo)).expect(201);
      for (const body of [{ name: 'stolen' }, { pipeline: target }, { inputs: null }, { on: 'failed' }, {}]) {
        const response = await patch(other, mine.id, body);
        // A malformed body is refused before the trigger is looked up; anything else meets a trigger that does not exist.
        expect([400, 404], JSON.stringify(body)).toContain(response.status);
        if (Object.keys(body).length) expect(response.body.code).toBe('trigger_not_found');
      }
      expect((await other.get(`/v1/triggers/${mine.id}`).expect(404)).body.code).toBe('trigger_not_found');
      expect((await other.get(`/v1/triggers?name=${name}`).expect(200)).body.items).toEqual([]);
      expect((await tenant.get(`/v1/triggers/${mine.id}`).expect(200)).body).toEqual(view);
      await api().patch(`/v1/triggers/${mine.id}`).send({ name: null }).expect(401);
    });
  });
});
