import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';

/**
 * How every Baton process reaches Temporal — the API's client, the worker's native connection and
 * the CLI's start-up checks alike: the address, TLS (a private CA, mutual TLS, a server name
 * override) and Temporal Cloud's API key, all from the one config loader.
 */
export interface TemporalConnectionEnv {
  TEMPORAL_ADDRESS?: string;
  TEMPORAL_TLS?: boolean;
  TEMPORAL_TLS_CA?: string;
  TEMPORAL_TLS_CERT?: string;
  TEMPORAL_TLS_KEY?: string;
  TEMPORAL_TLS_SERVER_NAME?: string;
  TEMPORAL_API_KEY?: string;
}

/** What `Connection.connect` and `NativeConnection.connect` both take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

const TLS_FILES = ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY'] as const;

/** TLS is on when asked for, or when anything that only makes sense over TLS is set. */
const wantsTls = (env: TemporalConnectionEnv) =>
  env.TEMPORAL_TLS ?? Boolean(env.TEMPORAL_API_KEY || env.TEMPORAL_TLS_SERVER_NAME || TLS_FILES.some((name) => env[name] !== undefined));

/** The loader's cross-checks of the Temporal variables: each problem names the variable to fix. */
export function temporalConnectionProblems(env: TemporalConnectionEnv): string[] {
  const problems: string[] = [];
  const tlsSettings = [...TLS_FILES, 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY'] as const;
  const set = tlsSettings.filter((name) => env[name] !== undefined);
  if (!env.TEMPORAL_ADDRESS && (set.length || env.TEMPORAL_TLS))
    problems.push(
      `${set[0] ?? 'TEMPORAL_TLS'}: needs TEMPORAL_ADDRESS (the embedded Temporal dev server listens in plaintext on loopback)`,
    );
  if ((env.TEMPORAL_TLS_CERT === undefined) !== (env.TEMPORAL_TLS_KEY === undefined))
    problems.push(
      `${env.TEMPORAL_TLS_CERT === undefined ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY'}: mutual TLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY`,
    );
  if (env.TEMPORAL_TLS === false && set.length) problems.push(`TEMPORAL_TLS: false, but ${set.join(', ')} only work over TLS`);
  for (const name of TLS_FILES) {
    const file = env[name];
    if (file === undefined) continue;
    try {
      const text = readFileSync(file, 'utf8');
      if (!text.includes('-----BEGIN ')) problems.push(`${name}: ${file} is not a PEM file`);
    } catch (error) {
      problems.push(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  return problems;
}

/** The options for `address` (TEMPORAL_ADDRESS, or the embedded dev server's, which is plaintext). */
export function temporalConnectionOptions(env: TemporalConnectionEnv, address: string): TemporalConnectionOptions {
  if (!env.TEMPORAL_ADDRESS || !wantsTls(env)) return { address };
  const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));
  const [ca, crt, key] = TLS_FILES.map((name) => read(env[name]));
  const tls: TLSConfig = {
    ...(env.TEMPORAL_TLS_SERVER_NAME && { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME }),
    ...(ca && { serverRootCACertificate: ca }),
    ...(crt && key && { clientCertPair: { crt, key } }),
  };
  return { address, tls, ...(env.TEMPORAL_API_KEY && { apiKey: env.TEMPORAL_API_KEY }) };
}
