import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { signDelivery } from '../../src/triggers/webhook-signature.js';
import { api, newPipeline, newTenant, savePipeline, uniqueName, waitForRun, type TestTenant } from '../support/builders.js';

/**
 * Someone who saw one signed delivery (a log, a proxy, a compromised receiver in between) sends it
 * again within the five minutes the timestamp allows, under a delivery id of their own: the id
 * was not signed, so each replay started another run. It is signed now.
 */
describe('a replayed webhook delivery', () => {
  let tenant: TestTenant;
  let path: string;
  let secret: string;
  let pipeline: string;

  beforeAll(async () => {
    tenant = await newTenant();
    pipeline = uniqueName('paid');
    await savePipeline(
      tenant,
      newPipeline(
        pipeline,
        { book: { uses: 'core/echo@^1', with: { order: '${{ inputs.order }}' } } },
        { inputs: { order: { type: 'integer' } } },
      ),
    );
    const { body } = await tenant.post('/v1/triggers', { type: 'webhook', pipeline }).expect(201);
    path = new URL(body.url).pathname;
    secret = body.secret;
  });

  const runsOf = async () => (await tenant.get(`/v1/runs?pipeline=${pipeline}&limit=500`).expect(200)).body.items as Array<{ id: string }>;
  const send = (headers: Record<string, string>, raw: string) =>
    api().post(path).set('content-type', 'application/json').set(headers).send(raw);

  it('refuses the captured delivery under a new id, and starts a run for a correctly signed new one', async () => {
    const raw = JSON.stringify({ order: 42 });
    const timestamp = Math.floor(Date.now() / 1000);
    const delivery = randomUUID();
    const captured = {
      'x-baton-timestamp': String(timestamp),
      'x-baton-delivery': delivery,
      'x-baton-signature': signDelivery(secret, timestamp, delivery, raw),
    };
    const first = await send(captured, raw).expect(202);
    expect((await waitForRun(tenant, first.body.runId)).status).toBe('succeeded');

    // The attacker's replays: same bytes, same timestamp and signature, fresh ids.
    for (let i = 0; i < 3; i++) {
      const replay = await send({ ...captured, 'x-baton-delivery': randomUUID() }, raw);
      expect(replay.status, JSON.stringify(replay.body)).toBe(401);
      expect(replay.headers['content-type']).toContain('application/problem+json');
      expect(replay.body.code).toBe('invalid_signature');
    }
    // The same id is the sender's own retry: the run it already started, no second one.
    expect((await send(captured, raw).expect(200)).body).toEqual({ duplicate: true, runId: first.body.runId });
    await sleep(500);
    expect((await runsOf()).map((r) => r.id)).toEqual([first.body.runId]);

    // The sender's next delivery, signed with its own id, starts its run.
    const next = randomUUID();
    const nextRaw = JSON.stringify({ order: 43 });
    const now = Math.floor(Date.now() / 1000);
    const accepted = await send(
      { 'x-baton-timestamp': String(now), 'x-baton-delivery': next, 'x-baton-signature': signDelivery(secret, now, next, nextRaw) },
      nextRaw,
    ).expect(202);
    const run = await waitForRun(tenant, accepted.body.runId);
    expect(run).toMatchObject({ status: 'succeeded', inputs: { order: 43 } });
    expect(await runsOf()).toHaveLength(2);
  });
});
