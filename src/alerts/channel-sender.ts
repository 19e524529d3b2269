import { Inject, Injectable, Optional } from '@nestjs/common';
import { MailTransport } from '../mail/mail-transport.provider.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { signingKeyOf } from '../triggers/webhook-signature.js';
import { channelSecret, signedHeaders } from './alert-payload.js';
import { PAGERDUTY_EVENTS_URL } from './alert-types.js';
import { ChannelCredentials, type ChannelTarget } from './channel-credentials.js';
import type { ChannelRow } from './channels.repository.js';
import { emailMessage, pagerDutyEvent, slackMessage, teamsMessage, type AlertSummary } from './channel-messages.js';
import { WebhookSender, type WebhookResult } from './webhook-sender.js';

/** What one alert (or test) is, for every kind of channel: the signed webhook's JSON and the summary the others word. */
export interface ChannelMessage {
  deliveryId: string;
  summary: AlertSummary;
  /** The body a `webhook` channel receives. */
  payload: object;
}

const JSON_HEADERS = { 'content-type': 'application/json', 'user-agent': 'Baton-Alerts/1' };

/**
 * Sends an alert the way its channel's kind takes it: a signed JSON webhook, a Slack or Teams
 * message, a PagerDuty event (all through the vetted webhook client, whose address rules apply to
 * every URL a tenant gave), or an e-mail through the installation's SMTP server. One attempt;
 * it never throws, it says what happened.
 */
@Injectable()
export class ChannelSender {
  constructor(
    private readonly http: WebhookSender,
    private readonly credentials: ChannelCredentials,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'jwtSecret' | 'webhookSigningKey' | 'MAIL_FROM'>,
    @Optional() @Inject(MailTransport) private readonly mail: MailTransport | null = null,
  ) {}

  /** Whether e-mail channels can be sent (SMTP_URL is set). */
  get mailing(): boolean {
    return Boolean(this.mail);
  }

  /** The signing secret of a webhook channel. */
  secretOf(channel: Pick<ChannelRow, 'id' | 'secretVersion' | 'secretFromSessionKey'>): string {
    return channelSecret(signingKeyOf(this.config, channel), channel.id, channel.secretVersion);
  }

  /** The channel's credential is read now (from its secret, if it names one), then the message sent. */
  async send(channel: ChannelRow, message: ChannelMessage): Promise<WebhookResult> {
    const target = await this.credentials.resolve(channel);
    if ('error' in target) return { delivered: false, statusCode: null, error: target.error, durationMs: 0 };
    const result = await this.attempt(channel, target, message).catch((error: Error) => ({
      delivered: false,
      statusCode: null,
      error: error.message,
      durationMs: 0,
    }));
    return { ...result, error: target.hide(result.error) };
  }

  private attempt(channel: ChannelRow, target: ChannelTarget, { deliveryId, summary, payload }: ChannelMessage): Promise<WebhookResult> {
    switch (channel.type) {
      case 'webhook': {
        const body = JSON.stringify(payload);
        return this.http.post(target.url!, body, signedHeaders(this.secretOf(channel), deliveryId, summary.type, body));
      }
      case 'slack':
        return this.http.post(target.url!, JSON.stringify(slackMessage(summary)), JSON_HEADERS);
      case 'teams':
        return this.http.post(target.url!, JSON.stringify(teamsMessage(summary)), JSON_HEADERS);
      case 'pagerduty':
        return this.http.post(
          target.url ?? PAGERDUTY_EVENTS_URL,
          JSON.stringify(pagerDutyEvent(summary, target.routingKey!)),
          JSON_HEADERS,
        );
      case 'email':
        return this.email(channel.config.to ?? [], summary);
    }
  }

  private async email(to: string[], summary: AlertSummary): Promise<WebhookResult> {
    if (!this.mail) return { delivered: false, statusCode: null, error: 'E-mail is off: SMTP_URL is not set', durationMs: 0 };
    const started = performance.now();
    try {
      await this.mail.send({ from: this.config.MAIL_FROM, to: to.join(', '), ...emailMessage(summary) });
      return { delivered: true, statusCode: null, error: null, durationMs: Math.round(performance.now() - started) };
    } catch (error) {
      const { responseCode } = error as { responseCode?: number };
      return {
        delivered: false,
        statusCode: responseCode ?? null,
        error: (error as Error).message,
        durationMs: Math.round(performance.now() - started),
      };
    }
  }
}
