import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig, loadEnv } from './config.js';

describe(loadConfig.name, () => {
  it('defaults to the embedded one-machine mode', () => {
    const home = mkdtempSync(join(tmpdir(), 'baton-config-'));
    const config = loadConfig({ BATON_HOME: home });
    expect(config).toMatchObject({
      PORT: 8080,
      HOST: '127.0.0.1',
      TEMPORAL_NAMESPACE: 'default',
      SIGNUP_ENABLED: true,
      DATABASE_URL: undefined,
      TEMPORAL_ADDRESS: undefined,
    });
    expect(config.publicUrl).toBe('http://127.0.0.1:8080');
    expect(config.jwtSecret).toBe(readFileSync(join(home, 'jwt-secret'), 'utf8'));
    expect(loadConfig({ BATON_HOME: home }).jwtSecret).toBe(config.jwtSecret);
  });

  it('keeps a webhook signing key of its own, never the session key', () => {
    const home = mkdtempSync(join(tmpdir(), 'baton-config-'));
    const config = loadConfig({ BATON_HOME: home });
    expect(config.webhookSigningKey).toBe(readFileSync(join(home, 'webhook-signing-key'), 'utf8'));
    expect(config.webhookSigningKey).not.toBe(config.jwtSecret);
    expect(loadConfig({ BATON_HOME: home, WEBHOOK_SIGNING_KEY: 'w'.repeat(32) }).webhookSigningKey).toBe('w'.repeat(32));
  });

  it('reads TRUST_PROXY in the forms Fastify takes', () => {
    expect(loadEnv({}).TRUST_PROXY).toBe(false);
    expect(loadEnv({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadEnv({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadEnv({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,loopback' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '127.0.0.1', 'loopback']);
    expect(() => loadEnv({ TRUST_PROXY: 'proxy.example' })).toThrow(/TRUST_PROXY.*proxy\.example/);
  });

  it('reads the pool a worker serves and the pools an installation declares', () => {
    expect(loadEnv({}).WORKER_POOL).toBe('default');
    expect(loadEnv({}).WORKER_POOLS).toBeUndefined();
    expect(loadEnv({ WORKER_POOL: 'gpu' }).WORKER_POOL).toBe('gpu');
    expect(loadEnv({ WORKER_POOLS: 'gpu, highmem,gpu' }).WORKER_POOLS).toEqual(['gpu', 'highmem']);
    expect(() => loadEnv({ WORKER_POOL: 'GPU' })).toThrow(/WORKER_POOL/);
    expect(() => loadEnv({ WORKER_POOLS: 'gpu,baton-shared@x' })).toThrow(/WORKER_POOLS.*baton-shared@x/);
  });

  it('names every invalid variable at once and never prints a secret value', () => {
    const error = (() => {
      try {
        loadEnv({ PORT: 'eighty', SIGNUP_ENABLED: 'maybe', JWT_SECRET: 'short-secret-value' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'JWT_SECRET', 'SIGNUP_ENABLED']);
    expect(error!.message).not.toContain('short-secret-value');
    expect(error!.message).toContain('"eighty"');
  });

  it('describes every variable with a description', () => {
    for (const variable of describeConfig()) expect(variable.description.length).toBeGreaterThan(10);
  });
});
