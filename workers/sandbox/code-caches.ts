import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CodeCacheFile } from './sandbox-protocol.js';

/** Makes V8's code cache of one pinned bundle; undefined when it cannot (the bundle is not self-contained, or broken). */
export type CompileBundle = (entry: string, digest: string) => Promise<Buffer | undefined>;

/**
 * V8 code caches of plugin bundles, one per digest, for the step processes of one sandbox. A cache
 * is made once, after the first step process of its digest started without one, by a process of
 * its own that compiles the bundle and runs none of it (`--compile`): a cache is bytecode V8 trusts,
 * so none ever comes from a process that ran plugin code, where a plugin could have shaped it for
 * the next tenant's process. Files are written by the worker alone, in a folder of this sandbox's
 * own (mode 0755, files 0644: step processes read them, each granted only its own file); they hold
 * nothing a step process could not already read, the bundle itself.
 */
export class CodeCaches {
  private folder: string | undefined;
  /** Per digest: the file once written, null when it cannot be made, a promise while it is being made. */
  private readonly byDigest = new Map<string, CodeCacheFile | null | Promise<void>>();

  constructor(
    private readonly parent: string,
    private readonly compile: CompileBundle,
  ) {}

  /** The cache of the digest if it has been made; undefined otherwise (`make` makes it). */
  find(digest: string | undefined): CodeCacheFile | undefined {
    const known = digest === undefined ? undefined : this.byDigest.get(digest);
    return known && !(known instanceof Promise) ? known : undefined;
  }

  /** Makes the digest's cache unless it is made, being made, or cannot be; resolves once that is settled. */
  make(entry: string, digest: string | undefined): Promise<void> {
    if (digest === undefined) return Promise.resolve();
    const known = this.byDigest.get(digest);
    if (known instanceof Promise) return known;
    if (known !== undefined) return Promise.resolve();
    // A failure to start or to write is tried again by the next cold start; a bundle that cannot be cached is not.
    const making = this.write(entry, digest).then(
      (file) => void this.byDigest.set(digest, file),
      () => void this.byDigest.delete(digest),
    );
    this.byDigest.set(digest, making);
    return making;
  }

  get size(): number {
    return [...this.byDigest.values()].filter((known) => known && !(known instanceof Promise)).length;
  }

  /** At shutdown, once every process is gone. */
  close(): void {
    if (this.folder) rmSync(this.folder, { recursive: true, force: true });
    this.folder = undefined;
    this.byDigest.clear();
  }

  private async write(entry: string, digest: string): Promise<CodeCacheFile | null> {
    // The digest names the file: nothing but a well-formed one may.
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) return null;
    const cache = await this.compile(entry, digest);
    if (!cache) return null;
    const path = join(this.ensureFolder(), `${digest.replace(/^sha256:/, '')}.v8cache`);
    // Written whole under another name first: a process never reads half a cache.
    await writeFile(`${path}.partial`, cache, { mode: 0o644 });
    await rename(`${path}.partial`, path);
    return { digest, path };
  }

  private ensureFolder(): string {
    if (!this.folder) {
      mkdirSync(this.parent, { recursive: true, mode: 0o711 });
      this.folder = mkdtempSync(join(this.parent, 'code-cache-'));
      chmodSync(this.folder, 0o755);
    }
    return this.folder;
  }
}
