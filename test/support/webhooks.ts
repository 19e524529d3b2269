import { randomUUID } from 'node:crypto';
import { signDelivery } from '../../src/triggers/webhook-signature.js';
import { api } from './builders.js';

/** A webhook trigger as POST /v1/triggers answers it: the URL to post to and the secret shown once. */
export interface WebhookTrigger {
  url: string;
  secret: string;
}

/** Posts `payload` to the trigger on the API at `baseUrl` as its sender would: signed, timestamped, with a delivery id of its own. */
export function sendDelivery(trigger: WebhookTrigger, payload: unknown, baseUrl?: string) {
  const raw = JSON.stringify(payload);
  const timestamp = Math.floor(Date.now() / 1000);
  const delivery = randomUUID();
  return api(baseUrl)
    .post(new URL(trigger.url).pathname)
    .set('content-type', 'application/json')
    .set('x-baton-timestamp', String(timestamp))
    .set('x-baton-signature', signDelivery(trigger.secret, timestamp, delivery, raw))
    .set('x-baton-delivery', delivery)
    .send(raw);
}
