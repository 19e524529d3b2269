import { Inject, Injectable } from '@nestjs/common';
import { AddressPolicy } from '../runtime/egress/egress-policy.js';
import { installationEndpoints, type EndpointConfig } from '../runtime/config/installation-endpoints.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { SecretsService } from '../secrets/secrets.service.js';

/** URL schemes each kind of broker is reached by, with their default ports. */
const SCHEMES: Record<'amqp' | 'nats', Record<string, number>> = {
  amqp: { 'amqp:': 5672, 'amqps:': 5671 },
  nats: { 'nats:': 4222, 'tls:': 4222 },
};

/** A broker's URL read from its secret and vetted: connect to `address`, never to a name resolved again. */
export interface BrokerTarget {
  url: URL;
  /** The vetted address and port to connect to, and the name TLS checks the certificate against. */
  address: string;
  port: number;
  servername: string;
  /** Text (an error a client library made) with the URL and its credentials replaced by the secret's name. */
  hide(text: string): string;
}

/**
 * The URL of a broker trigger's tenant secret, read when its listener connects and judged by the
 * installation's address policy (TRIGGER_BROKER_ALLOW_CIDRS): only public addresses unless allowed,
 * never a metadata address or this installation's own services. What goes wrong names the secret,
 * never its value.
 */
@Injectable()
export class BrokerAddresses {
  private readonly policy: AddressPolicy;

  constructor(
    private readonly secrets: SecretsService,
    @Inject(BATON_CONFIG) config: Pick<RuntimeConfig, 'TRIGGER_BROKER_ALLOW_CIDRS'> & EndpointConfig,
  ) {
    this.policy = new AddressPolicy({
      allowCidrs: config.TRIGGER_BROKER_ALLOW_CIDRS,
      allowSetting: 'TRIGGER_BROKER_ALLOW_CIDRS',
      installation: installationEndpoints(config),
    });
  }

  async resolve(tenantId: string, type: 'amqp' | 'nats', secret: string): Promise<BrokerTarget | { error: string }> {
    const value = await this.secrets.valueOf(tenantId, secret).catch((error: Error) => error);
    if (value instanceof Error) return { error: `Secret ${secret} could not be read: ${value.message}` };
    if (value === null) return { error: `Secret ${secret} is not in the tenant's secret store: set it with PUT /v1/secrets/${secret}` };
    const hide = hider(secret, value);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return { error: `Secret ${secret} does not hold a URL` };
    }
    const port = url.port ? Number(url.port) : SCHEMES[type][url.protocol];
    if (port === undefined)
      return { error: `Secret ${secret} must hold a ${Object.keys(SCHEMES[type]).join('// or ')}// URL, not ${url.protocol}//` };
    if (!url.hostname) return { error: `Secret ${secret} holds a URL without a host` };
    const vetted = await this.policy.vet(url.hostname, port);
    if (typeof vetted === 'string') return { error: hide(`Secret ${secret} names a broker that may not be reached: ${vetted}`) };
    return { url, address: vetted[0].address, port, servername: url.hostname.replace(/^\[|\]$/g, ''), hide };
  }

  /** Why the secret cannot name this kind of broker (create and PATCH check it too), or undefined. */
  async problem(tenantId: string, type: 'amqp' | 'nats', secret: string): Promise<string | undefined> {
    if (!(await this.secrets.exists(tenantId, secret))) return `Secret ${secret} was not found: set it with PUT /v1/secrets/${secret}`;
    const target = await this.resolve(tenantId, type, secret);
    return 'error' in target ? target.error : undefined;
  }
}

/** Replaces the secret's value, and its password and user (also as URL-decoded), with `<secret NAME>`. */
function hider(name: string, value: string): (text: string) => string {
  const parts = new Set<string>([value]);
  try {
    const url = new URL(value);
    for (const part of [url.password, url.username]) if (part.length >= 3) parts.add(part).add(decodeURIComponent(part));
  } catch {
    // Not a URL: the value alone is hidden.
  }
  const ordered = [...parts].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((hidden, part) => hidden.split(part).join(`<secret ${name}>`), text);
}
