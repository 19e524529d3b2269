import { describe, expect, it } from 'vitest';
import { checkDelivery, triggerSecret } from '../triggers/webhook-signature.js';
import { alertPayload, channelSecret, retryDelayMs, signedHeaders } from './alert-payload.js';

describe('alert payloads', () => {
  it('signs a delivery so that the inbound-webhook check accepts it, and nothing else', () => {
    const secret = channelSecret('installation-key', 'channel-1', 1);
    const body = JSON.stringify({ id: 'a', type: 'run.failed' });
    const now = 1_800_000_000_000;
    const headers = signedHeaders(secret, 'delivery-1', 'run.failed', body, now);
    expect(headers['x-baton-delivery']).toBe('delivery-1');
    expect(checkDelivery(secret, Buffer.from(body), headers, now)).toBe('ok');
    expect(checkDelivery(secret, Buffer.from(`${body} `), headers, now)).toBe('mismatch');
    expect(checkDelivery(secret, Buffer.from(body), { ...headers, 'x-baton-delivery': 'delivery-2' }, now)).toBe('mismatch');
    expect(checkDelivery(channelSecret('installation-key', 'channel-1', 2), Buffer.from(body), headers, now)).toBe('mismatch');
  });

  it('derives channel secrets apart from trigger secrets of the same id', () => {
    expect(channelSecret('k', 'id-1', 1)).not.toBe(triggerSecret('k', 'id-1', 1));
    expect(channelSecret('k', 'id-1', 1)).not.toBe(channelSecret('k', 'id-2', 1));
  });

  it('backs off exponentially, up to an hour', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 10_000))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(retryDelayMs(30, 10_000)).toBe(3_600_000);
  });

  it('carries the run, its link and the step when there is one', () => {
    const alert = {
      id: 'a1',
      tenantId: 't1',
      type: 'quality.failed' as const,
      pipeline: 'p',
      runId: 'r1',
      stepId: 'check',
      message: 'm',
      data: { x: 1 },
      occurredAt: new Date(0),
      createdAt: new Date(0),
    };
    expect(alertPayload(alert, 'failed', 'https://baton.example')).toEqual({
      id: 'a1',
      type: 'quality.failed',
      occurredAt: '1970-01-01T00:00:00.000Z',
      tenant: 't1',
      pipeline: 'p',
      run: { id: 'r1', status: 'failed', url: 'https://baton.example/v1/runs/r1' },
      step: 'check',
      message: 'm',
      data: { x: 1 },
    });
    expect(alertPayload({ ...alert, stepId: null }, 'failed', 'https://b')).not.toHaveProperty('step');
  });
});
