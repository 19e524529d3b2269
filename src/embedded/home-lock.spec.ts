import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedHomeError, lockHome, upPidFile, writePidFile } from './home-lock.js';
import { commandLine, isDevServerOn, isPostgresOn } from './processes.js';

describe(lockHome.name, () => {
  const home = mkdtempSync(join(tmpdir(), 'baton-lock-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('refuses while another live baton up holds the home, and takes over the file of a dead one', async () => {
    const other = spawn('sleep', ['30']);
    await new Promise((r) => other.once('spawn', r));
    writePidFile(upPidFile(home), other.pid!, commandLine(other.pid!)!);
    expect(() => lockHome(home)).toThrow(new EmbeddedHomeError(`another baton up (pid ${other.pid}) is running on BATON_HOME ${home}`));
    other.kill('SIGKILL');
    await new Promise((r) => other.once('exit', r));
    expect(lockHome(home)).toEqual({ previous: other.pid });
    expect(readFileSync(upPidFile(home), 'utf8').split('\n')[0]).toBe(String(process.pid));
  });

  it('does not take a reused pid for the holder', () => {
    const home2 = join(home, 'reused');
    writePidFile(upPidFile(home2), process.pid, ['node', 'bin/baton.js', 'up', 'something else']);
    expect(lockHome(home2).previous).toBe(process.pid);
    expect(existsSync(upPidFile(home2))).toBe(true);
  });
});

describe(isDevServerOn.name, () => {
  it('knows a dev server on this home from any other program', () => {
    const args = ['/c/temporal', 'server', 'start-dev', '--port', '7233', '--db-filename', '/h/temporal.db', '--headless'];
    expect(isDevServerOn(args, '/h/temporal.db')).toBe(true);
    expect(isDevServerOn(args, '/other/temporal.db')).toBe(false);
    expect(isDevServerOn(['vim', '/h/temporal.db'], '/h/temporal.db')).toBe(false);
    expect(isPostgresOn(['/n/bin/postgres', '-D', '/h/pg', '-p', '5433'], '/h/pg')).toBe(true);
    expect(isPostgresOn(['postgres: checkpointer '], '/h/pg')).toBe(false);
    expect(isPostgresOn(['/usr/bin/postgres', '-D', '/var/lib/pg'], '/h/pg')).toBe(false);
  });
});
