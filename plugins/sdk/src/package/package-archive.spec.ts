import { mkdtempSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { create as createTar } from 'tar';
import { describe, expect, it } from 'vitest';
import { createPackageArchive, readPackageArchive } from './package-archive.js';

function packageFolder(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-archive-'));
  for (const [file, content] of Object.entries({
    'manifest.json': '{"m":1}\n',
    'manifest.sig': '{"s":1}',
    'bundle.mjs': 'export default 1;\n',
    ...extra,
  })) {
    writeFileSync(join(dir, file), content);
  }
  return dir;
}

async function tarOf(dir: string, files: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createTar({ gzip: true, cwd: dir, portable: true }, files) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('package archives', () => {
  it('round-trips the three package files byte for byte', async () => {
    const files = await readPackageArchive(await createPackageArchive(packageFolder()));
    expect(files.manifest.toString()).toBe('{"m":1}\n');
    expect(files.signature.toString()).toBe('{"s":1}');
    expect(files.bundle.toString()).toBe('export default 1;\n');
  });

  it('refuses anything but exactly those files', async () => {
    const dir = packageFolder({ 'evil.js': 'x' });
    symlinkSync('/etc/passwd', join(dir, 'link'));
    await expect(readPackageArchive(await tarOf(dir, ['manifest.json', 'manifest.sig', 'bundle.mjs', 'evil.js']))).rejects.toThrow(
      /unexpected entry "evil.js"/,
    );
    await expect(readPackageArchive(await tarOf(dir, ['manifest.json', 'manifest.sig', 'link']))).rejects.toThrow(
      /unexpected entry "link"/,
    );
    await expect(readPackageArchive(await tarOf(dir, ['manifest.json', 'bundle.mjs']))).rejects.toThrow(/missing manifest.sig/);
    await expect(readPackageArchive(await tarOf(dir, ['manifest.json', 'manifest.json', 'manifest.sig', 'bundle.mjs']))).rejects.toThrow(
      /appears twice/,
    );
  });

  it('refuses what is not a gzipped tar', async () => {
    await expect(readPackageArchive(Buffer.from('hello'))).rejects.toThrow();
    await expect(readPackageArchive(gzipSync(Buffer.from('not a tar at all, just text')))).rejects.toThrow();
  });

  it('stops at a file over its limit without reading it', async () => {
    const dir = packageFolder({ 'manifest.sig': 'x'.repeat(5000) });
    await expect(readPackageArchive(await tarOf(dir, ['manifest.json', 'manifest.sig', 'bundle.mjs']))).rejects.toThrow(
      /manifest.sig is larger than 4096 bytes/,
    );
  });
});
