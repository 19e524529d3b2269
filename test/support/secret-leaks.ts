import { readFileSync } from 'node:fs';
import { expect, inject } from 'vitest';
import { allEvents, type TestTenant } from './builders.js';

/**
 * A secret a connector was given is nowhere it could leak to: not in any of the tenant's runs (at
 * least `runs` of them, so the check is not vacuous), their events and logs, nor the stack's process logs.
 */
export async function expectSecretNowhere(tenant: TestTenant, secret: string, runs: number): Promise<void> {
  const items = (await tenant.get('/v1/runs?limit=100').expect(200)).body.items as Array<{ id: string }>;
  expect(items.length).toBeGreaterThanOrEqual(runs);
  for (const { id } of items) {
    expect(JSON.stringify((await tenant.get(`/v1/runs/${id}`).expect(200)).body)).not.toContain(secret);
    expect(JSON.stringify(await allEvents(tenant, id))).not.toContain(secret);
    expect(JSON.stringify((await tenant.get(`/v1/runs/${id}/logs?limit=1000`).expect(200)).body)).not.toContain(secret);
  }
  for (const file of inject('logFiles')) expect(readFileSync(file, 'utf8'), file).not.toContain(secret);
}
