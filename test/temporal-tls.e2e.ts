import { rmSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadEnv } from '../src/runtime/config/config.js';
import { temporalConnectionOptions } from '../src/runtime/temporal/temporal-connection.js';
import { newPipeline, newTenant, runToEnd } from './support/builders.js';
import { startIsolatedStack } from './support/isolated-stack.js';
import { makeTestPki, startTemporalTlsProxy, type TemporalTlsProxy, type TestPki } from './support/temporal-tls-proxy.js';

const SERVER_NAME = 'temporal.baton.test';
const CLIENT_NAME = 'baton-client';
const API_KEY = 'temporal-cloud-api-key-for-tests';

/**
 * Baton against a secured Temporal frontend: TLS with a private CA, a client certificate required
 * (mutual TLS), a server name that is not the address's host, and an API key on every call — the
 * settings of a production cluster or Temporal Cloud, given to API, worker and CLI alike.
 */
describe('Temporal over mutual TLS with an API key', () => {
  let pki: TestPki;
  let proxy: TemporalTlsProxy;
  const secured = (extra: Record<string, string> = {}) => ({
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TLS_CA: pki.caFile,
    TEMPORAL_TLS_CERT: pki.clientCertFile,
    TEMPORAL_TLS_KEY: pki.clientKeyFile,
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    TEMPORAL_API_KEY: API_KEY,
    ...extra,
  });
  const optionsFor = (env: Record<string, string>) => temporalConnectionOptions(loadEnv(env), proxy.address);
  const describeNamespace = async (env: Record<string, string>) => {
    const connection = await Connection.connect({ ...optionsFor(env), connectTimeout: 2_000 });
    try {
      return await connection.workflowService.describeNamespace({ namespace: 'default' });
    } finally {
      await connection.close();
    }
  };

  beforeAll(async () => {
    pki = makeTestPki(SERVER_NAME, CLIENT_NAME);
    proxy = await startTemporalTlsProxy(inject('temporalAddress'), pki, API_KEY);
  });
  afterAll(async () => {
    await proxy?.close();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  it("the API's client and the worker's native connection connect with the certificate and the key", async () => {
    expect((await describeNamespace(secured())).namespaceInfo?.name).toBe('default');
    const native = await NativeConnection.connect(optionsFor(secured()));
    try {
      const answer = await native.workflowService.describeNamespace({ namespace: 'default' });
      expect(answer.namespaceInfo?.name).toBe('default');
    } finally {
      await native.close();
    }
    const described = proxy.calls.filter((call) => call.path.endsWith('/DescribeNamespace'));
    expect(described.length).toBeGreaterThanOrEqual(2);
    for (const call of described) expect(call).toMatchObject({ clientCertificate: CLIENT_NAME, authorization: `Bearer ${API_KEY}` });
  });

  it('fails where a secured frontend refuses: no client certificate, an untrusted CA, another server name, a wrong key', async () => {
    const { TEMPORAL_TLS_CERT: _cert, TEMPORAL_TLS_KEY: _key, ...withoutCertificate } = secured();
    await expect(describeNamespace(withoutCertificate)).rejects.toThrow();
    await expect(describeNamespace(secured({ TEMPORAL_TLS_CA: pki.otherCaFile }))).rejects.toThrow();
    await expect(describeNamespace(secured({ TEMPORAL_TLS_SERVER_NAME: 'elsewhere.baton.test' }))).rejects.toThrow();
    const wrongKey = await describeNamespace(secured({ TEMPORAL_API_KEY: 'not-the-key' })).catch((error: Error) => error);
    expect(wrongKey).toBeInstanceOf(Error);
    const cause = (wrongKey as Error).cause;
    expect(cause instanceof Error ? cause.message : (wrongKey as Error).message).toMatch(/API key required/);
    // Plaintext to a TLS port is no connection at all.
    await expect(Connection.connect({ address: proxy.address, connectTimeout: 2_000 })).rejects.toThrow();
  });

  it('`baton up` configured so runs a pipeline end to end: its API starts the run, its worker executes it, every call over TLS', async () => {
    const before = proxy.calls.length;
    const stack = await startIsolatedStack(secured());
    try {
      const tenant = await newTenant(stack.baseUrl);
      const run = await runToEnd(tenant, newPipeline('over-tls', { hello: { uses: 'core/echo@^1', with: { text: 'hi' } } }));
      expect(run.status, JSON.stringify(run)).toBe('succeeded');
    } finally {
      await stack.stop();
    }
    const calls = proxy.calls.slice(before);
    const methods = new Set(calls.map((call) => call.path.split('/').pop()));
    // The API's client started the workflow; the worker polled and completed its tasks.
    for (const method of ['StartWorkflowExecution', 'PollWorkflowTaskQueue', 'RespondWorkflowTaskCompleted', 'PollActivityTaskQueue'])
      expect(methods, method).toContain(method);
    expect(calls.every((call) => call.clientCertificate === CLIENT_NAME && call.authorization === `Bearer ${API_KEY}`)).toBe(true);
  });
});
