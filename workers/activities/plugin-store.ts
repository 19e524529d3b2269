import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { sha256Digest } from '../../plugins/sdk/src/package/digest.js';

const DIGEST = /^sha256:([0-9a-f]{64})$/;
const BUNDLE_FILE = 'bundle.mjs';

/**
 * A worker's plugin bundles, fetched from the registry (PostgreSQL) by the digest a pipeline version
 * pinned, verified, and cached on disk by digest. The sandbox re-hashes a bundle each time a process
 * loads it (`StepSandbox`), so a cached file changed on disk is never run;
 * the next step finds it changed and fetches it again.
 */
export class PluginStore {
  /** Digest → a stat fingerprint of the cached file when it was last hashed. */
  private readonly verified = new Map<string, string>();
  private readonly fetching = new Map<string, Promise<string | undefined>>();

  constructor(private readonly pool: pg.Pool, private readonly cacheDir: string) {}

  /** The bundle's path, or undefined when the registry has no bundle with this digest. */
  async entryFor(digest: string): Promise<string | undefined> {
    const hex = DIGEST.exec(digest)?.[1];
    if (!hex) return undefined;
    const path = join(this.cacheDir, hex, BUNDLE_FILE);
    // A file changed on disk since it was hashed (another size, inode or change time) is hashed again,
    // and fetched again if it no longer matches.
    if (this.verified.get(digest) === fingerprint(path)) return path;
    // Many items of one fan-out ask at once: one fetch serves them all.
    let pending = this.fetching.get(digest);
    if (!pending) {
      pending = this.load(digest, path).finally(() => this.fetching.delete(digest));
      this.fetching.set(digest, pending);
    }
    return pending;
  }

  private async load(digest: string, path: string): Promise<string | undefined> {
    const cached = await readFile(path).catch(() => undefined);
    if (cached && sha256Digest(cached) === digest) {
      this.verified.set(digest, fingerprint(path));
      return path;
    }
    const rows: Array<{ content: Buffer }> = (await this.pool.query('SELECT content FROM plugin_bundle WHERE digest = $1', [digest])).rows;
    const content = rows[0]?.content;
    if (!content) return undefined;
    if (sha256Digest(content) !== digest) throw new Error(`the registry's bundle for ${digest} does not match its digest`);
    await mkdir(join(path, '..'), { recursive: true });
    // Written aside and renamed: a process never loads half a bundle.
    const partial = `${path}.${randomUUID()}.partial`;
    await writeFile(partial, content, { mode: 0o444 });
    await rename(partial, path);
    this.verified.set(digest, fingerprint(path));
    return path;
  }
}

function fingerprint(path: string): string {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}` : 'missing';
}
