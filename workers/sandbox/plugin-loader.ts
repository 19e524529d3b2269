/**
 * The step-runner's plugin loading (inside the sandbox): each bundle once per process, checked
 * against its pinned digest, compiled from the bytes that were checked (bundle-module.ts), with
 * the code cache the worker handed this process for that digest.
 */
import { readFileSync } from 'node:fs';
import { validatePlugin, type PluginDefinition } from '../../plugins/sdk/src/define-plugin.js';
import { loadPlugin } from '../../plugins/sdk/src/load-plugin.js';
import { sha256Digest } from '../../plugins/sdk/src/package/digest.js';
import { codeCacheOf, compileBundle, evaluateBundle } from './bundle-module.js';
import type { CodeCacheFile } from './sandbox-protocol.js';

export class PluginLoader {
  private readonly byKey = new Map<string, Promise<PluginDefinition>>();
  /** Imports by URL count up: Node keeps every module it imported, and a refused one must not come back. */
  private imports = 0;

  constructor(private readonly codeCache: CodeCacheFile | undefined) {}

  /** A load that fails is not kept: the next task loads again and reports why. */
  load(entry: string, digest: string | undefined): Promise<PluginDefinition> {
    const key = `${entry}\n${digest ?? ''}`;
    let plugin = this.byKey.get(key);
    if (!plugin) {
      plugin = this.loadPinned(entry, digest);
      this.byKey.set(key, plugin);
      plugin.catch(() => this.byKey.delete(key));
    }
    return plugin;
  }

  /**
   * A pinned bundle is read once, its digest checked, and those same bytes compiled: what changes on
   * disk after the check is never run. A bundle that imports more than Node's built-ins is imported
   * by URL instead, and checked before and after. Unpinned entries (specs' fixtures) are imported.
   */
  private async loadPinned(entry: string, digest: string | undefined): Promise<PluginDefinition> {
    if (digest === undefined) return loadPlugin(entry);
    const bytes = readPinned(entry, digest);
    const compiled = compileBundle(bytes.toString('utf8'), entry, this.cachedData(digest));
    if (compiled) return validatePlugin((await evaluateBundle(compiled)).default);
    const plugin = await loadPlugin(entry, `load=${++this.imports}`);
    readPinned(entry, digest);
    return plugin;
  }

  private cachedData(digest: string): Buffer | undefined {
    if (this.codeCache?.digest !== digest) return undefined;
    try {
      return readFileSync(this.codeCache.path);
    } catch {
      return undefined;
    }
  }
}

/**
 * For the worker's compile-only process: V8's code cache of a pinned bundle, made without running
 * a line of it, so no plugin can have shaped it. Undefined when the bundle is not self-contained.
 */
export function compileOnly(entry: string, digest: string): Buffer | undefined {
  const compiled = compileBundle(readPinned(entry, digest).toString('utf8'), entry);
  return compiled && codeCacheOf(compiled);
}

function readPinned(entry: string, digest: string): Buffer {
  const bytes = readFileSync(entry);
  const actual = sha256Digest(bytes);
  if (actual !== digest) throw new Error(`the bundle on disk is ${actual}, not the pinned ${digest}`);
  return bytes;
}
