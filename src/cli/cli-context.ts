import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createBatonClient, type BatonClient } from '../../client/src/index.js';

/** A mistake the user can fix: printed as `error: <what> (<how to fix>)`, never as a stack trace. */
export class CliError extends Error {
  constructor(
    readonly what: string,
    readonly how?: string,
    /** 1 for a refused or invalid request; `baton apply --dry-run --exit-code` uses 2 for drift. */
    readonly exitCode = 1,
  ) {
    super(how ? `${what} (${how})` : what);
  }
}

export interface Profile {
  url: string;
  token?: string;
}

/** `$XDG_CONFIG_HOME/baton/credentials.json` (or `~/.config/baton/`), readable by the user alone: it holds tokens. */
export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.BATON_CONFIG_DIR ?? join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'baton');
  return join(base, 'credentials.json');
}

type Credentials = { profiles: Record<string, Profile> };

export function readCredentials(file = credentialsFile()): Credentials {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials>;
    return { profiles: parsed.profiles ?? {} };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, 'fix or delete the file, then `baton login` again');
  }
}

export function saveProfile(name: string, profile: Profile | undefined, file = credentialsFile()): void {
  const credentials = readCredentials(file);
  if (profile) credentials.profiles[name] = profile;
  else delete credentials.profiles[name];
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  // An existing file keeps its mode on write: made the user's alone either way.
  chmodSync(file, 0o600);
}

export interface Target extends Profile {
  profile: string;
}

/** Where the commands go: BATON_URL and BATON_TOKEN over the profile (`--profile`, BATON_PROFILE, else `default`). */
export function resolveTarget(options: { profile?: string }, env: NodeJS.ProcessEnv = process.env): Target {
  const profile = options.profile ?? env.BATON_PROFILE ?? 'default';
  const saved = readCredentials().profiles[profile];
  const url = env.BATON_URL ?? saved?.url;
  if (!url) throw new CliError('no Baton API to talk to', 'set BATON_URL, or run `baton login <url>`');
  return { profile, url, token: env.BATON_TOKEN ?? saved?.token };
}

/** This Baton's version, from its package.json (`baton --version`). */
export function batonVersion(): string {
  // From dist/src/cli/ when built, src/cli/ when run from source.
  const file = [new URL('../../../package.json', import.meta.url), new URL('../../package.json', import.meta.url)].find((url) =>
    existsSync(url),
  )!;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export const CLI_USER_AGENT = `baton-cli/${batonVersion()}`;

/** fetch, with an API that cannot be reached said in one line naming it. */
export function fetchFor(url: string): typeof globalThis.fetch {
  return async (...args) => {
    try {
      return await globalThis.fetch(...args);
    } catch (error) {
      // undici says why in `cause`: a code (ECONNREFUSED, ENOTFOUND) or, for a refused URL, a message.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      if (error instanceof TypeError && cause)
        throw new CliError(
          `cannot reach the Baton API at ${url} (${cause.code ?? cause.message})`,
          'is it running? check BATON_URL or `baton login`',
        );
      throw error;
    }
  };
}

export function clientFor(target: Target): BatonClient {
  return createBatonClient({ url: target.url, token: target.token, userAgent: CLI_USER_AGENT, fetch: fetchFor(target.url) });
}
