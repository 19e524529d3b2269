import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactHandler, LocalArtifactStore } from './artifact-store.js';

const tenantA = '00000000-0000-4000-8000-00000000000a';
const tenantB = '00000000-0000-4000-8000-00000000000b';

describe(LocalArtifactStore.name, () => {
  const store = new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'baton-artifacts-')));

  it("keeps each tenant's artifacts apart under the same key", async () => {
    const ref = await store.put(tenantA, 'exports/day.csv', Buffer.from('a,b\n'), 'text/csv');
    expect(ref).toMatchObject({
      artifact: 'exports/day.csv',
      bytes: 4,
      sha256: expect.stringMatching(/^sha256:/),
      contentType: 'text/csv',
    });
    expect((await store.get(tenantA, 'exports/day.csv'))?.toString()).toBe('a,b\n');
    expect(await store.get(tenantB, 'exports/day.csv')).toBeUndefined();
  });

  it.each(['../escape', 'a/../../b', '/etc/passwd', 'a//b', '.hidden/../x', 'a/./b', '', 'x'.repeat(200)])(
    'refuses the key %j',
    async (key) => {
      const handle = artifactHandler(store, tenantA);
      expect(await handle({ op: 'get', key })).toMatchObject({ ok: false, message: expect.stringContaining('must be a relative path') });
      expect(await handle({ op: 'put', key, body: Buffer.from('x'), contentType: 'text/plain' })).toMatchObject({ ok: false });
    },
  );

  it('answers a step: put, then get in the same tenant only', async () => {
    const a = artifactHandler(store, tenantA);
    expect(await a({ op: 'put', key: 'runs/r/x.txt', body: Buffer.from('hi'), contentType: 'text/plain' })).toMatchObject({
      ok: true,
      ref: { bytes: 2 },
    });
    expect(await a({ op: 'get', key: 'runs/r/x.txt' })).toEqual({ ok: true, body: Buffer.from('hi') });
    expect(await artifactHandler(store, tenantB)({ op: 'get', key: 'runs/r/x.txt' })).toEqual({
      ok: false,
      message: 'no artifact runs/r/x.txt',
    });
  });
});
