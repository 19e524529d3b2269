import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleDigest, bundleStamp, pluginEntries } from './plugin-bundles.js';

const BUILT = {
  'core/src/index.js': "import { definePlugin } from '../../sdk/src/index.js';\nimport { echoStep } from './echo.step.js';\n",
  'core/src/echo.step.js': 'export const echoStep = { id: "echo" };\n',
  'core/src/index.js.map': '{"version":3}',
  'sdk/src/index.js': 'export const definePlugin = (p) => p;\n',
  'http/src/index.js': 'export default {};\n',
};

const folders: string[] = [];

afterEach(() => {
  folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true }));
});

/** A built plugins folder in a fresh temp dir, files written in the given order. */
function pluginsFolder(files: Record<string, string> = BUILT, order = Object.keys(files)): string {
  const root = mkdtempSync(join(tmpdir(), 'baton-plugin-bundles-'));
  folders.push(root);
  for (const name of order) write(root, name, files[name]!);
  return root;
}

function write(root: string, name: string, content: string): void {
  mkdirSync(dirname(join(root, name)), { recursive: true });
  writeFileSync(join(root, name), content);
}

const coreEntry = (root: string) => join(root, 'core', 'src', 'index.js');

describe(bundleDigest.name, () => {
  it('is a sha256 digest', () => {
    expect(bundleDigest(coreEntry(pluginsFolder()))).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('changes when a file the entry imports changes, not only the entry', () => {
    const root = pluginsFolder();
    const before = bundleDigest(coreEntry(root));

    write(root, 'core/src/echo.step.js', 'export const echoStep = { id: "echo", run: () => process.exit() };\n');

    expect(bundleDigest(coreEntry(root))).not.toBe(before);
  });

  it('changes when the SDK changes, or a code file is added or renamed', () => {
    const digestAfter = (change: (root: string) => void) => {
      const root = pluginsFolder();
      change(root);
      return bundleDigest(coreEntry(root));
    };
    const original = digestAfter(() => undefined);

    expect(digestAfter((root) => write(root, 'sdk/src/index.js', 'export const definePlugin = (p) => ({ ...p, evil: true });\n'))).not.toBe(original);
    expect(digestAfter((root) => write(root, 'core/lib/extra.js', 'export {};\n'))).not.toBe(original);
    expect(digestAfter((root) => write(root, 'sdk/src/data.json', '{}'))).not.toBe(original);
    const renamed = { ...BUILT, 'core/src/echo2.step.js': BUILT['core/src/echo.step.js'] } as Record<string, string>;
    delete renamed['core/src/echo.step.js'];
    expect(bundleDigest(coreEntry(pluginsFolder(renamed)))).not.toBe(original);
  });

  it('does not depend on where the folder is, the order files were written, other plugins or source maps', () => {
    const original = bundleDigest(coreEntry(pluginsFolder()));
    const elsewhere = pluginsFolder(BUILT, Object.keys(BUILT).reverse());

    write(elsewhere, 'http/src/index.js', 'export default { changed: true };\n');
    write(elsewhere, 'core/src/index.js.map', '{"version":3,"mappings":"AAAA"}');
    write(elsewhere, 'core/README.md', 'notes');

    expect(bundleDigest(coreEntry(elsewhere))).toBe(original);
  });

  it('refuses a path that is not a built plugin entry rather than hash a whole tree', () => {
    expect(() => bundleDigest(join(pluginsFolder(), 'index.js'))).toThrow(/not a built plugin entry/);
  });
});

describe(bundleStamp.name, () => {
  it('changes when any code file of the plugin or the SDK changes, without reading them', () => {
    const root = pluginsFolder();
    const entry = coreEntry(root);
    const before = bundleStamp(entry);

    expect(bundleStamp(entry)).toBe(before);
    write(root, 'http/src/index.js', 'export default { other: "plugin" };\n');
    expect(bundleStamp(entry)).toBe(before);

    write(root, 'core/src/echo.step.js', 'export const echoStep = { id: "echo!" };\n');
    const afterSibling = bundleStamp(entry);
    expect(afterSibling).not.toBe(before);

    utimesSync(join(root, 'sdk', 'src', 'index.js'), new Date(0), new Date(0));
    expect(bundleStamp(entry)).not.toBe(afterSibling);
  });
});

describe(pluginEntries.name, () => {
  it('lists each plugin entry except the SDK, sorted', () => {
    const root = pluginsFolder();

    expect(pluginEntries(root)).toEqual([coreEntry(root), join(root, 'http', 'src', 'index.js')]);
    expect(pluginEntries(join(root, 'missing'))).toEqual([]);
  });
});
