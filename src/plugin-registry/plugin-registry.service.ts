import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import semver from 'semver';
import { PackageArchiveError, readPackageArchive, type PackageFiles } from '../../plugins/sdk/src/package/package-archive.js';
import { FIRST_PARTY_PUBLISHER, type PackageManifest } from '../../plugins/sdk/src/package/package-manifest.js';
import { ed25519PublicKey, keyIdOf } from '../../plugins/sdk/src/package/signing.js';
import type { Principal } from '../common/auth/principal.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import type { PluginCatalogView, PluginVersionView } from '../pipelines/definition/pipeline-validator.js';
import type { AddPublisherKeyBody } from './dto/plugin-registry.dto.js';
import { approvesSecret, permissionsOf, tenantAccess, usableBy } from './plugin-permissions.js';
import { readFirstPartyPackages } from './first-party-packages.js';
import { verifyPackage } from './package-verification.js';
import { PluginRegistryError } from './plugin-registry.errors.js';
import {
  PluginRegistryRepository,
  type PluginVersionRow,
  type PublisherKeyRow,
  type TenantPluginRow,
} from './plugin-registry.repository.js';

export const highest = (rows: PluginVersionRow[]) =>
  rows.filter((r) => !r.yankedAt).sort((a, b) => semver.rcompare(a.version, b.version))[0];

const versionSummary = (row: PluginVersionRow) => ({
  version: row.version,
  digest: row.digest,
  yanked: row.yankedAt !== null,
  publishedAt: row.createdAt.toISOString(),
});
const stepSummary = (manifest: PackageManifest) =>
  manifest.steps.map((s) => ({
    id: s.id,
    title: s.title,
    description: s.description,
    inputSchema: s.inputSchema,
    outputSchema: s.outputSchema,
    secrets: s.secrets,
    egress: s.egress,
  }));
const keySummary = (key: PublisherKeyRow) => ({
  id: key.id,
  publisher: key.publisher,
  createdAt: key.createdAt.toISOString(),
  revokedAt: key.revokedAt?.toISOString() ?? null,
});

@Injectable()
export class PluginRegistryService implements OnModuleInit {
  private readonly logger = new Logger(PluginRegistryService.name);

  constructor(
    private readonly registry: PluginRegistryRepository,
    @Inject(BATON_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const published = await this.publishFirstParty();
    this.logger.log(`First-party plugins: ${published.join(', ') || `none found in ${this.config.pluginsDir}`}`);
  }

  /**
   * Signs the packed first-party plugins with the installation's key and publishes them through the
   * same verification as any upload. A rebuilt plugin whose version did not change replaces the
   * digest new pipeline versions pin (development); its old bundle stays for old pins.
   */
  private async publishFirstParty(): Promise<string[]> {
    const signingKey = this.config.firstPartySigningKey();
    const packages = readFirstPartyPackages(this.config.pluginsDir, signingKey);
    if (!packages.length) return [];
    await this.registry.createPublisher(FIRST_PARTY_PUBLISHER, null, true);
    const installation = await this.registry.publisher(FIRST_PARTY_PUBLISHER);
    if (installation?.tenantId !== null)
      throw new Error(`publisher ${FIRST_PARTY_PUBLISHER} belongs to a tenant; it is reserved for this installation`);
    await this.registry.addKey(keyIdOf(ed25519PublicKey(packages[0].publicKeyPem)), FIRST_PARTY_PUBLISHER, packages[0].publicKeyPem);
    const published: string[] = [];
    for (const { files, name, version } of packages) {
      const verified = await verifyPackage(files, FIRST_PARTY_PUBLISHER, (id) => this.registry.key(id));
      const versions = await this.registry.versions(name);
      // A tenant's publisher may have taken the name before this release brought a plugin of that name.
      if (versions.length && versions[0].publisher !== FIRST_PARTY_PUBLISHER) {
        this.logger.error(`First-party plugin ${name} is not published: publisher ${versions[0].publisher} owns the name`);
        continue;
      }
      const existing = versions.find((v) => v.version === version);
      if (!existing) {
        const check = (owner: string | null) => {
          if (owner !== null && owner !== FIRST_PARTY_PUBLISHER)
            throw new PluginRegistryError('name_owned', `Plugin name ${name} belongs to ${owner}`);
        };
        await this.registry
          .insertVersion({ ...verified, manifestBytes: files.manifest, bundle: files.bundle }, check)
          .catch((error: Error) => {
            // Another API replica published it a moment ago.
            if (!/duplicate key/.test(error.message)) throw error;
          });
      } else if (existing.digest !== verified.manifest.bundle.digest) {
        this.logger.warn(
          `First-party plugin ${name}@${version} was rebuilt without a version bump: new pipeline versions pin ${verified.manifest.bundle.digest}`,
        );
        await this.registry.replaceFirstPartyVersion({ ...verified, manifestBytes: files.manifest, bundle: files.bundle });
      }
      published.push(`${name}@${version}`);
    }
    return published;
  }

  /** `POST /v1/plugins`: a signed package from the caller's publisher. */
  async publish(principal: Principal, archive: Buffer) {
    const publisher = await this.registry.publisherOfTenant(principal.tenantId);
    if (!publisher)
      throw new PluginRegistryError(
        'no_publisher',
        'This tenant has no publisher yet: register a key with POST /v1/publishers/keys { publicKey, publisher }',
      );
    const files = await this.unpack(archive);
    const verified = await verifyPackage(files, publisher.name, (id) => this.registry.key(id));
    const { manifest } = verified;
    const row = await this.registry.insertVersion(
      { ...verified, manifestBytes: files.manifest, bundle: files.bundle },
      (owner, existing) => {
        if (owner !== null && owner !== publisher.name)
          throw new PluginRegistryError('name_owned', `Plugin name ${manifest.name} belongs to another publisher`, [
            { path: 'manifest.name', message: 'Owned by another publisher' },
          ]);
        if (existing.some((v) => v.version === manifest.version)) {
          throw new PluginRegistryError(
            'version_exists',
            `${manifest.name}@${manifest.version} is already published; versions are immutable, publish a new one`,
            [{ path: 'manifest.version', message: 'Already published' }],
          );
        }
        const yankedAbove = existing.find((v) => v.yankedAt && semver.gt(v.version, manifest.version));
        if (yankedAbove) {
          throw new PluginRegistryError(
            'version_below_yanked',
            `${manifest.name}@${manifest.version} is lower than the yanked ${yankedAbove.version}; publish a version above it`,
            [{ path: 'manifest.version', message: `Must be above ${yankedAbove.version}` }],
          );
        }
      },
    );
    return this.versionDetail(row);
  }

  private async unpack(archive: Buffer): Promise<PackageFiles> {
    if (!Buffer.isBuffer(archive) || archive.length === 0) {
      throw new PluginRegistryError(
        'invalid_package',
        'Send the package archive (`baton plugin publish` makes it) as application/octet-stream',
        [{ path: '(body)', message: 'Expected a gzipped tar archive' }],
      );
    }
    try {
      return await readPackageArchive(archive);
    } catch (error) {
      if (!(error instanceof PackageArchiveError)) throw error;
      throw new PluginRegistryError('invalid_package', `The package cannot be read: ${error.message}`, [
        { path: '(body)', message: error.message },
      ]);
    }
  }

  async addKey(principal: Principal, body: AddPublisherKeyBody) {
    let keyId: string;
    let publicKey: string;
    try {
      const key = ed25519PublicKey(body.publicKey);
      keyId = keyIdOf(key);
      publicKey = key.export({ type: 'spki', format: 'pem' }).toString();
    } catch (error) {
      throw new PluginRegistryError('invalid_key', 'publicKey is not an Ed25519 public key in PEM form', [
        { path: 'publicKey', message: (error as Error).message },
      ]);
    }
    let publisher = await this.registry.publisherOfTenant(principal.tenantId);
    if (!publisher) {
      if (!body.publisher)
        throw new PluginRegistryError('no_publisher', 'Name the publisher to claim with the first key: { publicKey, publisher }');
      if (!(await this.registry.createPublisher(body.publisher, principal.tenantId, false))) {
        throw new PluginRegistryError('publisher_taken', `Publisher name ${body.publisher} is taken`);
      }
      publisher = { name: body.publisher, tenantId: principal.tenantId, verified: false };
    } else if (body.publisher && body.publisher !== publisher.name) {
      throw new PluginRegistryError('publisher_exists', `This tenant publishes as ${publisher.name}; a tenant has one publisher name`);
    }
    if (!(await this.registry.addKey(keyId, publisher.name, publicKey)))
      throw new PluginRegistryError('key_exists', `Key ${keyId} is already registered`);
    return keySummary((await this.registry.key(keyId))!);
  }

  async listKeys(principal: Principal) {
    const publisher = await this.registry.publisherOfTenant(principal.tenantId);
    return {
      publisher: publisher?.name ?? null,
      verified: publisher?.verified ?? false,
      items: publisher ? (await this.registry.keys(publisher.name)).map(keySummary) : [],
      nextCursor: null,
    };
  }

  /** Versions signed by the key stay published; new uploads signed by it are refused. */
  async revokeKey(principal: Principal, keyId: string): Promise<void> {
    const publisher = await this.registry.publisherOfTenant(principal.tenantId);
    const key = await this.registry.key(keyId);
    if (!publisher || key?.publisher !== publisher.name) throw new PluginRegistryError('key_not_found', `Key ${keyId} was not found`);
    await this.registry.revokeKey(keyId, publisher.name);
  }

  async yank(principal: Principal, name: string, version: string) {
    const rows = await this.requireVersions(name);
    const row = rows.find((v) => v.version === version);
    if (!row) throw new PluginRegistryError('version_not_found', `${name}@${version} was not found`);
    const publisher = await this.registry.publisherOfTenant(principal.tenantId);
    if (publisher?.name !== row.publisher)
      throw new PluginRegistryError('not_plugin_owner', `Only ${row.publisher} may yank versions of ${name}`);
    await this.registry.yank(name, version);
    return versionSummary((await this.registry.versions(name)).find((v) => v.version === version)!);
  }

  /** What the pipeline validator may pin for this tenant: enabled plugins, approved, not yanked. */
  async catalog(tenantId: string): Promise<PluginCatalogView> {
    const [rows, settings] = await Promise.all([this.registry.allVersions(), this.registry.tenantPlugins(tenantId)]);
    const byName = groupByName(rows);
    const settingOf = new Map(settings.map((s) => [s.plugin, s]));
    const usable = new Map<string, PluginVersionView[]>();
    for (const [name, versions] of byName) {
      const access = tenantAccess(settingOf.get(name), versions[0].verified);
      usable.set(name, versions.filter(usableBy(access)).map(toVersionView));
    }
    return {
      versions: (plugin) => usable.get(plugin) ?? [],
      unavailableBecause: (plugin) => {
        const versions = byName.get(plugin);
        if (!versions) return undefined;
        const access = tenantAccess(settingOf.get(plugin), versions[0].verified);
        if (!access.enabled)
          return `Plugin \`${plugin}\` is not enabled for this tenant: a tenant admin enables it with POST /v1/plugins/${plugin}/enable`;
        if (versions.every((v) => v.yankedAt)) return `Every version of \`${plugin}\` is yanked`;
        return `The versions of \`${plugin}\` ask for egress, secrets or raw network this tenant has not approved: a tenant admin approves a version with POST /v1/plugins/${plugin}/enable { "version": "…" }`;
      },
      secretApproved: (plugin, secret) => {
        const versions = byName.get(plugin);
        if (!versions) return false;
        const { approved } = tenantAccess(settingOf.get(plugin), versions[0].verified);
        return approved === 'all' || approvesSecret(approved.secrets, secret);
      },
    };
  }

  /** The catalogue: every plugin with its versions and whether the caller's tenant has it enabled. */
  async list(principal: Principal) {
    const [rows, settings] = await Promise.all([this.registry.allVersions(), this.registry.tenantPlugins(principal.tenantId)]);
    const settingOf = new Map(settings.map((s) => [s.plugin, s]));
    const items = [...groupByName(rows)].map(([name, versions]) => this.pluginSummary(name, versions, settingOf.get(name)));
    return { items, nextCursor: null };
  }

  async get(principal: Principal, name: string) {
    const rows = await this.requireVersions(name);
    const setting = (await this.registry.tenantPlugins(principal.tenantId)).find((s) => s.plugin === name);
    return this.pluginSummary(name, rows, setting);
  }

  async getVersion(name: string, version: string) {
    const row = (await this.requireVersions(name)).find((v) => v.version === version);
    if (!row) throw new PluginRegistryError('version_not_found', `${name}@${version} was not found`);
    return this.versionDetail(row);
  }

  private pluginSummary(name: string, versions: PluginVersionRow[], setting: TenantPluginRow | undefined) {
    const latest = highest(versions);
    const access = tenantAccess(setting, versions[0].verified);
    return {
      name,
      publisher: versions[0].publisher,
      verified: versions[0].verified,
      enabled: access.enabled,
      approved: access.approved === 'all' ? 'all' : access.approved,
      networkEndpoints: setting?.networkEndpoints ?? [],
      latestVersion: latest?.version ?? null,
      versions: versions.map(versionSummary).sort((a, b) => semver.rcompare(a.version, b.version)),
      steps: latest ? stepSummary(latest.manifest) : [],
    };
  }

  private versionDetail(row: PluginVersionRow) {
    const { manifest } = row;
    return {
      name: row.name,
      version: row.version,
      digest: row.digest,
      publisher: row.publisher,
      verified: row.verified,
      keyId: row.keyId,
      yanked: row.yankedAt !== null,
      publishedAt: row.createdAt.toISOString(),
      permissions: permissionsOf(manifest),
      steps: stepSummary(manifest),
      manifest,
      signature: row.signature,
    };
  }

  async requireVersions(name: string): Promise<PluginVersionRow[]> {
    const rows = await this.registry.versions(name);
    if (!rows.length) throw new PluginRegistryError('plugin_not_found', `Plugin ${name} was not found`);
    return rows;
  }
}

function groupByName(rows: PluginVersionRow[]): Map<string, PluginVersionRow[]> {
  const byName = new Map<string, PluginVersionRow[]>();
  for (const row of rows) byName.set(row.name, [...(byName.get(row.name) ?? []), row]);
  return byName;
}

function toVersionView(row: PluginVersionRow): PluginVersionView {
  const steps = Object.fromEntries(row.manifest.steps.map((s) => [s.id, { inputSchema: s.inputSchema, outputSchema: s.outputSchema }]));
  return { version: row.version, digest: row.digest, steps };
}
