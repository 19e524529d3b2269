import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { S3ArtifactStore } from '../src/runtime/artifacts/s3-artifact-store.js';
import { sweepOrphanArtifacts } from '../src/runtime/artifacts/artifact-sweep.js';
import { RunArtifactsRepository } from '../src/runtime/artifacts/run-artifacts.repository.js';
import { pgSql } from '../src/runtime/database/sql.js';
import { api, newPipeline, newTenant, runToEnd, startRun, uniqueName, waitForRun, type TestTenant } from './support/builders.js';

const rows = Array.from({ length: 200 }, (_, i) => ({ id: i, name: `row ${i}`, amount: i * 1.5 }));
const writer = (name: string, path: string) =>
  newPipeline(
    name,
    { export: { uses: 'files/write@^1', with: { path, rows } } },
    { outputs: { sha: '${{ steps.export.outputs.sha256 }}' } },
  );

describe("a run's artifacts through the API", () => {
  let tenant: TestTenant;
  let other: TestTenant;
  let db: pg.Pool;
  beforeAll(async () => {
    [tenant, other] = [await newTenant(), await newTenant()];
    db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
  });
  afterAll(() => db.end());

  const download = (runId: string, name: string, who = tenant) =>
    api()
      .get(`/v1/runs/${runId}/artifacts/${encodeURIComponent(name)}`)
      .set('authorization', `Bearer ${who.apiKey}`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });

  it('lists what the steps stored and streams it whole or by range, within the tenant only', async () => {
    const name = uniqueName('export');
    const key = `exports/${name}/daily.csv`;
    const run = await runToEnd(tenant, writer(name, key));
    expect(run.status).toBe('succeeded');

    const listed = (await tenant.get(`/v1/runs/${run.id}/artifacts`).expect(200)).body.items;
    expect(listed).toEqual([
      {
        name: key,
        step: 'export',
        bytes: expect.any(Number),
        sha256: run.outputs!.sha,
        contentType: expect.stringMatching(/^text\/csv/),
        createdAt: expect.any(String),
        replacedBy: null,
      },
    ]);
    const whole = await download(run.id, key).expect(200);
    const csv = (whole.body as Buffer).toString();
    expect(csv.split('\n')[1]).toBe('0,row 0,0');
    expect(whole.body.length).toBe(listed[0].bytes);
    expect(whole.headers).toMatchObject({
      'accept-ranges': 'bytes',
      etag: `"${listed[0].sha256}"`,
      'content-disposition': 'attachment; filename="daily.csv"',
      'x-content-type-options': 'nosniff',
    });

    const tail = await download(run.id, key).set('range', 'bytes=-20').expect(206);
    expect((tail.body as Buffer).toString()).toBe(csv.slice(-20));
    expect(tail.headers['content-range']).toBe(`bytes ${csv.length - 20}-${csv.length - 1}/${csv.length}`);
    const middle = await download(run.id, key).set('range', 'bytes=10-19').expect(206);
    expect((middle.body as Buffer).toString()).toBe(csv.slice(10, 20));
    const outside = await download(run.id, key).set('range', `bytes=${csv.length}-`).expect(416);
    expect(outside.headers['content-range']).toBe(`bytes */${csv.length}`);

    // Another tenant: the run does not exist for it, whatever the key.
    await other.get(`/v1/runs/${run.id}/artifacts`).expect(404);
    await download(run.id, key, other).expect(404);
    await download(run.id, 'exports/nothing.csv').expect(404);
    await download(run.id, `../${other.tenantId}/${key}`).expect(404);

    // The CLI lists and downloads the same bytes.
    const work = mkdtempSync(join(tmpdir(), 'baton-artifacts-cli-'));
    try {
      const env = { PATH: process.env.PATH, BATON_URL: inject('baseUrl'), BATON_TOKEN: tenant.apiKey, BATON_CONFIG_DIR: work };
      const baton = (...args: string[]) =>
        promisify(execFile)(process.execPath, [resolve(import.meta.dirname, '../bin/baton.js'), ...args], { env });
      expect((await baton('artifacts', run.id)).stdout).toContain(key);
      await baton('artifacts', run.id, 'get', key, '-f', join(work, 'out.csv'));
      expect(readFileSync(join(work, 'out.csv'), 'utf8')).toBe(csv);
      expect((await baton('artifacts', run.id, 'get', key)).stdout).toBe(csv);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("says when a later run replaced a run's copy, and deletes the bytes with the run", async () => {
    const name = uniqueName('daily');
    const key = `exports/${name}.csv`;
    const first = await runToEnd(tenant, writer(name, key));
    const second = await waitForRun(tenant, await startRun(tenant, name));
    const replaced = await tenant.get(`/v1/runs/${first.id}/artifacts/${encodeURIComponent(key)}`).expect(410);
    expect(replaced.body).toMatchObject({ code: 'artifact_replaced', replacedBy: second.id });
    expect((await tenant.get(`/v1/runs/${first.id}/artifacts`).expect(200)).body.items[0].replacedBy).toBe(second.id);
    await download(second.id, key).expect(200);

    // The retention job's sweep, on the stack's own store (S3, gofakes3): the first run gone, its
    // key lives on in the second; both gone, the bytes go too.
    process.env.AWS_ACCESS_KEY_ID ??= 'baton-e2e';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'baton-e2e-secret';
    const store = new S3ArtifactStore({ ...inject('s3'), region: 'us-east-1', prefix: '' });
    const records = new RunArtifactsRepository(pgSql(db));
    await db.query('DELETE FROM run WHERE id = $1', [first.id]);
    await sweepOrphanArtifacts(records, store);
    await download(second.id, key).expect(200);
    expect(await store.open(tenant.tenantId, key)).toBeDefined();
    await db.query('DELETE FROM run WHERE id = $1', [second.id]);
    await sweepOrphanArtifacts(records, store);
    expect(await store.open(tenant.tenantId, key)).toBeUndefined();
    store.close();
    expect((await db.query('SELECT 1 FROM run_artifact WHERE tenant_id = $1 AND name = $2', [tenant.tenantId, key])).rowCount).toBe(0);
  });
});
