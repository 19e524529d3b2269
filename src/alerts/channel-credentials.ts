import { Injectable } from '@nestjs/common';
import { SecretsService } from '../secrets/secrets.service.js';
import type { ChannelRow } from './channels.repository.js';
import { routingKey, webhookUrl } from './dto/alerts.dto.js';
import { WebhookSender } from './webhook-sender.js';

/** What one attempt sends with: the channel's URL and routing key as they are now. */
export interface ChannelTarget {
  url: string | null;
  routingKey: string | null;
  /** The attempt's error with the secret's value (should a client library echo it) replaced by the secret's name. */
  hide(error: string | null): string | null;
}

/**
 * A channel's credential, from the channel itself or from the tenant secret it names, read at each
 * attempt from the channel's own tenant's store and judged as the same value given literally would
 * be (its format, then the address rules). What goes wrong names the secret, never its value.
 */
@Injectable()
export class ChannelCredentials {
  constructor(
    private readonly secrets: SecretsService,
    private readonly http: WebhookSender,
  ) {}

  async resolve(channel: ChannelRow): Promise<ChannelTarget | { error: string }> {
    const literal = { url: channel.url, routingKey: channel.config.routingKey ?? null };
    const name = channel.urlSecret ?? channel.config.routingKeySecret;
    if (!name) return { ...literal, hide: (error) => error };
    const value = await this.secrets.valueOf(channel.tenantId, name).catch((error: Error) => error);
    if (value instanceof Error) return { error: `Secret ${name} could not be read: ${value.message}` };
    if (value === null)
      return { error: `Secret ${name} is not in the tenant's secret store (deleted?): set it with PUT /v1/secrets/${name}` };
    const hide = (error: string | null) => error && error.split(value).join(`<secret ${name}>`);
    if (channel.urlSecret) {
      const parsed = webhookUrl.safeParse(value);
      if (!parsed.success) return { error: `Secret ${name} does not hold a usable URL: ${parsed.error.issues[0].message}` };
      const refusal = await this.http.refusal(value);
      if (refusal) return { error: hide(`Secret ${name} holds a URL that is not a public address: ${refusal}`)! };
      return { ...literal, url: value, hide };
    }
    if (!routingKey.safeParse(value).success)
      return { error: `Secret ${name} does not hold a PagerDuty routing key (20 to 64 letters and digits, 32 as PagerDuty issues them)` };
    return { ...literal, routingKey: value, hide };
  }
}
