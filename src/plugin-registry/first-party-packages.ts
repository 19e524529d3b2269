import { createPublicKey } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PackageFiles } from '../../plugins/sdk/src/package/package-archive.js';
import { PACKAGE_FILES } from '../../plugins/sdk/src/package/package-manifest.js';
import { signManifest } from '../../plugins/sdk/src/package/signing.js';

export interface FirstPartyPackage {
  name: string;
  version: string;
  files: PackageFiles;
  publicKeyPem: string;
}

/**
 * The packages `npm run build` wrote to `<dir>/<name>/`, each signed now with the installation's
 * key, exactly as `baton plugin sign` would. Plugin code is not loaded: the manifest was made at pack time.
 */
export function readFirstPartyPackages(dir: string, signingKeyPem: string): FirstPartyPackage[] {
  if (!existsSync(dir)) return [];
  const publicKeyPem = createPublicKey(signingKeyPem).export({ type: 'spki', format: 'pem' }).toString();
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, PACKAGE_FILES.manifest)))
    .map((d) => {
      const manifest = readFileSync(join(dir, d.name, PACKAGE_FILES.manifest));
      const { name, version } = JSON.parse(manifest.toString('utf8')) as { name: string; version: string };
      const signature = Buffer.from(JSON.stringify(signManifest(manifest, signingKeyPem)));
      return { name, version, publicKeyPem, files: { manifest, signature, bundle: readFileSync(join(dir, d.name, PACKAGE_FILES.bundle)) } };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
