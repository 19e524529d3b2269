import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { create as createTar, extract as extractTar } from 'tar';
import { DataSource } from 'typeorm';
import { createDataSource, MIGRATIONS } from '../database/data-source.js';
import { startEmbeddedPostgres, type EmbeddedDatabaseSecrets } from '../runtime/database/embedded-postgres.js';
import { EmbeddedHomeError, readPidFile, upPidFile } from './home-lock.js';
import { commandLine, isRunning } from './processes.js';

const run = promisify(execFile);

/** What BATON_HOME keeps that the database needs to be of use: passwords, keys, the session and webhook secrets. */
export const HOME_SECRETS = [
  'pg-superuser-password',
  'pg-password',
  'secrets-master-key',
  'jwt-secret',
  'webhook-signing-key',
  'first-party-signing-key',
];
const MANIFEST = 'baton-backup.json';
const FORMAT = 1;
const SQLITE3 = '/usr/bin/sqlite3';
const MIGRATIONS_TABLE = 'schema_migration';
const BATCH = 500;

interface Manifest {
  format: number;
  createdAt: string;
  migrations: string[];
  tables: Array<{ name: string; columns: string[]; rows: number }>;
  sequences: Array<{ name: string; lastValue: string; isCalled: boolean }>;
  secrets: string[];
}

export interface EmbeddedHome {
  home: string;
  port: number;
  secrets: () => EmbeddedDatabaseSecrets;
}

const databaseUrl = (port: number, secrets: EmbeddedDatabaseSecrets) =>
  `postgres://postgres:${encodeURIComponent(secrets.superuserPassword)}@127.0.0.1:${port}/baton`;

/**
 * `baton backup <file>`: the Temporal dev server's SQLite database first, then Baton's database
 * (one snapshot), then the secrets of BATON_HOME, in one .tar.gz. In that order, Baton's copy is
 * never older than Temporal's: a restored run whose workflow is missing is settled by the sweeper,
 * while a workflow whose run row were missing could not be. Works beside a running `baton up`.
 */
export async function backupEmbedded(
  target: EmbeddedHome,
  file: string,
  log: (line: string) => void = () => {},
): Promise<{ tables: number; rows: number }> {
  const { home } = target;
  if (!existsSync(join(home, 'pg', 'PG_VERSION')))
    throw new EmbeddedHomeError(`nothing to back up: ${home} has no embedded PostgreSQL (pg/)`);
  const staging = mkdtempSync(join(tmpdir(), 'baton-backup-'));
  try {
    const temporalDb = join(home, 'temporal.db');
    if (existsSync(temporalDb)) {
      await copySqlite(temporalDb, join(staging, 'temporal.db'), upRunning(home));
      log('Temporal dev server database copied');
    }
    const secrets = target.secrets();
    const database = await startEmbeddedPostgres(join(home, 'pg'), target.port, secrets, undefined, { reuseRunning: true });
    let manifest: Manifest;
    try {
      manifest = await dumpDatabase(databaseUrl(target.port, secrets), join(staging, 'database'));
    } finally {
      await database.stop();
    }
    mkdirSync(join(staging, 'secrets'), { mode: 0o700 });
    for (const name of HOME_SECRETS) {
      if (existsSync(join(home, name))) {
        copyFileSync(join(home, name), join(staging, 'secrets', name));
        manifest.secrets.push(name);
      }
    }
    writeFileSync(join(staging, MANIFEST), JSON.stringify(manifest, null, 2));
    const out = resolve(file);
    const partial = `${out}.partial`;
    await createTar({ gzip: true, file: partial, cwd: staging, portable: true }, readdirSync(staging));
    chmodSync(partial, 0o600);
    renameSync(partial, out);
    return { tables: manifest.tables.length, rows: manifest.tables.reduce((sum, table) => sum + table.rows, 0) };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * `baton restore <file>` into an empty BATON_HOME that nothing runs on: the secrets, a new embedded
 * PostgreSQL with Baton's schema as the backup had it and its rows, and the Temporal database.
 * The next `baton up` applies the migrations of a newer Baton.
 */
export async function restoreEmbedded(
  target: EmbeddedHome,
  file: string,
  log: (line: string) => void = () => {},
): Promise<{ tables: number; rows: number }> {
  const { home } = target;
  if (!existsSync(file)) throw new EmbeddedHomeError(`no backup file ${file}`);
  if (upRunning(home)) throw new EmbeddedHomeError(`baton up is running on ${home}: restore into a new, empty BATON_HOME`);
  if (existsSync(home) && readdirSync(home).length)
    throw new EmbeddedHomeError(`BATON_HOME ${home} is not empty: restore into a new, empty folder (move this one aside first)`);
  const staging = mkdtempSync(join(tmpdir(), 'baton-restore-'));
  try {
    await extractTar({ file, cwd: staging, strict: true });
    if (!existsSync(join(staging, MANIFEST))) throw new EmbeddedHomeError(`${file} is not a baton backup (no ${MANIFEST})`);
    const manifest = JSON.parse(readFileSync(join(staging, MANIFEST), 'utf8')) as Manifest;
    if (manifest.format !== FORMAT)
      throw new EmbeddedHomeError(`${file} is a backup of format ${manifest.format}; this Baton reads format ${FORMAT}`);
    const known = new Set(MIGRATIONS.map((migration) => migration.name));
    const unknown = manifest.migrations.filter((name) => !known.has(name));
    if (unknown.length)
      throw new EmbeddedHomeError(`${file} was made by a newer Baton (migrations ${unknown.join(', ')}): restore it with that version`);

    mkdirSync(home, { recursive: true });
    for (const name of manifest.secrets) {
      copyFileSync(join(staging, 'secrets', name), join(home, name));
      chmodSync(join(home, name), 0o600);
    }
    if (existsSync(join(staging, 'temporal.db'))) copyFileSync(join(staging, 'temporal.db'), join(home, 'temporal.db'));
    const secrets = target.secrets();
    const database = await startEmbeddedPostgres(join(home, 'pg'), target.port, secrets, log);
    try {
      await applyMigrations(database.url, manifest.migrations);
      await loadDatabase(databaseUrl(target.port, secrets), join(staging, 'database'), manifest);
    } finally {
      await database.stop();
    }
    return { tables: manifest.tables.length, rows: manifest.tables.reduce((sum, table) => sum + table.rows, 0) };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function upRunning(home: string): boolean {
  const held = readPidFile(upPidFile(home));
  return held !== undefined && isRunning(held.pid) && commandLine(held.pid)?.join(' ') === held.command;
}

/**
 * A consistent copy of a SQLite file that another process is writing: `VACUUM INTO` reads it in one
 * transaction and, unlike the CLI's `.backup`, waits out the writer's locks (busy timeout) instead
 * of failing with `database is locked` under load.
 */
async function copySqlite(source: string, out: string, live: boolean): Promise<void> {
  if (existsSync(SQLITE3)) {
    for (let attempt = 1; ; attempt++) {
      try {
        rmSync(out, { force: true });
        await run(SQLITE3, ['-bail', '-cmd', '.timeout 10000', source, `VACUUM INTO '${out.replace(/'/g, "''")}'`]);
        return;
      } catch (error) {
        if (attempt >= 5 || !/locked|busy/i.test((error as Error).message)) throw error;
      }
    }
  }
  // Without sqlite3 a copy is consistent only while nothing writes: the dev server is not running.
  if (live)
    throw new EmbeddedHomeError(`backing up beside a running baton up needs ${SQLITE3} (apt-get install sqlite3), or stop baton up first`);
  for (const suffix of ['', '-wal', '-journal']) if (existsSync(source + suffix)) copyFileSync(source + suffix, out + suffix);
}

/** Every table of Baton's schema as JSON lines, read in one REPEATABLE READ snapshot. */
async function dumpDatabase(url: string, dir: string): Promise<Manifest> {
  mkdirSync(dir, { recursive: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const migrations = (await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY timestamp`)).rows.map(
      (row) => row.name,
    );
    const tables = await publicTables(client);
    const manifest: Manifest = { format: FORMAT, createdAt: new Date().toISOString(), migrations, tables: [], sequences: [], secrets: [] };
    for (const { name, columns } of tables) {
      if (name === MIGRATIONS_TABLE) continue;
      const stream = createWriteStream(join(dir, `${name}.jsonl`));
      const select = columns.map((column) => client.escapeIdentifier(column)).join(', ');
      await client.query(
        `DECLARE dump NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS line FROM (SELECT ${select} FROM public.${client.escapeIdentifier(name)}) t`,
      );
      let rows = 0;
      for (;;) {
        const batch = await client.query<{ line: string }>(`FETCH ${BATCH} FROM dump`);
        for (const { line } of batch.rows) if (!stream.write(`${line}\n`)) await once(stream, 'drain');
        rows += batch.rows.length;
        if (batch.rows.length < BATCH) break;
      }
      await client.query('CLOSE dump');
      stream.end();
      await once(stream, 'finish');
      manifest.tables.push({ name, columns, rows });
    }
    const sequences = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'S'`,
    );
    for (const { name } of sequences.rows) {
      const state = (
        await client.query<{ last_value: string; is_called: boolean }>(
          `SELECT last_value, is_called FROM public.${client.escapeIdentifier(name)}`,
        )
      ).rows[0];
      manifest.sequences.push({ name, lastValue: String(state.last_value), isCalled: state.is_called });
    }
    await client.query('COMMIT');
    return manifest;
  } finally {
    await client.end();
  }
}

/** Tables of the public schema (a partitioned table as its parent) with their writable columns. */
async function publicTables(client: pg.Client): Promise<Array<{ name: string; columns: string[] }>> {
  const { rows } = await client.query<{ name: string; columns: string[] }>(`
    SELECT c.relname AS name, array_agg(a.attname::text ORDER BY a.attnum) AS columns
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
     GROUP BY c.relname ORDER BY c.relname`);
  return rows;
}

/** The backup's migrations, no more: its rows fit that schema; a newer Baton migrates them when it starts. */
async function applyMigrations(url: string, names: string[]): Promise<void> {
  const base = createDataSource(url, 2);
  const dataSource = new DataSource({ ...base.options, migrations: MIGRATIONS.filter((migration) => names.includes(migration.name)) });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

/** As the superuser, in one transaction, with triggers and foreign keys off while rows go in (in any order). */
async function loadDatabase(url: string, dir: string, manifest: Manifest): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    const tables = manifest.tables.map((table) => `public.${client.escapeIdentifier(table.name)}`);
    // Rows a migration seeded are replaced by the backup's.
    if (tables.length) await client.query(`TRUNCATE ${tables.join(', ')}`);
    for (const table of manifest.tables) {
      const name = `public.${client.escapeIdentifier(table.name)}`;
      const columns = table.columns.map((column) => client.escapeIdentifier(column)).join(', ');
      const lines = readFileSync(join(dir, `${table.name}.jsonl`), 'utf8')
        .split('\n')
        .filter(Boolean);
      for (let at = 0; at < lines.length; at += BATCH) {
        await client.query(
          `INSERT INTO ${name} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columns} FROM json_populate_recordset(null::${name}, $1::json)`,
          [`[${lines.slice(at, at + BATCH).join(',')}]`],
        );
      }
    }
    for (const sequence of manifest.sequences) {
      await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [
        `public.${client.escapeIdentifier(sequence.name)}`,
        sequence.lastValue,
        sequence.isCalled,
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
