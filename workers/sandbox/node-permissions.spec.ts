import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installationReadPaths, permissionFlags } from './node-permissions.js';

describe(installationReadPaths.name, () => {
  it('grants dist/, node_modules/ and package.json of the installation, never its root', () => {
    expect(installationReadPaths('/srv/baton/dist/workers/sandbox/step-runner.js')).toEqual([
      '/srv/baton/dist',
      '/srv/baton/node_modules',
      '/srv/baton/package.json',
    ]);
  });

  it('refuses a runner outside a dist/ folder rather than guess', () => {
    expect(() => installationReadPaths('/srv/baton/workers/sandbox/step-runner.js')).toThrow(/not inside a dist\/ folder/);
  });
});

describe(permissionFlags.name, () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-permissions-'));
    await mkdir(join(dir, 'real'));
    await symlink(join(dir, 'real'), join(dir, 'link'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('turns the permission model on with one read grant per path and nothing else', () => {
    const flags = permissionFlags({ readPaths: ['/srv/baton/dist', '/srv/baton/node_modules'] });

    expect(flags[0]).toMatch(/^--(experimental-)?permission$/);
    expect(flags.filter((flag) => flag.startsWith('--allow-fs-read'))).toEqual([
      '--allow-fs-read=/srv/baton/dist',
      '--allow-fs-read=/srv/baton/node_modules',
    ]);
    expect(flags.some((flag) => /^--allow-(fs-write|child-process|worker|addons|wasi)/.test(flag))).toBe(false);
  });

  it('allows child processes only when asked', () => {
    expect(permissionFlags({ readPaths: [], allowChildProcess: true })).toContain('--allow-child-process');
  });

  it('grants a scratch folder read and write, and add-ons, only when asked', () => {
    const flags = permissionFlags({ readPaths: ['/srv/baton/dist'], writePaths: ['/var/scratch/p-1'], allowAddons: true });

    expect(flags).toEqual(
      expect.arrayContaining(['--allow-fs-read=/var/scratch/p-1', '--allow-fs-write=/var/scratch/p-1', '--allow-addons']),
    );
    expect(flags.filter((flag) => flag.startsWith('--allow-fs-write'))).toHaveLength(1);
    expect(() => permissionFlags({ readPaths: [], writePaths: ['/var/*'] })).toThrow(/"\*" or ","/);
  });

  it('grants the real path of a symlink too', () => {
    const reads = permissionFlags({ readPaths: [join(dir, 'link')] }).filter((flag) => flag.startsWith('--allow-fs-read'));

    expect(reads).toEqual([`--allow-fs-read=${join(dir, 'link')}`, `--allow-fs-read=${realpathSync(join(dir, 'real'))}`]);
  });

  it('refuses paths that could grant more than they name', () => {
    expect(() => permissionFlags({ readPaths: ['dist'] })).toThrow(/absolute/);
    expect(() => permissionFlags({ readPaths: ['/srv/*'] })).toThrow(/"\*" or ","/);
    expect(() => permissionFlags({ readPaths: ['/srv/a,/etc'] })).toThrow(/"\*" or ","/);
  });
});
