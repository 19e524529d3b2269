import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../common/auth/principal.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import type { FieldProblem } from '../common/errors/baton-error.js';
import { TEST_ALERT_TYPE } from './alert-types.js';
import { AlertsError } from './alerts.errors.js';
import { AlertsRepository, type AlertRow, type ChannelConfig, type ChannelRow, type DeliveryRow } from './alerts.repository.js';
import { testSummary } from './channel-messages.js';
import { ChannelSender } from './channel-sender.js';
import type { AlertListQuery, ChannelListQuery, CreateChannelBody, UpdateChannelBody } from './dto/alerts.dto.js';
import { WebhookSender } from './webhook-sender.js';

/** Slack's and Teams' webhook URLs are their credential: only where they go and their last characters are shown. */
function shownUrl(channel: Pick<ChannelRow, 'type' | 'url'>): string | null {
  if (!channel.url || channel.type === 'webhook') return channel.url;
  return `${new URL(channel.url).origin}/…${channel.url.slice(-4)}`;
}

const toChannelResponse = (c: ChannelRow) => ({
  id: c.id,
  type: c.type,
  name: c.name,
  url: shownUrl(c),
  ...(c.type === 'email' ? { to: c.config.to ?? [] } : {}),
  ...(c.type === 'pagerduty' ? { routingKey: `…${(c.config.routingKey ?? '').slice(-4)}` } : {}),
  events: c.events,
  enabled: c.enabled,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

const toAlertResponse = (a: AlertRow) => ({
  id: a.id,
  type: a.type,
  pipeline: a.pipeline,
  runId: a.runId,
  stepId: a.stepId,
  message: a.message,
  data: a.data,
  occurredAt: a.occurredAt.toISOString(),
  createdAt: a.createdAt.toISOString(),
});

const toDeliveryResponse = (d: DeliveryRow) => ({
  id: d.id,
  channel: { id: d.channelId, name: d.channelName, type: d.channelType, url: shownUrl({ type: d.channelType, url: d.url }) },
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
  lastError: d.lastError,
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
  createdAt: d.createdAt.toISOString(),
  log: d.log.map((a) => ({
    attempt: a.attempt,
    statusCode: a.statusCode,
    error: a.error,
    durationMs: a.durationMs,
    at: new Date(a.at).toISOString(),
  })),
});

@Injectable()
export class AlertsService {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly http: WebhookSender,
    private readonly sender: ChannelSender,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'publicUrl'>,
  ) {}

  /** A webhook's signing secret is shown here and on rotation only. */
  async createChannel(principal: Principal, body: CreateChannelBody) {
    if (body.type === 'email' && !this.sender.mailing)
      throw invalid({ path: 'type', message: 'E-mail channels need the installation to send mail: its operator sets SMTP_URL' });
    const url = 'url' in body ? (body.url ?? null) : null;
    if (url) await this.checkUrl(url);
    const config: ChannelConfig =
      body.type === 'email' ? { to: body.to } : body.type === 'pagerduty' ? { routingKey: body.routingKey } : {};
    const row = await this.alerts.insertChannel({
      id: randomUUID(),
      tenantId: principal.tenantId,
      name: body.name ?? null,
      type: body.type,
      url,
      config,
      events: body.events,
      enabled: body.enabled,
    });
    return { ...toChannelResponse(row), ...this.secretShown(row) };
  }

  async listChannels(principal: Principal, query: ChannelListQuery) {
    return toPage(
      await this.alerts.listChannels(principal.tenantId, query.limit, decodeCursor(query.cursor)),
      query.limit,
      toChannelResponse,
    );
  }

  async getChannel(principal: Principal, id: string) {
    return toChannelResponse(await this.requireChannel(principal.tenantId, id));
  }

  async updateChannel(principal: Principal, id: string, body: UpdateChannelBody) {
    const channel = await this.requireChannel(principal.tenantId, id);
    const misplaced = (
      [
        ['url', channel.type !== 'email'],
        ['routingKey', channel.type === 'pagerduty'],
        ['to', channel.type === 'email'],
      ] as const
    ).filter(([field, fits]) => body[field] !== undefined && !fits);
    if (misplaced.length)
      throw invalid(...misplaced.map(([field]) => ({ path: field, message: `A ${channel.type} channel has no ${field}` })));
    if (body.url) await this.checkUrl(body.url);
    const { routingKey, to, ...change } = body;
    const config: ChannelConfig = { ...(routingKey ? { routingKey } : {}), ...(to ? { to } : {}) };
    const updated = await this.alerts.updateChannel(principal.tenantId, id, { ...change, config });
    if (!updated) throw new AlertsError('channel_not_found', `Notification channel ${id} was not found`);
    return toChannelResponse(updated);
  }

  async removeChannel(principal: Principal, id: string): Promise<void> {
    if (!(await this.alerts.deleteChannel(principal.tenantId, id)))
      throw new AlertsError('channel_not_found', `Notification channel ${id} was not found`);
  }

  /** A new signing secret for a webhook; the old one stops signing at once. */
  async rotateSecret(principal: Principal, id: string) {
    const channel = await this.requireChannel(principal.tenantId, id);
    if (channel.type !== 'webhook')
      throw invalid({ path: 'type', message: `A ${channel.type} channel is not signed: it has no secret to rotate` });
    const rotated = await this.alerts.bumpSecretVersion(principal.tenantId, id);
    if (!rotated) throw new AlertsError('channel_not_found', `Notification channel ${id} was not found`);
    return { ...toChannelResponse(rotated), ...this.secretShown(rotated) };
  }

  /** Sends a `test` message now, once, as the channel's kind takes it, and says how the receiver answered; nothing is recorded. */
  async testChannel(principal: Principal, id: string) {
    const channel = await this.requireChannel(principal.tenantId, id);
    const deliveryId = randomUUID();
    const summary = testSummary(principal.tenantId, channel.name ?? channel.id, deliveryId, this.config.publicUrl);
    const payload = {
      id: deliveryId,
      type: TEST_ALERT_TYPE,
      occurredAt: summary.occurredAt.toISOString(),
      tenant: principal.tenantId,
      message: summary.message,
      data: {},
    };
    return { deliveryId, ...(await this.sender.send(channel, { deliveryId, summary, payload })) };
  }

  async listAlerts(principal: Principal, query: AlertListQuery) {
    const filter = { type: query.type, pipeline: query.pipeline, runId: query.run, from: query.from, to: query.to };
    return toPage(
      await this.alerts.listAlerts(principal.tenantId, filter, query.limit, decodeCursor(query.cursor)),
      query.limit,
      toAlertResponse,
    );
  }

  /** The alert with each delivery to a channel and the log of its attempts. */
  async getAlert(principal: Principal, id: string) {
    const alert = await this.alerts.findAlert(principal.tenantId, id);
    if (!alert) throw new AlertsError('alert_not_found', `Alert ${id} was not found`);
    return { ...toAlertResponse(alert), deliveries: (await this.alerts.deliveriesOf(principal.tenantId, id)).map(toDeliveryResponse) };
  }

  private async checkUrl(url: string): Promise<void> {
    const refusal = await this.http.refusal(url);
    if (refusal) throw invalid({ path: 'url', message: `Not a public address: ${refusal}` });
  }

  private secretShown(channel: ChannelRow): { secret?: string } {
    return channel.type === 'webhook' ? { secret: this.sender.secretOf(channel) } : {};
  }

  private async requireChannel(tenantId: string, id: string): Promise<ChannelRow> {
    const channel = await this.alerts.findChannel(tenantId, id);
    if (!channel) throw new AlertsError('channel_not_found', `Notification channel ${id} was not found`);
    return channel;
  }
}

const invalid = (...problems: FieldProblem[]) => new AlertsError('invalid_channel', 'The notification channel is not valid', problems);
