import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from '../config/config.js';
import { temporalConnectionOptions } from './temporal-connection.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-temporal-tls-'));
const pem = (name: string) => {
  const file = join(dir, name);
  writeFileSync(file, `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n`);
  return file;
};
const [ca, cert, key] = [pem('ca.pem'), pem('client.pem'), pem('client.key')];
const notPem = join(dir, 'notes.txt');
writeFileSync(notPem, 'hello');

const problemsOf = (env: Record<string, string>) => {
  try {
    loadEnv(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe(temporalConnectionOptions.name, () => {
  it('is plaintext for the embedded dev server and for an address alone', () => {
    expect(temporalConnectionOptions(loadEnv({}), '127.0.0.1:7233')).toEqual({ address: '127.0.0.1:7233' });
    expect(temporalConnectionOptions(loadEnv({ TEMPORAL_ADDRESS: 't:7233' }), 't:7233')).toEqual({ address: 't:7233' });
  });

  it('turns TLS on with the CA, the client pair, the server name and the API key read from their variables', () => {
    const env = loadEnv({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CA: ca,
      TEMPORAL_TLS_CERT: cert,
      TEMPORAL_TLS_KEY: key,
      TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal',
      TEMPORAL_API_KEY: 'k',
    });
    const options = temporalConnectionOptions(env, 'temporal.internal:7233');
    expect(options.apiKey).toBe('k');
    expect(options.tls?.serverNameOverride).toBe('frontend.temporal');
    expect(options.tls?.serverRootCACertificate?.toString()).toContain('ca.pem');
    expect(options.tls?.clientCertPair?.crt.toString()).toContain('client.pem');
    expect(options.tls?.clientCertPair?.key.toString()).toContain('client.key');
    // Temporal Cloud: an API key alone means TLS with the system's roots; TEMPORAL_TLS=true alike.
    const cloud = temporalConnectionOptions(loadEnv({ TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k' }), 'x');
    expect(cloud).toEqual({ address: 'x', tls: {}, apiKey: 'k' });
    expect(temporalConnectionOptions(loadEnv({ TEMPORAL_ADDRESS: 'x:1', TEMPORAL_TLS: 'true' }), 'x:1')).toEqual({
      address: 'x:1',
      tls: {},
    });
  });

  it('refuses half or contradictory settings at load, naming the variable to fix', () => {
    expect(problemsOf({ TEMPORAL_ADDRESS: 'x:1', TEMPORAL_TLS_CERT: cert })).toEqual([
      'TEMPORAL_TLS_KEY: mutual TLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY',
    ]);
    expect(problemsOf({ TEMPORAL_ADDRESS: 'x:1', TEMPORAL_TLS_KEY: key })[0]).toMatch(/^TEMPORAL_TLS_CERT: /);
    expect(problemsOf({ TEMPORAL_API_KEY: 'k' })[0]).toMatch(/^TEMPORAL_API_KEY: needs TEMPORAL_ADDRESS/);
    expect(problemsOf({ TEMPORAL_ADDRESS: 'x:1', TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' })[0]).toMatch(
      /^TEMPORAL_TLS: false, but TEMPORAL_API_KEY/,
    );
    expect(problemsOf({ TEMPORAL_ADDRESS: 'x:1', TEMPORAL_TLS_CA: join(dir, 'missing.pem') })[0]).toMatch(
      /^TEMPORAL_TLS_CA: cannot read .*missing\.pem \(ENOENT\)/,
    );
    expect(problemsOf({ TEMPORAL_ADDRESS: 'x:1', TEMPORAL_TLS_CA: notPem })[0]).toMatch(/^TEMPORAL_TLS_CA: .*is not a PEM file/);
  });

  it('never prints the API key', () => {
    const problems = problemsOf({ TEMPORAL_API_KEY: 'super-secret-key', TEMPORAL_TLS: 'maybe' });
    expect(problems.join('\n')).not.toContain('super-secret-key');
  });
});
