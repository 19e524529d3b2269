import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a delivery's signed timestamp may be from the clock: older ones could be replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * A trigger's signing secret, derived from an installation key and the trigger's id and secret
 * version: nothing secret is stored, every API replica computes the same, and rotating is a
 * version bump.
 */
export function triggerSecret(installationKey: string, triggerId: string, version: number): string {
  return `bwh_${createHmac('sha256', installationKey).update(`baton:webhook-trigger:${triggerId}:${version}`).digest('base64url')}`;
}

/** The keys a webhook signing secret may be derived from. */
export interface WebhookKeys {
  webhookSigningKey: string;
  jwtSecret: string;
}

/**
 * WEBHOOK_SIGNING_KEY, except for a secret made before that key existed and not rotated since:
 * it was derived from the session key, and senders (or receivers) still hold it.
 */
export function signingKeyOf(keys: WebhookKeys, row: { secretFromSessionKey: boolean }): string {
  return row.secretFromSessionKey ? keys.jwtSecret : keys.webhookSigningKey;
}

/** A webhook trigger's current signing secret. */
export function webhookSecret(keys: WebhookKeys, row: { id: string; secretVersion: number; secretFromSessionKey: boolean }): string {
  return triggerSecret(signingKeyOf(keys, row), row.id, row.secretVersion);
}

/**
 * `sha256=<hex>` over `<delivery id>.<timestamp>.<raw body>` (the order of the Standard Webhooks
 * spec), as senders compute it: the delivery id is signed too, so a captured delivery cannot be
 * sent again under a new id.
 */
export function signDelivery(secret: string, timestamp: number, delivery: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${delivery}.${timestamp}.`).update(rawBody).digest('hex')}`;
}

export type SignatureCheck = 'ok' | 'missing' | 'stale' | 'mismatch';

const single = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);

/** Checks `X-Baton-Signature` against `X-Baton-Timestamp`, `X-Baton-Delivery` and the exact body. */
export function checkDelivery(
  secret: string,
  rawBody: Buffer,
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
): SignatureCheck {
  const [signature, timestamp, delivery] = ['x-baton-signature', 'x-baton-timestamp', 'x-baton-delivery'].map((name) =>
    single(headers[name]),
  );
  if (!signature || !timestamp || !delivery) return 'missing';
  const seconds = Number(timestamp);
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now / 1000 - seconds) > SIGNATURE_TOLERANCE_SECONDS) return 'stale';
  const expected = Buffer.from(signDelivery(secret, seconds, delivery, rawBody));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'mismatch';
}
