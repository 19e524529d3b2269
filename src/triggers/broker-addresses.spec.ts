import { describe, expect, it } from 'vitest';
import type { SecretsService } from '../secrets/secrets.service.js';
import { BrokerAddresses } from './broker-addresses.js';

const secretsOf = (values: Record<string, string>) =>
  ({
    valueOf: async (_tenant: string, name: string) => values[name] ?? null,
    exists: async (_tenant: string, name: string) => name in values,
  }) as unknown as SecretsService;

const SECRETS = {
  LOCAL: 'amqp://orders:p%40ss-word-1@127.0.0.1:5672/shop',
  NATS: 'nats://s3cr3t-token@127.0.0.1',
  WEB: 'https://127.0.0.1',
  METADATA: 'amqp://u:p@169.254.169.254',
};

describe(BrokerAddresses.name, () => {
  const allowing = new BrokerAddresses(secretsOf(SECRETS), { TRIGGER_BROKER_ALLOW_CIDRS: ['127.0.0.1/32'] });
  const strict = new BrokerAddresses(secretsOf(SECRETS), { TRIGGER_BROKER_ALLOW_CIDRS: [] });

  it('reads the URL from the secret and gives the vetted address and the default port of its scheme', async () => {
    expect(await allowing.resolve('t', 'amqp', 'LOCAL')).toMatchObject({ address: '127.0.0.1', port: 5672, servername: '127.0.0.1' });
    expect(await allowing.resolve('t', 'nats', 'NATS')).toMatchObject({ address: '127.0.0.1', port: 4222 });
  });

  it('refuses loopback unless TRIGGER_BROKER_ALLOW_CIDRS allows it, and metadata addresses always, naming the setting', async () => {
    expect(await strict.problem('t', 'amqp', 'LOCAL')).toMatch(/127\.0\.0\.1:5672 is a loopback address.*TRIGGER_BROKER_ALLOW_CIDRS/);
    expect(await allowing.problem('t', 'amqp', 'METADATA')).toMatch(/metadata/);
    expect(await allowing.problem('t', 'amqp', 'LOCAL')).toBeUndefined();
  });

  it('names a missing secret and a URL of another scheme, never the value', async () => {
    expect(await allowing.problem('t', 'amqp', 'NOPE')).toMatch(/Secret NOPE was not found/);
    const wrong = await allowing.problem('t', 'amqp', 'WEB');
    expect(wrong).toMatch(/amqp:\/\/ or amqps:\/\//);
    expect(wrong).not.toContain(SECRETS.WEB);
  });

  it('hides the URL, the password (as written and decoded) and the user in what a client library says', async () => {
    const target = await allowing.resolve('t', 'amqp', 'LOCAL');
    if ('error' in target) throw new Error(target.error);
    expect(target.hide(`failed: ${SECRETS.LOCAL} as orders with p@ss-word-1 and p%40ss-word-1`)).toBe(
      'failed: <secret LOCAL> as <secret LOCAL> with <secret LOCAL> and <secret LOCAL>',
    );
    const token = await allowing.resolve('t', 'nats', 'NATS');
    if ('error' in token) throw new Error(token.error);
    expect(token.hide('bad token s3cr3t-token')).toBe('bad token <secret NATS>');
  });
});
