import pg from 'pg';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  api,
  newPipeline,
  newTenant,
  savePipeline,
  startRun,
  stepOf,
  uniqueName,
  waitForRun,
  type TestTenant,
} from './support/builders.js';

const gated = (name: string, approval: Record<string, unknown> = {}) =>
  newPipeline(
    name,
    {
      prepare: { uses: 'core/echo@^1', with: { rows: 42 } },
      gate: { needs: ['prepare'], approval: { roles: ['admin'], ...approval } },
      publish: {
        uses: 'core/echo@^1',
        needs: ['gate'],
        with: { note: '${{ steps.gate.outputs.comment }}', rows: '${{ steps.prepare.outputs.rows }}' },
      },
    },
    { outputs: { note: '${{ steps.publish.outputs.note }}' } },
  );

describe('approval steps', () => {
  let tenant: TestTenant;
  const asOwner = (path: string, body: unknown) =>
    api()
      .post(path)
      .set('authorization', `Bearer ${tenant.token}`)
      .send(body as object);
  beforeAll(async () => {
    tenant = await newTenant();
  });

  async function startWaiting(definition: { name: string }) {
    await savePipeline(tenant, definition);
    const id = await startRun(tenant, definition.name);
    return waitForRun(tenant, id, (r) => r.status === 'waiting');
  }

  it('waits for a decision by an allowed role, records who decided and why, then goes on', async () => {
    const waiting = await startWaiting(gated(uniqueName('approve')));
    expect(stepOf(waiting, 'gate').status).toBe('waiting');
    expect(stepOf(waiting, 'publish').status).toBe('queued');

    const denied = await tenant.post(`/v1/runs/${waiting.id}/approvals/gate`, { approve: true }).expect(403);
    expect(denied.body.code).toBe('approval_forbidden');
    await asOwner(`/v1/runs/${waiting.id}/approvals/gate`, { approve: true, comment: 'numbers look right' }).expect(202);

    const run = await waitForRun(tenant, waiting.id);
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toEqual({ note: 'numbers look right' });
    expect(stepOf(run, 'gate')).toMatchObject({
      status: 'succeeded',
      outputs: { approved: true, comment: 'numbers look right', by: { role: 'owner' } },
    });
    const events = await tenant.get(`/v1/runs/${run.id}/events`).expect(200);
    const decided = events.body.items.find((e: { type: string }) => e.type === 'step.approval_decided');
    expect(decided).toMatchObject({
      stepId: 'gate',
      approved: true,
      timedOut: false,
      comment: 'numbers look right',
      by: { role: 'owner', userId: expect.any(String) },
    });
    expect(events.body.items.map((e: { type: string }) => e.type)).toContain('step.waiting');
    expect((await asOwner(`/v1/runs/${run.id}/approvals/gate`, { approve: false }).expect(409)).body.code).toBe('step_not_waiting');
  });

  it('counts one of two decisions made at the same moment and answers the other 409 with the winner', async () => {
    const waiting = await startWaiting(gated(uniqueName('race')));
    const path = `/v1/runs/${waiting.id}/approvals/gate`;
    const answers = await Promise.all([
      asOwner(path, { approve: true, comment: 'ship it' }),
      asOwner(path, { approve: false, comment: 'hold on' }),
    ]);
    expect(answers.map((a) => a.status).sort(), JSON.stringify(answers.map((a) => a.body))).toEqual([202, 409]);
    const won = answers.find((a) => a.status === 202)!;
    const lost = answers.find((a) => a.status === 409)!;
    expect(won.body).toMatchObject({ runId: waiting.id, stepId: 'gate', delivered: true });
    expect(lost.body).toMatchObject({
      code: 'decision_already_made',
      decision: {
        approve: won.body.approve,
        comment: won.body.approve ? 'ship it' : 'hold on',
        by: { role: 'owner', userId: expect.any(String) },
        decidedAt: expect.any(String),
      },
    });

    const run = await waitForRun(tenant, waiting.id);
    expect(run.status).toBe(won.body.approve ? 'succeeded' : 'failed');
    expect(stepOf(run, 'gate').status).toBe(won.body.approve ? 'succeeded' : 'failed');
    const events = await tenant.get(`/v1/runs/${run.id}/events`).expect(200);
    const decided = events.body.items.filter((e: { type: string }) => e.type === 'step.approval_decided');
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({ approved: won.body.approve, comment: won.body.approve ? 'ship it' : 'hold on' });
  });

  it('delivers a decision recorded by an API that died before signalling it', { timeout: 90_000 }, async () => {
    const waiting = await startWaiting(gated(uniqueName('stranded')));
    const db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    try {
      // What an API leaves behind when it dies between recording the decision and signalling it.
      const decision = { stepId: 'gate', approve: true, comment: 'recorded, then the API died', by: { role: 'owner' } };
      await db.query(
        `INSERT INTO approval_decision (tenant_id, run_id, step_id, decision, decided_at) VALUES ($1, $2, 'gate', $3, now() - interval '1 minute')`,
        [tenant.tenantId, waiting.id, decision],
      );
      const late = await asOwner(`/v1/runs/${waiting.id}/approvals/gate`, { approve: false }).expect(409);
      expect(late.body).toMatchObject({
        code: 'decision_already_made',
        decision: { approve: true, comment: 'recorded, then the API died' },
      });

      const run = await waitForRun(tenant, waiting.id, undefined, 60_000);
      expect(run.status).toBe('succeeded');
      expect(stepOf(run, 'gate').outputs).toMatchObject({ approved: true, comment: 'recorded, then the API died' });
      const { rows } = await db.query('SELECT delivered_at FROM approval_decision WHERE run_id = $1', [waiting.id]);
      expect(rows[0].delivered_at).not.toBeNull();
    } finally {
      await db.end();
    }
  });

  it('fails the run on a rejection and skips what needed the approval', async () => {
    const waiting = await startWaiting(gated(uniqueName('reject'), { roles: ['operator'] }));
    await tenant.post(`/v1/runs/${waiting.id}/approvals/gate`, { approve: false, comment: 'totals are off' }).expect(202);
    const run = await waitForRun(tenant, waiting.id);
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'gate')).toMatchObject({
      status: 'failed',
      error: { code: 'rejected', message: expect.stringContaining('totals are off') },
    });
    expect(stepOf(run, 'publish').status).toBe('skipped');
    expect(run.error).toMatchObject({ step: 'gate', message: expect.stringContaining('totals are off') });
  });

  it('decides by onTimeout when nobody answers in time', async () => {
    const approvedName = uniqueName('timeout-approve');
    await savePipeline(tenant, gated(approvedName, { timeout: '1s', onTimeout: 'approve' }));
    const approved = await waitForRun(tenant, await startRun(tenant, approvedName));
    expect(approved.status).toBe('succeeded');
    expect(stepOf(approved, 'gate').outputs).toMatchObject({ approved: true, timedOut: true, by: null });

    const rejectedName = uniqueName('timeout-reject');
    await savePipeline(tenant, gated(rejectedName, { timeout: '1s' }));
    const rejected = await waitForRun(tenant, await startRun(tenant, rejectedName));
    expect(rejected.status).toBe('failed');
    expect(stepOf(rejected, 'gate').error).toMatchObject({ code: 'approval_timed_out' });
  });

  it('goes back to running when two parallel approvals are decided at the same moment', async () => {
    const name = uniqueName('parallel-approvals');
    await savePipeline(
      tenant,
      newPipeline(name, {
        left: { approval: { timeout: '1s', onTimeout: 'approve' } },
        right: { approval: { timeout: '1s', onTimeout: 'approve' } },
        work: { uses: 'core/sleep@^1', needs: ['left', 'right'], with: { ms: 1500 } },
      }),
    );
    const id = await startRun(tenant, name);
    const during = await waitForRun(tenant, id, (r) => stepOf(r, 'work').status === 'running');
    expect(during.status).toBe('running');
    expect((await waitForRun(tenant, id)).status).toBe('succeeded');
  });

  it('can be cancelled while waiting', async () => {
    const waiting = await startWaiting(gated(uniqueName('cancel-waiting')));
    await tenant.post(`/v1/runs/${waiting.id}/cancel`).expect(202);
    const run = await waitForRun(tenant, waiting.id);
    expect(run.status).toBe('cancelled');
    expect(stepOf(run, 'gate').status).toBe('cancelled');
    expect(stepOf(run, 'publish').status).toBe('skipped');
  });

  it('refuses unknown or non-approval steps, decisions before the step waits, other tenants and bad definitions', async () => {
    const waiting = await startWaiting(gated(uniqueName('guards')));
    await asOwner(`/v1/runs/${waiting.id}/approvals/nope`, { approve: true }).expect(404);
    await asOwner(`/v1/runs/${waiting.id}/approvals/prepare`, { approve: true }).expect(404);
    await asOwner(`/v1/runs/${waiting.id}/approvals/gate`, { approve: 'yes' }).expect(400);
    const other = await newTenant();
    await api()
      .post(`/v1/runs/${waiting.id}/approvals/gate`)
      .set('authorization', `Bearer ${other.token}`)
      .send({ approve: true })
      .expect(404);

    const early = uniqueName('early');
    await savePipeline(
      tenant,
      newPipeline(early, { nap: { uses: 'core/sleep@^1', with: { ms: 1500 } }, gate: { needs: ['nap'], approval: { timeout: '1s' } } }),
    );
    const id = await startRun(tenant, early);
    expect((await asOwner(`/v1/runs/${id}/approvals/gate`, { approve: true }).expect(409)).body.code).toBe('step_not_waiting');
    await tenant.post(`/v1/runs/${waiting.id}/cancel`).expect(202);

    const invalid = await tenant
      .post(
        '/v1/pipelines/validate',
        newPipeline('bad-approval', {
          both: { uses: 'core/echo@^1', approval: {} },
          neither: { with: {} },
          extra: { approval: { roles: ['admin'] }, with: { x: 1 }, timeout: '1m' },
        }),
      )
      .expect(422);
    expect(invalid.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['steps.both.approval', 'steps.neither.uses', 'steps.extra.with', 'steps.extra.timeout']),
    );
  });
});
