import { cpSync, mkdtempSync, readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create as createTar } from 'tar';
import pg from 'pg';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DataSource } from 'typeorm';
import { PACKAGE_FILES } from '../plugins/sdk/src/package/package-manifest.js';
import type { RuntimeConfig } from '../src/runtime/config/runtime-config.js';
import { PluginRegistryRepository } from '../src/plugin-registry/plugin-registry.repository.js';
import { PluginRegistryService } from '../src/plugin-registry/plugin-registry.service.js';
import { generatePublisherKeyPair, verifyManifest, type PublisherKeyPair } from '../plugins/sdk/src/package/signing.js';
import {
  api,
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  stepOf,
  uniqueName,
  waitForRun,
  type TestTenant,
} from './support/builders.js';
import { asOwner, becomePublisher, packageArchive, packTestPlugin, publish, signPackage } from './support/plugin-packages.js';

interface VariantSteps {
  /** Changes the publisher signs (an author's mistake the registry must catch). */
  beforeSigning?: (dir: string) => void;
  /** Changes after signing (tampering on the way). */
  afterSigning?: (dir: string) => void;
}

/** The archive of a copy of a package folder, changed and signed as the steps say. */
async function variant(folder: string, key: PublisherKeyPair, steps: VariantSteps = {}): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-variant-'));
  cpSync(folder, dir, { recursive: true });
  steps.beforeSigning?.(dir);
  signPackage(dir, key);
  steps.afterSigning?.(dir);
  return packageArchive(dir);
}

/** A gzipped tar of the named files of a signed copy of a package folder. */
async function tarOf(folder: string, key: PublisherKeyPair, files: string[], extra: Record<string, string> = {}): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-variant-'));
  cpSync(folder, dir, { recursive: true });
  signPackage(dir, key);
  for (const [file, content] of Object.entries(extra)) writeFileSync(join(dir, file), content);
  const chunks: Buffer[] = [];
  for await (const chunk of createTar({ gzip: true, cwd: dir, portable: true }, files) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const editJson = (file: string, edit: (json: Record<string, unknown>) => void) => {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
};

const greetPipeline = (name: string, uses: string) => newPipeline(name, { greet: { uses, with: { name: 'Ada' } } });

async function query<T>(sql: string, params: unknown[]): Promise<T[]> {
  const db = new pg.Client({ connectionString: inject('databaseUrl') });
  await db.connect();
  try {
    return (await db.query(sql, params)).rows as T[];
  } finally {
    await db.end();
  }
}

describe('plugin registry', () => {
  let acme: TestTenant;
  let acmeKey: PublisherKeyPair;
  let publisher: string;
  let plugin: string;
  let v010: string;

  beforeAll(async () => {
    acme = await newTenant();
    publisher = uniqueName('acme');
    plugin = uniqueName('hello');
    acmeKey = await becomePublisher(acme, publisher);
    v010 = await packTestPlugin({ name: plugin, version: '0.1.0', publisher });
  });

  it('publishes the first-party plugins at start-up, signed by a key the installation registered, as verified', async () => {
    const { body } = await asOwner(acme).get('/v1/plugins').expect(200);
    const core = body.items.find((p: { name: string }) => p.name === 'core');
    expect(core).toMatchObject({ publisher: 'baton', verified: true, enabled: true, approved: 'all', latestVersion: '1.0.0' });
    const { body: version } = await asOwner(acme).get('/v1/plugins/core/versions/1.0.0').expect(200);
    expect(version).toMatchObject({
      name: 'core',
      publisher: 'baton',
      verified: true,
      digest: version.manifest.bundle.digest,
      yanked: false,
    });
    // The stored bytes verify under the installation's registered key, as any upload's must.
    const [row] = await query<{ manifest_bytes: Buffer; public_key: string }>(
      'SELECT v.manifest_bytes, k.public_key FROM plugin_version v JOIN publisher_key k ON k.id = v.key_id WHERE v.name = $1 AND v.version = $2',
      ['core', '1.0.0'],
    );
    expect(verifyManifest(row.manifest_bytes, version.signature, row.public_key)).toBe(true);
    const [bundle] = await query<{ length: number }>('SELECT length(content) AS length FROM plugin_bundle WHERE digest = $1', [
      version.digest,
    ]);
    expect(bundle.length).toBe(version.manifest.bundle.size);
  });

  it('accepts a signed package and refuses every tampered, unauthorised or conflicting one with the reason', async () => {
    const expectProblem = async (archive: Buffer, status: number, type: string, path?: string, tenant = acme) => {
      const response = await publish(tenant, archive);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body.type).toContain(type);
      if (path) expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    };

    // Before the first good upload: nothing below may leave a trace.
    const manifestOf = (dir: string) => join(dir, PACKAGE_FILES.manifest);
    await expectProblem(
      await variant(v010, acmeKey, {
        afterSigning: (dir) => {
          const bundle = readFileSync(join(dir, PACKAGE_FILES.bundle));
          bundle[bundle.length - 10] ^= 1;
          writeFileSync(join(dir, PACKAGE_FILES.bundle), bundle);
        },
      }),
      422,
      'digest_mismatch',
      'manifest.bundle.digest',
    );
    await expectProblem(
      await variant(v010, acmeKey, { afterSigning: (dir) => editJson(manifestOf(dir), (m) => (m.network = ['*:*'])) }),
      422,
      'bad_signature',
    );
    // Valid JSON with the same meaning, other bytes: signatures cover bytes, never a re-serialisation.
    await expectProblem(
      await variant(v010, acmeKey, {
        afterSigning: (dir) => writeFileSync(manifestOf(dir), JSON.stringify(JSON.parse(readFileSync(manifestOf(dir), 'utf8')))),
      }),
      422,
      'bad_signature',
    );
    await expectProblem(await variant(v010, generatePublisherKeyPair()), 422, 'unknown_key', 'manifest.sig.keyId');
    await expectProblem(
      await variant(v010, acmeKey, { beforeSigning: (dir) => editJson(manifestOf(dir), (m) => (m.version = '1.0')) }),
      422,
      'invalid_manifest',
      'manifest.version',
    );
    await expectProblem(
      await variant(v010, acmeKey, { beforeSigning: (dir) => editJson(manifestOf(dir), (m) => (m.steps = [])) }),
      422,
      'invalid_manifest',
      'manifest.steps',
    );
    await expectProblem(
      await variant(v010, acmeKey, {
        beforeSigning: (dir) =>
          editJson(manifestOf(dir), (m) => ((m.steps as Array<Record<string, unknown>>)[0].inputSchema = { type: 'no-such-type' })),
      }),
      422,
      'invalid_manifest',
      'manifest.steps[0].inputSchema',
    );
    // Native code and programs reach past Node's permission model: a tenant's publisher may not ask for them.
    await expectProblem(
      await variant(v010, acmeKey, {
        beforeSigning: (dir) => editJson(manifestOf(dir), (m) => (m.sandbox = { scratch: true, installed: ['@duckdb/node-api'] })),
      }),
      422,
      'invalid_manifest',
      'manifest.sandbox.installed',
    );
    await expectProblem(
      await variant(v010, acmeKey, { beforeSigning: (dir) => editJson(manifestOf(dir), (m) => (m.sandbox = { childProcess: true })) }),
      422,
      'invalid_manifest',
      'manifest.sandbox.childProcess',
    );
    await expectProblem(
      await variant(v010, acmeKey, { beforeSigning: (dir) => editJson(manifestOf(dir), (m) => (m.publisher = 'baton')) }),
      422,
      'publisher_mismatch',
      'manifest.publisher',
    );
    await expectProblem(Buffer.from('not an archive'), 422, 'invalid_package', '(body)');
    await expectProblem(await tarOf(v010, acmeKey, [PACKAGE_FILES.manifest, PACKAGE_FILES.bundle]), 422, 'invalid_package');
    await expectProblem(
      await tarOf(v010, acmeKey, [...Object.values(PACKAGE_FILES), 'extra.js'], { 'extra.js': 'x' }),
      422,
      'invalid_package',
    );
    expect(await query('SELECT 1 FROM plugin WHERE name = $1', [plugin])).toEqual([]);

    const published = await publish(acme, await variant(v010, acmeKey));
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    expect(published.body).toMatchObject({
      name: plugin,
      version: '0.1.0',
      publisher,
      verified: false,
      permissions: { egress: [], secrets: [], network: [] },
    });
    expect(published.body.steps.map((s: { id: string }) => s.id)).toEqual(['greet']);

    // Versions are immutable, even re-signed.
    await expectProblem(await variant(v010, acmeKey), 409, 'version_exists', 'manifest.version');
    // A name belongs to its first publisher: another tenant cannot take it, nor anyone the first-party names.
    const rival = await newTenant();
    const rivalPublisher = uniqueName('rival');
    const rivalKey = await becomePublisher(rival, rivalPublisher);
    const stolen = await packTestPlugin({ name: plugin, version: '0.2.0', publisher: rivalPublisher });
    await expectProblem(await variant(stolen, rivalKey), 403, 'name_owned', 'manifest.name', rival);
    const core = await packTestPlugin({ name: 'core', version: '9.0.0', publisher });
    await expectProblem(await variant(core, acmeKey), 403, 'name_owned', 'manifest.name');
    // A key registered by another publisher is not this publisher's key.
    await expectProblem(await variant(stolen, acmeKey), 422, 'unknown_key', undefined, rival);

    // A revoked key signs nothing new; what it signed stays published.
    const second = generatePublisherKeyPair();
    await asOwner(acme).post('/v1/publishers/keys', { publicKey: second.publicKeyPem }).expect(201);
    const { body: keys } = await asOwner(acme).get('/v1/publishers/keys').expect(200);
    const secondId = keys.items.find((k: { id: string }) => k.id !== keys.items[0].id).id;
    await asOwner(acme).delete(`/v1/publishers/keys/${secondId}`).expect(204);
    const v020 = await packTestPlugin({ name: plugin, version: '0.2.0', publisher });
    await expectProblem(await variant(v020, second), 422, 'key_revoked', 'manifest.sig.keyId');
    await asOwner(acme).get(`/v1/plugins/${plugin}/versions/0.1.0`).expect(200);

    // Only a publisher (or the owner) publishes; an operator's API key may not.
    const asOperator = await newTenant();
    const operatorKey = await asOperator
      .post('/v1/plugins')
      .set('content-type', 'application/octet-stream')
      .send(await variant(v010, acmeKey));
    expect(operatorKey.status).toBe(403);
    // A tenant without a publisher is told how to become one.
    await expectProblem(await variant(v010, acmeKey), 403, 'no_publisher', undefined, asOperator);
  });

  it('resolves `uses` only against plugins a tenant admin enabled and approved, pinning exact versions and digests, two versions side by side', async () => {
    const name = uniqueName('multi');
    const keyed = await newTenant();
    const pub = uniqueName('pub');
    const key = await becomePublisher(keyed, pub);
    const v1 = await packTestPlugin({ name, version: '1.0.0', publisher: pub });
    const v2 = await packTestPlugin({ name, version: '2.0.0', publisher: pub, egress: ['api.example.com'], secrets: ['API_TOKEN'] });
    await publish(keyed, await variant(v1, key)).expect(201);
    const { body: second } = await publish(keyed, await variant(v2, key)).expect(201);
    expect(second.permissions).toEqual({ egress: ['api.example.com'], secrets: ['API_TOKEN'], network: [] });

    const user = await newTenant();
    const notEnabled = await user.put(`/v1/pipelines/p-${name}`, greetPipeline(`p-${name}`, `${name}/greet@^1`)).expect(422);
    expect(notEnabled.body.errors).toEqual([{ path: 'steps.greet.uses', message: expect.stringContaining('not enabled for this tenant') }]);
    // Enabling is a tenant admin's decision.
    await user.post(`/v1/plugins/${name}/enable`, { version: '1.0.0' }).expect(403);
    const enabled = await asOwner(user).post(`/v1/plugins/${name}/enable`, { version: '1.0.0' }).expect(200);
    expect(enabled.body).toEqual({ name, enabled: true, approved: { egress: [], secrets: [], network: [] }, networkEndpoints: [] });

    const old = await savePipeline(user, greetPipeline(`old-${name}`, `${name}/greet@^1`));
    expect(old.pins.greet).toEqual({
      plugin: name,
      step: 'greet',
      version: '1.0.0',
      digest: (await asOwner(user).get(`/v1/plugins/${name}/versions/1.0.0`)).body.digest,
    });
    // 2.0.0 asks for egress and a secret nobody approved: not usable yet, and `latest` stays on 1.0.0.
    const unapproved = await user.put(`/v1/pipelines/new-${name}`, greetPipeline(`new-${name}`, `${name}/greet@^2`)).expect(422);
    expect(unapproved.body.errors[0].message).toContain('No version');
    expect(
      (await user.post('/v1/pipelines/validate', greetPipeline(`latest-${name}`, `${name}/greet`)).expect(200)).body.plan.steps[0].pinned
        .version,
    ).toBe('1.0.0');
    await asOwner(user).post(`/v1/plugins/${name}/enable`, { version: '2.0.0' }).expect(200);
    const fresh = await savePipeline(user, greetPipeline(`new-${name}`, `${name}/greet@^2`));
    expect(fresh.pins.greet).toMatchObject({ version: '2.0.0', digest: second.digest });

    // Both versions run at once, each its own pinned code. 2.0.0 declares API_TOKEN, which the
    // tenant has set: the step gets it without the pipeline naming it; 1.0.0 declares nothing.
    await api().put('/v1/secrets/API_TOKEN').set('authorization', `Bearer ${user.token}`).send({ value: 'token-value' }).expect(201);
    const [a, b] = await Promise.all([startRun(user, `old-${name}`), startRun(user, `new-${name}`)]);
    const [runA, runB] = await Promise.all([waitForRun(user, a), waitForRun(user, b)]);
    expect([runA.status, runB.status]).toEqual(['succeeded', 'succeeded']);
    expect(stepOf(runA, 'greet').outputs).toEqual({ greeting: 'Hello, Ada', version: '1.0.0', secrets: [] });
    expect(stepOf(runB, 'greet').outputs).toEqual({ greeting: 'Hello, Ada', version: '2.0.0', secrets: ['API_TOKEN'] });

    // The catalogue shows each tenant its own switch; the publisher's tenant has not enabled it.
    expect((await asOwner(user).get(`/v1/plugins/${name}`).expect(200)).body).toMatchObject({
      enabled: true,
      verified: false,
      publisher: pub,
      latestVersion: '2.0.0',
    });
    expect((await asOwner(keyed).get(`/v1/plugins/${name}`).expect(200)).body).toMatchObject({ enabled: false });

    // Disabled: new pipeline versions cannot use it; versions already pinned keep running.
    await asOwner(user).post(`/v1/plugins/${name}/disable`).expect(200);
    await user.put(`/v1/pipelines/again-${name}`, greetPipeline(`again-${name}`, `${name}/greet@^1`)).expect(422);
    expect((await waitForRun(user, await startRun(user, `old-${name}`))).status).toBe('succeeded');
    // First-party plugins can be switched off too.
    await asOwner(user).post('/v1/plugins/core/disable').expect(200);
    await user.put(`/v1/pipelines/core-${name}`, newPipeline(`core-${name}`, { e: { uses: 'core/echo@^1', with: {} } })).expect(422);
    await asOwner(user).post('/v1/plugins/core/enable').expect(200);
    await savePipeline(user, newPipeline(`core-${name}`, { e: { uses: 'core/echo@^1', with: {} } }));
  });

  it('yanks a version: new pipeline versions cannot pin it, pinned ones still run, and lower versions cannot follow it', async () => {
    const name = uniqueName('yanky');
    const owner = await newTenant();
    const pub = uniqueName('pub');
    const key = await becomePublisher(owner, pub);
    for (const version of ['1.0.0', '1.1.0'])
      await publish(owner, await variant(await packTestPlugin({ name, version, publisher: pub }), key)).expect(201);
    await asOwner(owner).post(`/v1/plugins/${name}/enable`).expect(200);
    const pinned = await savePipeline(owner, greetPipeline(`p-${name}`, `${name}/greet@1.1.0`));
    expect(pinned.pins.greet.version).toBe('1.1.0');

    // Only the owning publisher yanks.
    const stranger = await newTenant();
    await becomePublisher(stranger, uniqueName('stranger'));
    await asOwner(stranger).post(`/v1/plugins/${name}/versions/1.1.0/yank`).expect(403);
    // A viewer of the publishing tenant may not; an operator of it may (API.md: publisher or operator).
    const viewerKey = (await asOwner(owner).post('/v1/api-keys', { name: 'viewer', role: 'viewer' }).expect(201)).body.key;
    await api().post(`/v1/plugins/${name}/versions/1.1.0/yank`).set('authorization', `Bearer ${viewerKey}`).expect(403);
    const yanked = await owner.post(`/v1/plugins/${name}/versions/1.1.0/yank`).expect(200);
    expect(yanked.body).toMatchObject({ version: '1.1.0', yanked: true });

    await owner.put(`/v1/pipelines/q-${name}`, greetPipeline(`q-${name}`, `${name}/greet@1.1.0`)).expect(422);
    expect((await savePipeline(owner, greetPipeline(`r-${name}`, `${name}/greet@^1`))).pins.greet.version).toBe('1.0.0');
    expect((await waitForRun(owner, await startRun(owner, `p-${name}`))).status).toBe('succeeded');

    const lower = await publish(owner, await variant(await packTestPlugin({ name, version: '1.0.5', publisher: pub }), key));
    expect(lower.status).toBe(409);
    expect(lower.body.type).toContain('version_below_yanked');
    await publish(owner, await variant(await packTestPlugin({ name, version: '1.2.0', publisher: pub }), key)).expect(201);
  });

  it('leaves a name a tenant publisher owns alone when a new release brings a first-party plugin of that name', async () => {
    const name = uniqueName('squat');
    const squatter = await newTenant();
    const pub = uniqueName('squatter');
    await publish(
      squatter,
      await variant(await packTestPlugin({ name, version: '1.0.0', publisher: pub }), await becomePublisher(squatter, pub)),
    ).expect(201);

    // The installation starts with a first-party package of the same name, as after an upgrade.
    const packages = mkdtempSync(join(tmpdir(), 'baton-first-party-'));
    const firstParty = await packTestPlugin({ name, version: '2.0.0', publisher: 'baton' });
    cpSync(firstParty, join(packages, name), { recursive: true });
    const db = await new DataSource({ type: 'postgres', url: inject('databaseUrl') }).initialize();
    try {
      const config = {
        pluginsDir: packages,
        firstPartySigningKey: () => generatePublisherKeyPair().privateKeyPem,
      } as unknown as RuntimeConfig;
      await new PluginRegistryService(new PluginRegistryRepository(db), config).onModuleInit();
    } finally {
      await db.destroy();
    }
    const { body } = await asOwner(squatter).get(`/v1/plugins/${name}`).expect(200);
    expect(body).toMatchObject({ publisher: pub, verified: false, latestVersion: '1.0.0' });
    expect(body.versions.map((v: { version: string }) => v.version)).toEqual(['1.0.0']);
  });

  it('runs a bundle fetched by digest, and fetches it again when the cached copy changed on disk', async () => {
    // A plugin of this test's own: the stack's other tests share the cache, and must not meet the changed copy.
    const name = uniqueName('cached');
    const owner = await newTenant();
    const pub = uniqueName('pub');
    await publish(
      owner,
      await variant(await packTestPlugin({ name, version: '1.0.0', publisher: pub }), await becomePublisher(owner, pub)),
    ).expect(201);
    await asOwner(owner).post(`/v1/plugins/${name}/enable`, { version: '1.0.0' }).expect(200);
    const definition = greetPipeline(uniqueName('cache'), `${name}/greet@^1`);
    const first = await runToEnd(owner, definition);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    const digest: string = (await owner.get(`/v1/pipelines/${definition.name}`).expect(200)).body.pins.greet.digest;
    const cached = join(inject('batonHome'), 'plugin-cache', digest.slice('sha256:'.length), PACKAGE_FILES.bundle);
    expect(existsSync(cached)).toBe(true);
    const original = readFileSync(cached);
    chmodSync(cached, 0o644);
    writeFileSync(cached, `export default { apiVersion: 1, name: ${JSON.stringify(name)}, version: "1.0.0", steps: [] };\n`);
    const again = await waitForRun(owner, await startRun(owner, definition.name));
    expect(again.status, JSON.stringify(again.error)).toBe('succeeded');
    expect(stepOf(again, 'greet').outputs).toMatchObject({ greeting: 'Hello, Ada' });
    expect(readFileSync(cached).equals(original)).toBe(true);
  });
});
