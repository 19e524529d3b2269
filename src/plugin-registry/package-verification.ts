import semver from 'semver';
import type { PackageFiles } from '../../plugins/sdk/src/package/package-archive.js';
import { sha256Digest } from '../../plugins/sdk/src/package/digest.js';
import {
  FIRST_PARTY_PUBLISHER,
  firstPartyOnlyGrants,
  parseManifest,
  SDK_RANGE,
  type PackageManifest,
} from '../../plugins/sdk/src/package/package-manifest.js';
import { SignatureFileSchema, verifyManifest, type SignatureFile } from '../../plugins/sdk/src/package/signing.js';
import { pluginSchemaProblem, schemaRegexProblems } from '../pipelines/definition/pipeline-validator.js';
import { PluginRegistryError } from './plugin-registry.errors.js';
import type { PublisherKeyRow } from './plugin-registry.repository.js';

export interface VerifiedPackage {
  manifest: PackageManifest;
  signature: SignatureFile;
  keyId: string;
}

/**
 * Every check PLUGINS.md asks of an upload, in the order that trusts nothing unverified: the
 * signature file, the key (the publisher's own, not revoked), the signature over the exact
 * manifest bytes, and only then the manifest's content and the bundle's digest.
 */
export async function verifyPackage(
  files: PackageFiles,
  publisher: string,
  findKey: (id: string) => Promise<PublisherKeyRow | null>,
): Promise<VerifiedPackage> {
  const signature = parseSignatureFile(files.signature);
  const key = await findKey(signature.keyId);
  if (!key || key.publisher !== publisher) {
    throw new PluginRegistryError(
      'unknown_key',
      `Key ${signature.keyId} is not a key of publisher ${publisher}; register it with POST /v1/publishers/keys`,
      [{ path: 'manifest.sig.keyId', message: 'Unknown key' }],
    );
  }
  if (key.revokedAt)
    throw new PluginRegistryError('key_revoked', `Key ${key.id} was revoked on ${key.revokedAt.toISOString()}; sign with a current key`, [
      { path: 'manifest.sig.keyId', message: 'Revoked key' },
    ]);
  if (!verifyManifest(files.manifest, signature, key.publicKey)) {
    throw new PluginRegistryError(
      'bad_signature',
      `The signature does not match manifest.json under key ${key.id}: the manifest changed after signing, or another key signed it`,
      [{ path: 'manifest.sig.signature', message: 'Does not verify' }],
    );
  }

  const parsed = parseManifest(files.manifest);
  if (!parsed.ok) throw new PluginRegistryError('invalid_manifest', 'manifest.json is not a valid plugin manifest', parsed.problems);
  const { manifest } = parsed;
  if (manifest.publisher !== publisher) {
    throw new PluginRegistryError(
      'publisher_mismatch',
      `The manifest names publisher ${manifest.publisher}, but the package is published by ${publisher}`,
      [{ path: 'manifest.publisher', message: `Must be ${publisher}` }],
    );
  }
  const schemaProblems = manifestSchemaProblems(manifest);
  if (schemaProblems.length)
    throw new PluginRegistryError('invalid_manifest', 'manifest.json is not a valid plugin manifest', schemaProblems);

  const digest = sha256Digest(files.bundle);
  if (digest !== manifest.bundle.digest || files.bundle.length !== manifest.bundle.size) {
    throw new PluginRegistryError(
      'digest_mismatch',
      `bundle.mjs is ${digest} (${files.bundle.length} bytes), but the signed manifest says ${manifest.bundle.digest} (${manifest.bundle.size} bytes)`,
      [{ path: 'manifest.bundle.digest', message: 'Does not match bundle.mjs' }],
    );
  }
  return { manifest, signature, keyId: key.id };
}

function parseSignatureFile(bytes: Buffer) {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = SignatureFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new PluginRegistryError('invalid_package', 'manifest.sig is not a signature file written by `baton plugin sign`', [
      { path: 'manifest.sig', message: 'Expected { algorithm: "ed25519", keyId, signature }' },
    ]);
  return parsed.data;
}

function manifestSchemaProblems(manifest: PackageManifest) {
  const problems: Array<{ path: string; message: string }> = [];
  if (semver.validRange(manifest.sdk) === null || !semver.intersects(manifest.sdk, SDK_RANGE)) {
    problems.push({ path: 'manifest.sdk', message: `This registry serves plugins built for SDK ${SDK_RANGE}` });
  }
  // Native code and other programs are beyond Node's permission model: only the installation's own code gets them.
  if (manifest.publisher !== FIRST_PARTY_PUBLISHER) {
    for (const grant of firstPartyOnlyGrants(manifest))
      problems.push({
        path: `manifest.${grant}`,
        message: `Only first-party plugins (publisher ${FIRST_PARTY_PUBLISHER}) may ask for this`,
      });
  }
  manifest.steps.forEach((step, index) => {
    for (const io of ['inputSchema', 'outputSchema'] as const) {
      const regexProblems = schemaRegexProblems(step[io], ['manifest', 'steps', index, io]);
      problems.push(...regexProblems);
      if (regexProblems.length) continue;
      const problem = pluginSchemaProblem(step[io]);
      if (problem) problems.push({ path: `manifest.steps[${index}].${io}`, message: `Not a valid JSON Schema: ${problem}` });
    }
  });
  return problems;
}
