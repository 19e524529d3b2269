import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSecretNowhere } from './support/secret-leaks.js';
import { startFakeS3, type FakeS3 } from './support/fake-s3.js';
import {
  api,
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  stepOf,
  uniqueName,
  waitForRun,
  type TestTenant,
} from './support/builders.js';

/**
 * The s3 plugin against gofakes3 (its own, not the stack's artifact store, which the broker refuses
 * as one of the installation's services), reached through the worker's egress broker: 127.0.0.1
 * is allowed by the stack's EGRESS_ALLOW_CIDRS, as an operator would allow a MinIO on a private network.
 */
describe('s3 connector', () => {
  let fake: FakeS3;
  let tenant: TestTenant;
  const secretKey = `s3-secret-${randomUUID()}`;
  const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const object = (key: string) => `${fake.endpoint}/${fake.bucket}/${key}`;
  const connection = () => ({
    endpoint: fake.endpoint,
    pathStyle: true,
    bucket: fake.bucket,
    credentials: { accessKeyId: '${{ secrets.S3_KEY_ID }}', secretAccessKey: '${{ secrets.S3_SECRET_KEY }}' },
  });

  beforeAll(async () => {
    fake = await startFakeS3(`landing-${randomUUID().slice(0, 8)}`);
    tenant = await newTenant();
    for (const [name, value] of [
      ['S3_KEY_ID', 'AKIDBATONE2E'],
      ['S3_SECRET_KEY', secretKey],
    ])
      await api().put(`/v1/secrets/${name}`).set('authorization', `Bearer ${tenant.token}`).send({ value }).expect(201);
  });
  afterAll(() => fake?.stop());

  it('puts text and an artifact, lists them, gets one back and reads it as a dataset', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('s3-trip'), {
        csv: {
          uses: 'files/write@^1',
          with: {
            path: 'out/orders.csv',
            rows: [
              { id: 1, total: 9.5 },
              { id: 2, total: 3 },
            ],
          },
        },
        upload: {
          uses: 's3/put@^1',
          needs: ['csv'],
          with: { ...connection(), key: 'in/2026-11-24/orders.csv', artifact: '${{ steps.csv.outputs }}' },
        },
        note: { uses: 's3/put@^1', with: { ...connection(), key: 'in/2026-11-24/_SUCCESS', text: 'done' } },
        list: { uses: 's3/list@^1', needs: ['upload', 'note'], with: { ...connection(), prefix: 'in/' } },
        download: { uses: 's3/get@^1', needs: ['list'], with: { ...connection(), key: '${{ steps.list.outputs.keys[-1].key }}' } },
        read: {
          uses: 'files/read@^1',
          needs: ['download'],
          with: { path: '${{ steps.download.outputs.artifact }}', cast: true, as: 'rows' },
        },
      }),
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const csv = 'id,total\n1,9.5\n2,3\n';
    expect(stepOf(run, 'upload').outputs).toMatchObject({
      bytes: csv.length,
      sha256: sha256(Buffer.from(csv)),
      contentType: 'text/csv; charset=utf-8',
      parts: 1,
    });
    expect(await (await fetch(object('in/2026-11-24/orders.csv'))).text()).toBe(csv);
    expect(stepOf(run, 'list').outputs).toMatchObject({
      count: 2,
      truncated: false,
      keys: [
        { key: 'in/2026-11-24/_SUCCESS', size: 4, etag: expect.any(String) },
        { key: 'in/2026-11-24/orders.csv', size: csv.length, lastModified: expect.stringMatching(/^20\d\d-/) },
      ],
    });
    expect(stepOf(run, 'download').outputs).toMatchObject({
      artifact: expect.stringMatching(new RegExp(`^runs/${run.id}/.+/orders\\.csv$`)),
      bytes: csv.length,
      sha256: sha256(Buffer.from(csv)),
      key: 'in/2026-11-24/orders.csv',
    });
    expect(stepOf(run, 'read').outputs).toMatchObject({
      count: 2,
      rows: [
        { id: 1, total: 9.5 },
        { id: 2, total: 3 },
      ],
    });
  });

  it('moves an object over 8 MiB in parts both ways: ranged GETs in, a multipart upload out', async () => {
    const big = randomBytes(9 * 1024 * 1024 + 17);
    expect((await fetch(object('big/source.bin'), { method: 'PUT', body: big })).status).toBe(200);
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('s3-big'), {
        get: { uses: 's3/get@^1', with: { ...connection(), key: 'big/source.bin' } },
        put: { uses: 's3/put@^1', needs: ['get'], with: { ...connection(), key: 'big/copy.bin', artifact: '${{ steps.get.outputs }}' } },
      }),
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(stepOf(run, 'get').outputs).toMatchObject({ bytes: big.length, sha256: sha256(big) });
    const logs = (await tenant.get(`/v1/runs/${run.id}/logs?step=get`).expect(200)).body.items as Array<{ message: string }>;
    expect(logs.map((l) => l.message)).toEqual([expect.stringContaining(`(${big.length} bytes in 2 part(s))`)]);
    expect(stepOf(run, 'put').outputs).toMatchObject({ bytes: big.length, parts: 2 });
    expect(Buffer.from(await (await fetch(object('big/copy.bin'))).arrayBuffer()).equals(big)).toBe(true);
  });

  it('waits for a key put later, and times out for good on one that never comes', async () => {
    const name = uniqueName('s3-sensor');
    await savePipeline(
      tenant,
      newPipeline(name, {
        arrived: { uses: 's3/wait-for@^1', with: { ...connection(), prefix: 'drop/late/', pollSeconds: 1, timeoutSeconds: 60 } },
        never: {
          uses: 's3/wait-for@^1',
          continueOnError: true,
          with: { ...connection(), key: 'drop/never.csv', pollSeconds: 1, timeoutSeconds: 2 },
        },
      }),
    );
    const id = await startRun(tenant, name);
    await waitForRun(tenant, id, (r) => stepOf(r, 'arrived').status === 'running');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await fetch(object('drop/late/part-0.csv'), { method: 'PUT', body: 'a\n' })).status).toBe(200);
    const run = await waitForRun(tenant, id);
    expect(stepOf(run, 'arrived')).toMatchObject({ status: 'succeeded', outputs: { found: true, key: 'drop/late/part-0.csv', size: 2 } });
    expect((stepOf(run, 'arrived').outputs as { polls: number }).polls).toBeGreaterThan(1);
    expect(stepOf(run, 'never')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { stepCode: 's3_wait_timeout', message: expect.stringContaining(`Nothing at s3://${fake.bucket}/drop/never.csv after 2 s`) },
    });
  });

  it('fails at once, without retries, on a key that does not exist', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('s3-missing'), { get: { uses: 's3/get@^1', with: { ...connection(), key: 'no/such.csv' } } }),
    );
    expect(stepOf(run, 'get')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: {
        stepCode: 's3_NoSuchKey',
        message: expect.stringContaining(`S3 GetObject s3://${fake.bucket}/no/such.csv failed: NoSuchKey`),
      },
    });
  });

  it('refuses bad input when the pipeline is validated', async () => {
    const response = await tenant
      .post(
        '/v1/pipelines/validate',
        newPipeline('s3-bad', {
          a: { uses: 's3/get@^1', with: { ...connection(), bucket: 'Not A Bucket' } },
          b: { uses: 's3/wait-for@^1', with: { ...connection(), key: 'k', pollSeconds: 0 } },
          c: { uses: 's3/list@^1', with: { ...connection(), prefix: '${{ secrets.S3_SECRET_KEY }}' } },
        }),
      )
      .expect(422);
    expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['steps.a.with.bucket', 'steps.a.with.key', 'steps.b.with.pollSeconds', 'steps.c.with.prefix']),
    );
  });

  it('stops a wait-for when the run is cancelled', async () => {
    const name = uniqueName('s3-cancel');
    await savePipeline(
      tenant,
      newPipeline(name, {
        wait: { uses: 's3/wait-for@^1', with: { ...connection(), key: 'never/x', pollSeconds: 30, timeoutSeconds: 300 } },
      }),
    );
    const id = await startRun(tenant, name);
    await waitForRun(tenant, id, (r) => stepOf(r, 'wait').status === 'running');
    const cancelledAt = Date.now();
    await tenant.post(`/v1/runs/${id}/cancel`).expect(202);
    const run = await waitForRun(tenant, id, undefined, 20_000);
    expect(run.status).toBe('cancelled');
    expect(stepOf(run, 'wait').status).toBe('cancelled');
    expect(Date.now() - cancelledAt).toBeLessThan(10_000);
  });

  it('never shows the secret key: not in outputs, events, logs or the processes’ logs', async () => {
    await expectSecretNowhere(tenant, secretKey, 4);
  });
});
