import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { signDelivery } from '../../src/triggers/webhook-signature.js';
import { newPipeline, newTenant, savePipeline, uniqueName, waitForRun } from '../support/builders.js';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from '../support/processes.js';
import { checkInvariants } from './invariants.js';

/**
 * Issue 18, test 6: the API dies (SIGKILL, at the test-only fault point `trigger.after-record`) after
 * it recorded a webhook delivery and before its 2xx; the sender retries the same delivery id on the
 * restarted API. Exactly one run must exist for the delivery, and it must finish.
 *
 * EXPECTED TO FAIL until the run ledger lands: today `receiveHook` claims the delivery (naming the
 * run id it is about to start) and starts the run in a separate step, so the retry answers
 * `duplicate` with a run that was never created. The ledger's change makes claim and run one
 * transaction.
 */
describe('webhook handler crash', () => {
  const processes: BatonProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  });

  async function api(env: Record<string, string>): Promise<BatonProcess> {
    const p = spawnBaton('api', env);
    processes.push(p);
    try {
      await waitForHttp(`http://127.0.0.1:${env.PORT}/readyz`, 60_000, () => p.child.exitCode === null);
    } catch (error) {
      console.error(p.output());
      throw error;
    }
    return p;
  }

  it('starts exactly one run for a delivery whose first attempt killed the API before its 2xx', async () => {
    const tenant = await newTenant();
    const pipeline = uniqueName('hooked');
    await savePipeline(
      tenant,
      newPipeline(
        pipeline,
        { hello: { uses: 'core/echo@^1', with: { order: '${{ inputs.orderId }}' } } },
        { inputs: { orderId: { type: 'integer' } }, required: ['orderId'] },
      ),
    );
    const { body: trigger } = await tenant
      .post('/v1/triggers', { type: 'webhook', pipeline, inputs: '{ "orderId": body.order.id }' })
      .expect(201);

    const port = String(await freePort());
    const env = { ...inject('apiEnv'), PORT: port, NODE_ENV: 'test' };
    const delivery = randomUUID();
    const raw = JSON.stringify({ order: { id: 7 } });
    const deliver = () => {
      const timestamp = Math.floor(Date.now() / 1000);
      return fetch(`http://127.0.0.1:${port}${new URL(trigger.url).pathname}`, {
        method: 'POST',
        body: raw,
        signal: AbortSignal.timeout(30_000),
        headers: {
          'content-type': 'application/json',
          'x-baton-delivery': delivery,
          'x-baton-timestamp': String(timestamp),
          'x-baton-signature': signDelivery(trigger.secret, timestamp, delivery, raw),
        },
      });
    };

    const faulty = await api({ ...env, BATON_FAULT_POINT: 'trigger.after-record' });
    const exited = new Promise((resolve) => faulty.child.once('exit', (_code, signal) => resolve(signal)));
    await expect(deliver(), 'the connection drops: no 2xx reached the sender').rejects.toThrow();
    expect(await exited).toBe('SIGKILL');

    await api(env);
    const retry = await deliver();
    const answer = (await retry.json()) as { runId?: string; duplicate?: boolean };
    expect([200, 202], JSON.stringify(answer)).toContain(retry.status);

    const db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    let runIds: string[];
    try {
      runIds = (
        await db.query<{ id: string }>('SELECT id FROM run WHERE tenant_id = $1 AND pipeline_name = $2', [tenant.tenantId, pipeline])
      ).rows.map((r) => r.id);
    } finally {
      await db.end();
    }
    expect(runIds, `runs for delivery ${delivery} (the retry answered ${retry.status} ${JSON.stringify(answer)})`).toEqual([answer.runId]);
    expect((await waitForRun(tenant, answer.runId!)).status).toBe('succeeded');

    const violations = await checkInvariants(inject('databaseUrl'), inject('temporalAddress'), { tenantIds: [tenant.tenantId] });
    expect(violations).toEqual([]);
  });
});
