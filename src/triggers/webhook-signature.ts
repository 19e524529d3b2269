import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a delivery's signed timestamp may be from the clock: older ones could be replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * A trigger's signing secret, derived from the installation's key and the trigger's id and
 * secret version: nothing secret is stored, every API replica computes the same, and rotating is
 * a version bump.
 */
export function triggerSecret(installationKey: string, triggerId: string, version: number): string {
  return `bwh_${createHmac('sha256', installationKey).update(`baton:webhook-trigger:${triggerId}:${version}`).digest('base64url')}`;
}

/** `sha256=<hex>` over `<timestamp>.<raw body>`, as senders compute it. */
export function signDelivery(secret: string, timestamp: number, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

export type SignatureCheck = 'ok' | 'missing' | 'stale' | 'mismatch';

export function checkDelivery(secret: string, rawBody: Buffer, signature: string | undefined, timestamp: string | undefined, now = Date.now()): SignatureCheck {
  if (!signature || !timestamp) return 'missing';
  const seconds = Number(timestamp);
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now / 1000 - seconds) > SIGNATURE_TOLERANCE_SECONDS) return 'stale';
  const expected = Buffer.from(signDelivery(secret, seconds, rawBody));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'mismatch';
}
