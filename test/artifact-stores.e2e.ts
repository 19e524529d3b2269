import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { artifactHandler, LocalArtifactStore, type ArtifactStore } from '../src/runtime/artifacts/artifact-store.js';
import { S3ArtifactStore } from '../src/runtime/artifacts/s3-artifact-store.js';

const tenantA = '00000000-0000-4000-8000-0000000000aa';
const tenantB = '00000000-0000-4000-8000-0000000000bb';

/** The same contract for every store: the local folder, and S3 on the stack's S3-compatible service. */
const stores: Array<[string, () => ArtifactStore]> = [
  ['a local folder', () => new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'baton-artifacts-')))],
  [
    'an S3-compatible service',
    () => {
      process.env.AWS_ACCESS_KEY_ID ??= 'baton-e2e';
      process.env.AWS_SECRET_ACCESS_KEY ??= 'baton-e2e-secret';
      const { endpoint, bucket } = inject('s3');
      return new S3ArtifactStore({ bucket, endpoint, region: 'us-east-1', prefix: `contract-${Date.now()}/` });
    },
  ],
];

describe.each(stores)('the artifact store on %s', (_name, make) => {
  it('stores bytes exactly, replaces them on a second put, and says when a key holds nothing', async () => {
    const store = make();
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 256));
    expect(await store.put(tenantA, 'runs/r1/blob.bin', bytes, 'application/octet-stream')).toMatchObject({
      artifact: 'runs/r1/blob.bin',
      bytes: 300_000,
      sha256: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect((await store.get(tenantA, 'runs/r1/blob.bin'))!.equals(bytes)).toBe(true);
    await store.put(tenantA, 'runs/r1/blob.bin', Buffer.from('second'), 'text/plain');
    expect((await store.get(tenantA, 'runs/r1/blob.bin'))!.toString()).toBe('second');
    expect(await store.get(tenantA, 'runs/r1/none.bin')).toBeUndefined();
  });

  it('streams bytes whole or by range with the full size, and deletes them (twice is fine)', async () => {
    const store = make();
    const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256));
    await store.put(tenantA, 'exports/range.bin', bytes, 'application/octet-stream');
    const read = async (opened: Awaited<ReturnType<ArtifactStore['open']>>) => {
      const chunks: Buffer[] = [];
      for await (const chunk of opened!.body) chunks.push(chunk as Buffer);
      return { size: opened!.size, bytes: Buffer.concat(chunks) };
    };
    const whole = await read(await store.open(tenantA, 'exports/range.bin'));
    expect(whole.size).toBe(100_000);
    expect(whole.bytes.equals(bytes)).toBe(true);
    const part = await read(await store.open(tenantA, 'exports/range.bin', { start: 99_990, end: 99_999 }));
    expect(part).toEqual({ size: 100_000, bytes: bytes.subarray(99_990) });
    expect(await store.open(tenantB, 'exports/range.bin')).toBeUndefined();
    await store.delete(tenantA, 'exports/range.bin');
    await store.delete(tenantA, 'exports/range.bin');
    expect(await store.open(tenantA, 'exports/range.bin')).toBeUndefined();
  });

  it('keeps tenants apart under the same key and refuses keys that climb', async () => {
    const store = make();
    await store.put(tenantA, 'shared/name.txt', Buffer.from('a'), 'text/plain');
    expect(await store.get(tenantB, 'shared/name.txt')).toBeUndefined();
    const b = artifactHandler(store, tenantB);
    expect(await b({ op: 'get', key: `../${tenantA}/shared/name.txt` })).toMatchObject({
      ok: false,
      message: expect.stringContaining('must be a relative path'),
    });
  });
});
