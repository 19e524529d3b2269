import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { randomDatabaseSecrets, startEmbeddedPostgres } from './embedded-postgres.js';

describe(startEmbeddedPostgres.name, () => {
  const root = mkdtempSync(join(tmpdir(), 'baton-pg-spec-'));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it.runIf(process.getuid?.() === 0)('explains when the postgres user cannot reach the data folder', async () => {
    const closed = join(root, 'closed');
    mkdirSync(closed, { mode: 0o700 });
    chmodSync(closed, 0o700);
    await expect(startEmbeddedPostgres(join(closed, 'home', 'pg'), 1, randomDatabaseSecrets())).rejects.toThrow(
      /postgres user, which cannot enter .*closed.*BATON_HOME/,
    );
  });
});
