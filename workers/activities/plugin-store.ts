import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { sha256Digest } from '../../plugins/sdk/src/package/digest.js';
import type { SandboxGrants } from '../../plugins/sdk/src/define-plugin.js';
import { FIRST_PARTY_PUBLISHER, networkPatternsOf, type PackageManifest } from '../../plugins/sdk/src/package/package-manifest.js';

const DIGEST = /^sha256:([0-9a-f]{64})$/;
const BUNDLE_FILE = 'bundle.mjs';

/** What the sandbox needs of a bundle's signed manifest: who made it and where each step may reach. */
export interface BundleAccess {
  /** Published by the installation itself (the reserved publisher `baton`). */
  firstParty: boolean;
  /** `host:port` patterns of raw network access; the tenant approves concrete endpoints. */
  network: string[];
  egress: Record<string, string[]>;
  /** The secrets each step declares: handed in when the tenant has set them. */
  secrets: Record<string, string[]>;
  /** Each step's input schema: a pipeline's secret goes only into a field it declares secret. */
  inputSchemas: Record<string, unknown>;
  /** What the plugin's step processes may do beyond the default (scratch folder, installed modules, programs). */
  sandbox: SandboxGrants;
}

export interface FetchedBundle {
  entry: string;
  access: BundleAccess;
}

/**
 * A worker's plugin bundles, fetched from the registry (PostgreSQL) by the digest a pipeline version
 * pinned, verified, and cached on disk by digest. The sandbox re-hashes a bundle each time a process
 * loads it (`StepSandbox`), so a cached file changed on disk is never run;
 * the next step finds it changed and fetches it again.
 */
export class PluginStore {
  /** Digest → a stat fingerprint of the cached file when it was last hashed. */
  private readonly verified = new Map<string, string>();
  private readonly fetching = new Map<string, Promise<FetchedBundle | undefined>>();
  private readonly access = new Map<string, BundleAccess>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly cacheDir: string,
  ) {}

  /** Where the cache is: the sandbox's uid must be able to read it. */
  get folder(): string {
    return this.cacheDir;
  }

  /** The bundle's path and what its steps may reach, or undefined when the registry has no bundle with this digest. */
  async bundleFor(digest: string): Promise<FetchedBundle | undefined> {
    const hex = DIGEST.exec(digest)?.[1];
    if (!hex) return undefined;
    const path = join(this.cacheDir, hex, BUNDLE_FILE);
    // A file changed on disk since it was hashed (another size, inode or change time) is hashed again,
    // and fetched again if it no longer matches.
    const access = this.access.get(digest);
    if (access && this.verified.get(digest) === fingerprint(path)) return { entry: path, access };
    // Many items of one fan-out ask at once: one fetch serves them all.
    let pending = this.fetching.get(digest);
    if (!pending) {
      pending = this.load(digest, path).finally(() => this.fetching.delete(digest));
      this.fetching.set(digest, pending);
    }
    return pending;
  }

  /** The `host:port` endpoints a tenant approved for a plugin's raw connections (`PUT /v1/plugins/{name}/network`); read at each step, so a withdrawal holds at once. */
  async networkEndpoints(tenantId: string, plugin: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ network_endpoints: string[] }>(
      'SELECT network_endpoints FROM tenant_plugin WHERE tenant_id = $1 AND plugin = $2',
      [tenantId, plugin],
    );
    return rows[0]?.network_endpoints ?? [];
  }

  private async load(digest: string, path: string): Promise<FetchedBundle | undefined> {
    const cached = await readFile(path).catch(() => undefined);
    const fresh = !cached || sha256Digest(cached) !== digest;
    const rows: Array<{ content?: Buffer; manifest: Manifest }> = (
      await this.pool.query(`SELECT ${fresh ? 'content, ' : ''}manifest FROM plugin_bundle WHERE digest = $1`, [digest])
    ).rows;
    if (!rows[0]) return undefined;
    const access = accessOf(rows[0].manifest);
    this.access.set(digest, access);
    if (!fresh) {
      this.verified.set(digest, fingerprint(path));
      return { entry: path, access };
    }
    const content = rows[0].content!;
    if (sha256Digest(content) !== digest) throw new Error(`the registry's bundle for ${digest} does not match its digest`);
    await mkdir(join(path, '..'), { recursive: true });
    // Written aside and renamed: a process never loads half a bundle.
    const partial = `${path}.${randomUUID()}.partial`;
    await writeFile(partial, content, { mode: 0o444 });
    await rename(partial, path);
    this.verified.set(digest, fingerprint(path));
    return { entry: path, access };
  }
}

type Manifest = Pick<PackageManifest, 'publisher' | 'network' | 'rawNetwork' | 'sandbox'> & {
  steps: Array<{ id: string; egress: string[]; secrets: string[]; inputSchema: unknown }>;
};

function accessOf(manifest: Manifest): BundleAccess {
  return {
    firstParty: manifest.publisher === FIRST_PARTY_PUBLISHER,
    network: networkPatternsOf(manifest),
    egress: Object.fromEntries(manifest.steps.map((step) => [step.id, step.egress])),
    secrets: Object.fromEntries(manifest.steps.map((step) => [step.id, step.secrets])),
    inputSchemas: Object.fromEntries(manifest.steps.map((step) => [step.id, step.inputSchema])),
    sandbox: manifest.sandbox ?? {},
  };
}

function fingerprint(path: string): string {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}` : 'missing';
}
