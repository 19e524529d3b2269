import { triggerSecret, signDelivery } from '../triggers/webhook-signature.js';
import type { AlertRow } from './alerts.repository.js';

/**
 * A channel's signing secret: derived like a webhook trigger's (nothing stored, every replica
 * computes the same, rotation is a version bump), in a namespace of its own.
 */
export function channelSecret(installationKey: string, channelId: string, version: number): string {
  return triggerSecret(installationKey, `notification-channel:${channelId}`, version);
}

/** The JSON body a webhook channel receives for an alert; one about no run (usage) has no `pipeline` and `run`. */
export function alertPayload(alert: AlertRow, runStatus: string | null, publicUrl: string) {
  return {
    id: alert.id,
    type: alert.type,
    occurredAt: alert.occurredAt.toISOString(),
    tenant: alert.tenantId,
    ...(alert.pipeline ? { pipeline: alert.pipeline } : {}),
    ...(alert.runId ? { run: { id: alert.runId, status: runStatus, url: `${publicUrl}/v1/runs/${alert.runId}` } } : {}),
    ...(alert.stepId ? { step: alert.stepId } : {}),
    message: alert.message,
    data: alert.data,
  };
}

/**
 * Headers of a signed request, as inbound webhooks (`POST /v1/hooks/{id}`) are signed:
 * `X-Baton-Signature: sha256=<hex HMAC of "<delivery>.<timestamp>.<body>">`, `X-Baton-Timestamp`
 * (Unix seconds) and `X-Baton-Delivery`, the same on every attempt of a delivery so receivers can dedupe.
 */
export function signedHeaders(
  secret: string,
  deliveryId: string,
  eventType: string,
  body: string,
  now = Date.now(),
): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'Baton-Alerts/1',
    'x-baton-event': eventType,
    'x-baton-delivery': deliveryId,
    'x-baton-timestamp': String(timestamp),
    'x-baton-signature': signDelivery(secret, timestamp, deliveryId, body),
  };
}

const MAX_RETRY_DELAY_MS = 3_600_000;

/** Exponential backoff: `base` before the second attempt, doubling after each, at most an hour. */
export function retryDelayMs(attemptsMade: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(attemptsMade - 1, 0), MAX_RETRY_DELAY_MS);
}
