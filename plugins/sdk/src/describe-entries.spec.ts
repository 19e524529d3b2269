import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeEntries } from './describe-entries.js';

const coreEntry = fileURLToPath(new URL('../../core/src/index.ts', import.meta.url));

describe(describeEntries.name, () => {
  it('describes each entry in order', async () => {
    const [core] = await describeEntries([coreEntry]);

    expect(core).toMatchObject({ name: 'core', version: '1.0.0', apiVersion: 1 });
    expect(core!.steps.map((step) => step.id)).toEqual(['echo', 'log', 'sleep', 'fail']);
  });

  it('names every entry it could not describe', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'describe-'));
    const notAPlugin = join(dir, 'not-a-plugin.mjs');
    await writeFile(notAPlugin, 'export default { name: "Nope" };\n');

    await expect(describeEntries([coreEntry, notAPlugin, join(dir, 'missing.mjs')])).rejects.toThrow(
      /not-a-plugin\.mjs: invalid plugin: apiVersion must be 1.*\n.*missing\.mjs: /s,
    );
  });
});
