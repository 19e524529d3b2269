import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { channelSecret } from '../../src/alerts/alert-payload.js';
import { checkDelivery, signDelivery, triggerSecret } from '../../src/triggers/webhook-signature.js';
import { api, newPipeline, newTenant, savePipeline, uniqueName, type TestTenant } from '../support/builders.js';

/**
 * Webhook triggers' and notification channels' signing secrets were HMACs of the session key
 * (JWT_SECRET): whoever held the one held every tenant's webhook secrets, and a leaked webhook
 * secret was a step towards the key that signs sessions. They come from WEBHOOK_SIGNING_KEY now.
 * Those made before the upgrade keep working, from the session key, until they are rotated.
 */
describe('webhook secrets derived from the session key', () => {
  let tenant: TestTenant;
  let db: pg.Client;
  const jwtSecret = inject('jwtSecret');

  beforeAll(async () => {
    tenant = await newTenant();
    db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
  });

  const owner = () => ({
    post: (path: string, body?: object) =>
      api()
        .post(path)
        .set('authorization', `Bearer ${tenant.token}`)
        .send(body ?? {}),
  });

  function deliver(path: string, secret: string) {
    const raw = '{}';
    const timestamp = Math.floor(Date.now() / 1000);
    const delivery = randomUUID();
    return api()
      .post(path)
      .set('content-type', 'application/json')
      .set('x-baton-timestamp', String(timestamp))
      .set('x-baton-delivery', delivery)
      .set('x-baton-signature', signDelivery(secret, timestamp, delivery, raw))
      .send(raw);
  }

  it('refuses a trigger delivery signed with a secret computed from the session key', async () => {
    const pipeline = uniqueName('hooked');
    await savePipeline(tenant, newPipeline(pipeline, { hello: { uses: 'core/echo@^1', with: {} } }));
    const { body: trigger } = await tenant.post('/v1/triggers', { type: 'webhook', pipeline }).expect(201);
    const path = new URL(trigger.url).pathname;
    // What anyone holding JWT_SECRET could compute for any trigger.
    const derived = triggerSecret(jwtSecret, trigger.id, 1);
    expect(trigger.secret).not.toBe(derived);
    expect((await deliver(path, derived)).status).toBe(401);
    // The secret the trigger was made with works.
    expect((await deliver(path, trigger.secret)).status).toBe(202);
  });

  it('keeps a trigger made before the upgrade working until it is rotated, then only with the new secret', async () => {
    const pipeline = uniqueName('older');
    await savePipeline(tenant, newPipeline(pipeline, { hello: { uses: 'core/echo@^1', with: {} } }));
    const { body: trigger } = await tenant.post('/v1/triggers', { type: 'webhook', pipeline }).expect(201);
    const path = new URL(trigger.url).pathname;
    // As migration 19 leaves the triggers that existed before it.
    await db.query('UPDATE trigger SET secret_from_session_key = true WHERE id = $1', [trigger.id]);
    const old = triggerSecret(jwtSecret, trigger.id, 1);
    expect((await deliver(path, old)).status).toBe(202);

    const { body: rotated } = await owner().post(`/v1/triggers/${trigger.id}/rotate-secret`).expect(200);
    expect(rotated.secret).not.toBe(triggerSecret(jwtSecret, trigger.id, 2));
    expect((await deliver(path, old)).status).toBe(401);
    expect((await deliver(path, triggerSecret(jwtSecret, trigger.id, 2))).status).toBe(401);
    expect((await deliver(path, rotated.secret)).status).toBe(202);
  });

  it("signs alerts with a channel secret of its own, and an older channel's with its old secret until rotated", async () => {
    const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const { body: channel } = await owner()
        .post('/v1/notification-channels', { type: 'webhook', url, events: ['run.failed'] })
        .expect(201);
      const derived = channelSecret(jwtSecret, channel.id, 1);
      expect(channel.secret).not.toBe(derived);
      const sent = async () => {
        await owner().post(`/v1/notification-channels/${channel.id}/test`).expect(200);
        return received.at(-1)!;
      };
      let test = await sent();
      expect(checkDelivery(channel.secret, Buffer.from(test.body), test.headers)).toBe('ok');
      expect(checkDelivery(derived, Buffer.from(test.body), test.headers)).toBe('mismatch');

      await db.query('UPDATE notification_channel SET secret_from_session_key = true WHERE id = $1', [channel.id]);
      test = await sent();
      expect(checkDelivery(derived, Buffer.from(test.body), test.headers)).toBe('ok');
      const { body: rotated } = await owner().post(`/v1/notification-channels/${channel.id}/rotate-secret`).expect(200);
      test = await sent();
      expect(checkDelivery(rotated.secret, Buffer.from(test.body), test.headers)).toBe('ok');
      expect(checkDelivery(channelSecret(jwtSecret, channel.id, 2), Buffer.from(test.body), test.headers)).toBe('mismatch');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
