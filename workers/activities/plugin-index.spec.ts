import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleDigest } from '../../plugins/sdk/src/plugin-bundles.js';
import { PluginIndex } from './plugin-index.js';

describe(PluginIndex.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-plugin-index-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const plugin = (name: string, code: string) => {
    mkdirSync(join(dir, name, 'src'), { recursive: true });
    writeFileSync(join(dir, name, 'src', 'index.js'), code);
    return join(dir, name, 'src', 'index.js');
  };

  it('finds a bundle by digest and stops finding it once its code changes on disk', () => {
    mkdirSync(join(dir, 'sdk'), { recursive: true });
    const entry = plugin('core', 'export default 1;');
    plugin('http', 'export default 2;');
    const index = new PluginIndex(dir);
    const digest = bundleDigest(entry);
    expect(index.entryFor(digest)).toBe(entry);
    expect(index.entryFor(digest)).toBe(entry);
    writeFileSync(entry, 'export default 3; // a different build');
    expect(index.entryFor(digest)).toBeUndefined();
    expect(index.entryFor(bundleDigest(entry))).toBe(entry);
  });
});
