import { describe, expect, it } from 'vitest';
import { describePlugin, runStepForTest } from '../../sdk/src/index.js';
import { getStep } from './get.step.js';
import s3 from './index.js';
import { listStep } from './list.step.js';
import { putStep } from './put.step.js';
import { PART_BYTES } from './s3-client.js';
import { error, S3Stub, stubConnection } from './s3-stub.test-support.js';

const connection = stubConnection();
const SECRET = connection.credentials.secretAccessKey;

describe('s3/list', () => {
  it('pages through keys under a prefix, decoding URL-encoded keys, up to maxKeys', async () => {
    const stub = new S3Stub();
    for (let i = 0; i < 2_500; i++) stub.put(`in/${String(i).padStart(4, '0')} day+.csv`, 'x'.repeat(i % 7));
    stub.put('other/z', 'z');
    const all = await runStepForTest(listStep, { ...connection, prefix: 'in/', maxKeys: 5_000 }, { http: stub.transport });
    expect(all).toMatchObject({ ok: true, outputs: { count: 2_500, truncated: false, prefixes: [] } });
    const keys = all.ok ? (all.outputs.keys as Array<{ key: string }>) : [];
    expect(keys[0]).toEqual({
      key: 'in/0000 day+.csv',
      size: 0,
      etag: expect.stringMatching(/^[0-9a-f]{32}$/),
      lastModified: '2026-11-24T09:00:00.000Z',
    });
    expect(stub.requests.map((r) => new URL(r.url).searchParams.get('max-keys'))).toEqual(['1000', '1000', '1000']);

    const some = await runStepForTest(listStep, { ...connection, prefix: 'in/', maxKeys: 1_200 }, { http: stub.transport });
    expect(some).toMatchObject({ ok: true, outputs: { count: 1_200, truncated: true } });
  });

  it('fails for good on a bucket that does not exist, and refuses bad input', async () => {
    const stub = new S3Stub();
    expect(await runStepForTest(listStep, { ...connection, bucket: 'nope' }, { http: stub.transport })).toMatchObject({
      ok: false,
      error: { retryable: false, stepCode: 's3_NoSuchBucket', message: expect.stringContaining('s3://nope') },
    });
    for (const bad of [{ bucket: 'No_Caps' }, { maxKeys: 10_000 }, { endpoint: 'http://s3.test/path' }, { credentials: {} }, { acl: 'x' }])
      expect(await runStepForTest(listStep, { ...connection, ...bad }, { http: stub.transport })).toMatchObject({
        ok: false,
        error: { code: 'invalid_input' },
      });
  });

  it('declares its credentials secret and any host as egress', () => {
    const manifest = describePlugin(s3);
    expect(manifest.steps.map((s) => s.id)).toEqual(['list', 'get', 'put', 'wait-for']);
    for (const step of manifest.steps) {
      expect(step.egress).toEqual(['*']);
      const credentials = (step.inputSchema as { properties: Record<string, { properties: Record<string, object> }> }).properties
        .credentials;
      for (const field of ['accessKeyId', 'secretAccessKey', 'sessionToken'])
        expect(credentials.properties[field]).toMatchObject({ 'x-baton-secret': true });
    }
  });
});

describe('s3/get', () => {
  it('reads an object in ranged parts into an artifact, pinned to its ETag', async () => {
    const stub = new S3Stub();
    const body = Buffer.alloc(PART_BYTES * 2 + 5, 7);
    stub.put('exports/big.bin', body, 'application/x-thing');
    const result = await runStepForTest(getStep, { ...connection, key: 'exports/big.bin' }, { http: stub.transport, runId: 'r1' });
    expect(result).toMatchObject({
      ok: true,
      outputs: {
        artifact: 'runs/r1/r1_get/big.bin',
        bytes: body.length,
        sha256: expect.stringMatching(/^sha256:/),
        contentType: 'application/x-thing',
        bucket: 'data',
        key: 'exports/big.bin',
        etag: stub.objects.get('exports/big.bin')!.etag,
        lastModified: '2026-11-24T09:00:00.000Z',
      },
    });
    expect(result.artifacts['runs/r1/r1_get/big.bin'].equals(body)).toBe(true);
    expect(stub.requests.map((r) => Object.fromEntries(r.headers).range)).toEqual([
      `bytes=0-${PART_BYTES - 1}`,
      `bytes=${PART_BYTES}-${2 * PART_BYTES - 1}`,
      `bytes=${2 * PART_BYTES}-${3 * PART_BYTES - 1}`,
    ]);
    expect(
      stub.requests.slice(1).every((r) => Object.fromEntries(r.headers)['if-match'] === `"${stub.objects.get('exports/big.bin')!.etag}"`),
    ).toBe(true);
    expect(result.lineage).toEqual([
      { direction: 'input', namespace: 's3://data', name: 'exports/big.bin' },
      { direction: 'output', namespace: 'baton-artifacts', name: 'runs/r1/r1_get/big.bin' },
    ]);
  });

  it('keeps an empty object, and names the artifact as asked', async () => {
    const stub = new S3Stub();
    stub.put('empty.txt', '');
    expect(
      await runStepForTest(getStep, { ...connection, key: 'empty.txt', artifact: 'landing/empty.txt' }, { http: stub.transport }),
    ).toMatchObject({
      ok: true,
      outputs: { artifact: 'landing/empty.txt', bytes: 0 },
    });
  });

  it('refuses an object over maxBytes after its first part, and fails retryably when it changes mid-read', async () => {
    const stub = new S3Stub();
    stub.put('big', Buffer.alloc(PART_BYTES + 1));
    expect(await runStepForTest(getStep, { ...connection, key: 'big', maxBytes: 1_000 }, { http: stub.transport })).toMatchObject({
      ok: false,
      error: { retryable: false, stepCode: 's3_object_too_large' },
    });
    expect(stub.requests).toHaveLength(1);
    stub.intercept = (request) => {
      // Another writer replaces the object between the first part and the second.
      if (Object.fromEntries(request.headers)['if-match']) stub.put('big', 'replaced');
      return undefined;
    };
    expect(await runStepForTest(getStep, { ...connection, key: 'big' }, { http: stub.transport })).toMatchObject({
      ok: false,
      error: { retryable: true, stepCode: 's3_object_changed' },
    });
  });

  it('maps errors: NoSuchKey and SignatureDoesNotMatch for good, SlowDown retryably; no secret in any', async () => {
    const stub = new S3Stub();
    const missing = await runStepForTest(getStep, { ...connection, key: 'nope.csv' }, { http: stub.transport });
    expect(missing).toMatchObject({
      ok: false,
      error: {
        retryable: false,
        stepCode: 's3_NoSuchKey',
        message: 'S3 GetObject s3://data/nope.csv failed: NoSuchKey: The specified key does not exist. (HTTP 404)',
      },
    });
    stub.intercept = () => error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match');
    const forged = await runStepForTest(getStep, { ...connection, key: 'x' }, { http: stub.transport });
    expect(forged).toMatchObject({ ok: false, error: { retryable: false, stepCode: 's3_SignatureDoesNotMatch' } });
    stub.intercept = () => error(503, 'SlowDown', 'Please reduce your request rate.');
    expect(await runStepForTest(getStep, { ...connection, key: 'x' }, { http: stub.transport })).toMatchObject({
      ok: false,
      error: { retryable: true, stepCode: 's3_SlowDown' },
    });
    expect(JSON.stringify([missing, forged])).not.toContain(SECRET);
    expect(stub.requests.every((r) => !r.url.includes(SECRET) && !JSON.stringify(r.headers).includes(SECRET))).toBe(true);
  });

  it('times out retryably, and reports an unreachable service as a retryable network error', async () => {
    const hang = (_request: unknown, signal: AbortSignal) =>
      new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
    expect(await runStepForTest(getStep, { ...connection, key: 'k', timeoutMs: 1_000 }, { http: hang })).toMatchObject({
      ok: false,
      error: { retryable: true, stepCode: 's3_timeout' },
    });
    const refused = async () => ({
      ok: false as const,
      code: 'request_failed' as const,
      message: 'connect ECONNREFUSED',
      errno: 'ECONNREFUSED',
    });
    expect(await runStepForTest(getStep, { ...connection, key: 'k' }, { http: refused })).toMatchObject({
      ok: false,
      error: { retryable: true, stepCode: 's3_network', message: 'S3 GetObject s3://data/k failed: ECONNREFUSED' },
    });
  });
});

describe('s3/put', () => {
  it('uploads inline text or an artifact reference, with its content type and metadata', async () => {
    const stub = new S3Stub();
    const text = await runStepForTest(
      putStep,
      { ...connection, key: 'out/hello.txt', text: 'hello', metadata: { run: 'r1' } },
      { http: stub.transport },
    );
    expect(text).toMatchObject({
      ok: true,
      outputs: { bytes: 5, parts: 1, contentType: 'text/plain; charset=utf-8', etag: stub.objects.get('out/hello.txt')!.etag },
    });
    expect(Object.fromEntries(stub.requests[0].headers)['x-amz-meta-run']).toBe('r1');
    const ref = {
      artifact: 'exports/daily.csv',
      bytes: 4,
      sha256: 'sha256:x',
      contentType: 'text/csv; charset=utf-8',
      format: 'csv',
      rows: 1,
    };
    const fromRef = await runStepForTest(
      putStep,
      { ...connection, key: 'out/daily.csv', artifact: ref },
      { http: stub.transport, artifacts: { 'exports/daily.csv': 'a,b\n' } },
    );
    expect(fromRef).toMatchObject({ ok: true, outputs: { bytes: 4, contentType: 'text/csv; charset=utf-8' } });
    expect(stub.objects.get('out/daily.csv')!.body.toString()).toBe('a,b\n');
    expect(fromRef.lineage).toEqual([
      { direction: 'input', namespace: 'baton-artifacts', name: 'exports/daily.csv' },
      { direction: 'output', namespace: 's3://data', name: 'out/daily.csv' },
    ]);
  });

  it('uploads over 8 MiB in parts, and aborts the upload when a part fails', async () => {
    const stub = new S3Stub();
    const body = Buffer.alloc(PART_BYTES * 2 + 3, 1);
    const artifacts = { 'big.bin': body };
    const ok = await runStepForTest(putStep, { ...connection, key: 'big.bin', artifact: 'big.bin' }, { http: stub.transport, artifacts });
    expect(ok).toMatchObject({ ok: true, outputs: { parts: 3, bytes: body.length, etag: expect.stringMatching(/-3$/) } });
    expect(stub.objects.get('big.bin')!.body.equals(body)).toBe(true);

    stub.intercept = (request, url) => (url.searchParams.get('partNumber') === '2' ? error(500, 'InternalError', 'oops') : undefined);
    const failed = await runStepForTest(
      putStep,
      { ...connection, key: 'big2.bin', artifact: 'big.bin' },
      { http: stub.transport, artifacts },
    );
    expect(failed).toMatchObject({ ok: false, error: { retryable: true, stepCode: 's3_InternalError' } });
    expect(stub.requests.at(-1)!.method).toBe('DELETE');
    expect(stub.uploads.size).toBe(0);
    expect(stub.objects.has('big2.bin')).toBe(false);
  });

  it('takes exactly one of artifact and text', async () => {
    for (const bad of [{}, { text: 'a', artifact: 'b' }])
      expect(await runStepForTest(putStep, { ...connection, key: 'k', ...bad })).toMatchObject({
        ok: false,
        error: { code: 'invalid_input' },
      });
  });
});
