import { Inject, Injectable } from '@nestjs/common';
import { parseDuration } from '../../workers/contracts/duration.js';
// The one address policy of the installation (what steps may reach through the egress broker),
// reused so that a tenant's webhook URL is judged exactly like a step's request.
import { EgressBroker } from '../runtime/egress/egress-broker.js';
import { installationEndpoints, type EndpointConfig } from '../runtime/config/installation-endpoints.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';

export interface WebhookResult {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Posts alerts to tenants' webhooks. A URL is tenant-supplied: each request goes to a public
 * address (or one in ALERT_WEBHOOK_ALLOW_CIDRS), the one its name was resolved and vetted to, so a
 * second DNS answer cannot redirect it; redirects are not followed.
 */
@Injectable()
export class WebhookSender {
  private readonly broker: EgressBroker;

  constructor(@Inject(BATON_CONFIG) config: Pick<RuntimeConfig, 'ALERT_WEBHOOK_ALLOW_CIDRS' | 'ALERT_DELIVERY_TIMEOUT'> & EndpointConfig) {
    this.broker = new EgressBroker({
      allowCidrs: config.ALERT_WEBHOOK_ALLOW_CIDRS,
      allowSetting: 'ALERT_WEBHOOK_ALLOW_CIDRS',
      installation: installationEndpoints(config),
      maxRedirects: 0,
      timeoutMs: parseDuration(config.ALERT_DELIVERY_TIMEOUT)!,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
  }

  /** Why `url` may not be called (`127.0.0.1 is a loopback address`), or null when it may. */
  async refusal(url: string): Promise<string | null> {
    const vetted = await this.broker.policy.vetUrl(new URL(url));
    return typeof vetted === 'string' ? vetted : null;
  }

  async post(url: string, body: string, headers: Record<string, string>): Promise<WebhookResult> {
    const started = performance.now();
    const response = await this.broker.fetch({ url, method: 'POST', headers: Object.entries(headers), body: Buffer.from(body) }, ['*']);
    const durationMs = Math.round(performance.now() - started);
    if (!response.ok)
      return {
        delivered: false,
        statusCode: null,
        error: response.code === 'egress_denied' ? `refused: ${response.message}` : response.message,
        durationMs,
      };
    const delivered = response.status >= 200 && response.status < 300;
    return {
      delivered,
      statusCode: response.status,
      error: delivered ? null : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
      durationMs,
    };
  }
}
