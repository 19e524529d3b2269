import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Finds a plugin's code by the digest a run pinned, re-hashing the file whenever it changed
 * on disk, so a step never runs code other than the code its pipeline version pinned.
 */
export class PluginIndex {
  private readonly hashed = new Map<string, { mtimeMs: number; size: number; digest: string }>();

  constructor(private readonly pluginsDir: string) {}

  entryFor(digest: string): string | undefined {
    return this.entries().find((entry) => this.digestOf(entry) === digest);
  }

  private entries(): string[] {
    if (!existsSync(this.pluginsDir)) return [];
    return readdirSync(this.pluginsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'sdk')
      .map((d) => join(this.pluginsDir, d.name, 'src', 'index.js'))
      .filter((entry) => existsSync(entry));
  }

  private digestOf(entry: string): string {
    const { mtimeMs, size } = statSync(entry);
    const cached = this.hashed.get(entry);
    if (cached && cached.mtimeMs === mtimeMs && cached.size === size) return cached.digest;
    const digest = `sha256:${createHash('sha256').update(readFileSync(entry)).digest('hex')}`;
    this.hashed.set(entry, { mtimeMs, size, digest });
    return digest;
  }
}
