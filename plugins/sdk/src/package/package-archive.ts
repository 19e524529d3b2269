import { create as createTar, Parser, type ReadEntry } from 'tar';
import { PACKAGE_FILES, type PackageFileRole } from './package-manifest.js';

export type PackageFiles = Record<PackageFileRole, Buffer>;

/** Upper bounds on what a package may unpack to: a gzip bomb stops at these, not at memory. */
export const PACKAGE_LIMITS = { manifestBytes: 1024 * 1024, signatureBytes: 4 * 1024, bundleBytes: 32 * 1024 * 1024 } as const;
const LIMIT_OF: Record<PackageFileRole, number> = {
  manifest: PACKAGE_LIMITS.manifestBytes,
  signature: PACKAGE_LIMITS.signatureBytes,
  bundle: PACKAGE_LIMITS.bundleBytes,
};
const ROLE_OF = new Map<string, PackageFileRole>(Object.entries(PACKAGE_FILES).map(([role, file]) => [file, role as PackageFileRole]));

export class PackageArchiveError extends Error {
  override readonly name = 'PackageArchiveError';
}

/** The signed package a publisher uploads: a gzipped tar of exactly the three package files. */
export async function createPackageArchive(folder: string): Promise<Buffer> {
  const stream = createTar({ gzip: true, cwd: folder, portable: true, noDirRecurse: true }, Object.values(PACKAGE_FILES));
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Unpacks an uploaded archive in memory: only regular files with the three package names, each
 * once and within its size limit; anything else rejects the whole package before more is read.
 */
export function readPackageArchive(archive: Buffer): Promise<PackageFiles> {
  return new Promise((resolve, reject) => {
    const files: Partial<PackageFiles> = {};
    let failed = false;
    const fail = (message: string) => {
      if (failed) return;
      failed = true;
      parser.abort(new PackageArchiveError(message));
      reject(new PackageArchiveError(message));
    };
    const parser = new Parser({
      strict: true,
      onReadEntry(entry: ReadEntry) {
        const role = ROLE_OF.get(entry.path);
        if (entry.type !== 'File' || !role)
          return fail(`unexpected entry ${JSON.stringify(entry.path)}: a package holds only ${Object.values(PACKAGE_FILES).join(', ')}`);
        if (files[role]) return fail(`${entry.path} appears twice`);
        if ((entry.size ?? 0) > LIMIT_OF[role]) return fail(`${entry.path} is larger than ${LIMIT_OF[role]} bytes`);
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => (files[role] = Buffer.concat(chunks)));
      },
    });
    parser.on('error', (error: Error) => fail(`not a gzipped tar archive: ${error.message}`));
    parser.on('warn', (_code: string, message: string | Error) => fail(`not a valid archive: ${String(message)}`));
    parser.on('end', () => {
      if (failed) return;
      const missing = Object.entries(PACKAGE_FILES)
        .filter(([role]) => !files[role as PackageFileRole])
        .map(([, file]) => file);
      if (missing.length) return fail(`missing ${missing.join(', ')}`);
      resolve(files as PackageFiles);
    });
    parser.end(archive);
  });
}
