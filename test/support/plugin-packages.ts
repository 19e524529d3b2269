import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packPlugin } from '../../plugins/sdk/src/package/pack.js';
import { createPackageArchive } from '../../plugins/sdk/src/package/package-archive.js';
import { PACKAGE_FILES } from '../../plugins/sdk/src/package/package-manifest.js';
import { generatePublisherKeyPair, signManifest, type PublisherKeyPair } from '../../plugins/sdk/src/package/signing.js';
import { expect } from 'vitest';
import { api, type TestTenant } from './builders.js';

export interface TestPluginSpec {
  name: string;
  version: string;
  publisher: string;
  egress?: string[];
  secrets?: string[];
}

/**
 * Writes and packs a one-step plugin (`greet`, which answers with its own version and the names of
 * the secrets it was handed) the way
 * `baton plugin pack` does, and returns the package folder.
 */
export async function packTestPlugin(spec: TestPluginSpec): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `baton-plugin-${spec.name}-`));
  mkdirSync(join(dir, 'src'));
  writeFileSync(
    join(dir, 'src', 'index.ts'),
    `import { definePlugin, defineStep } from '@baton/plugin-sdk';
import { z } from 'zod';
const VERSION = ${JSON.stringify(spec.version)};
export default definePlugin({
  name: ${JSON.stringify(spec.name)}, version: VERSION,
  steps: [defineStep({
    id: 'greet', title: 'Greet', egress: ${JSON.stringify(spec.egress ?? [])}, secrets: ${JSON.stringify(spec.secrets ?? [])},
    input: z.object({ name: z.string() }),
    output: z.object({ greeting: z.string(), version: z.string(), secrets: z.array(z.string()) }),
    run: ({ name }, ctx) => ({ greeting: 'Hello, ' + name, version: VERSION, secrets: Object.keys(ctx.secrets) }),
  })],
});
`,
  );
  const out = join(dir, 'dist-plugin');
  await packPlugin({ entry: join(dir, 'src', 'index.ts'), outDir: out, publisher: spec.publisher });
  return out;
}

export function signPackage(folder: string, key: PublisherKeyPair): void {
  const signature = signManifest(readFileSync(join(folder, PACKAGE_FILES.manifest)), key.privateKeyPem);
  writeFileSync(join(folder, PACKAGE_FILES.signature), JSON.stringify(signature));
}

export const packageArchive = (folder: string) => createPackageArchive(folder);

/** A tenant that publishes: a publisher name claimed with a fresh key. */
export async function becomePublisher(tenant: TestTenant, publisher: string): Promise<PublisherKeyPair> {
  const key = generatePublisherKeyPair();
  const response = await api(tenant.baseUrl)
    .post('/v1/publishers/keys')
    .set('authorization', `Bearer ${tenant.token}`)
    .send({ publicKey: key.publicKeyPem, publisher });
  if (response.status !== 201) throw new Error(`could not register a key: ${response.status} ${JSON.stringify(response.body)}`);
  return key;
}

export function publish(tenant: TestTenant, archive: Buffer) {
  return api(tenant.baseUrl)
    .post('/v1/plugins')
    .set('authorization', `Bearer ${tenant.token}`)
    .set('content-type', 'application/octet-stream')
    .send(archive);
}

/** As the tenant's owner (admin and publisher rights); the builders' API key is an operator's. */
export const asOwner = (tenant: TestTenant) => ({
  get: (path: string) => api(tenant.baseUrl).get(path).set('authorization', `Bearer ${tenant.token}`),
  post: (path: string, body?: object) =>
    api(tenant.baseUrl)
      .post(path)
      .set('authorization', `Bearer ${tenant.token}`)
      .send(body ?? {}),
  put: (path: string, body?: object) =>
    api(tenant.baseUrl)
      .put(path)
      .set('authorization', `Bearer ${tenant.token}`)
      .send(body ?? {}),
  delete: (path: string) => api(tenant.baseUrl).delete(path).set('authorization', `Bearer ${tenant.token}`),
});

/**
 * Packs, signs, publishes and enables version 1.0.0 of a plugin written as its `src/index.ts`,
 * approving the tenant secrets named in `secrets` for its secret fields; returns its name.
 */
export async function publishPluginSource(
  tenant: TestTenant,
  plugin: { name: string; publisher: string; source: string; secrets?: string[] },
): Promise<string> {
  const key = await becomePublisher(tenant, plugin.publisher);
  const dir = mkdtempSync(join(tmpdir(), `baton-plugin-${plugin.name}-`));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.ts'), plugin.source);
  const out = join(dir, 'dist-plugin');
  await packPlugin({ entry: join(dir, 'src', 'index.ts'), outDir: out, publisher: plugin.publisher });
  signPackage(out, key);
  const published = await publish(tenant, await packageArchive(out));
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  await asOwner(tenant)
    .post(`/v1/plugins/${plugin.name}/enable`, { version: '1.0.0', ...(plugin.secrets && { secrets: plugin.secrets }) })
    .expect(200);
  return plugin.name;
}

/** As a tenant admin: lets `plugin`'s steps open TCP connections to the host:port of each URL (a database's). */
export async function approveEndpoints(tenant: TestTenant, plugin: string, urls: string[]): Promise<void> {
  const endpoints = urls.map((url) => `${new URL(url).hostname}:${new URL(url).port || 5432}`);
  const response = await asOwner(tenant).put(`/v1/plugins/${plugin}/network`, { endpoints });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
}

/**
 * A plugin whose step `use` takes a secret in its declared field `token` and hands it straight back:
 * in its outputs, a warning log line and, with `fail`, its error. For checks that redaction holds.
 */
export function publishSecretEchoPlugin(tenant: TestTenant, name: string, secrets: string[]): Promise<string> {
  return publishPluginSource(tenant, {
    name,
    publisher: `${name}-pub`,
    secrets,
    source: `import { definePlugin, defineStep, secret, StepError } from '@baton/plugin-sdk';
import { z } from 'zod';
export default definePlugin({
  name: ${JSON.stringify(name)}, version: '1.0.0',
  steps: [defineStep({
    id: 'use', title: 'Use a secret',
    input: z.object({ token: secret(), fail: z.boolean().default(false) }),
    output: z.object({ token: z.string(), nested: z.array(z.string()), length: z.number() }),
    run: ({ token, fail }, ctx) => {
      ctx.log('warn', token);
      if (fail) throw new StepError(token, { retryable: false });
      return { token, nested: [token], length: token.length };
    },
  })],
});
`,
  });
}
