import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../common/auth/principal.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { signingKeyOf } from '../triggers/webhook-signature.js';
import { channelSecret, signedHeaders } from './alert-payload.js';
import { TEST_ALERT_TYPE } from './alert-types.js';
import { AlertsError } from './alerts.errors.js';
import { AlertsRepository, type AlertRow, type ChannelRow, type DeliveryRow } from './alerts.repository.js';
import type { AlertListQuery, ChannelListQuery, CreateChannelBody, UpdateChannelBody } from './dto/alerts.dto.js';
import { WebhookSender } from './webhook-sender.js';

const toChannelResponse = (c: ChannelRow) => ({
  id: c.id,
  type: c.type,
  name: c.name,
  url: c.url,
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
  channel: { id: d.channelId, name: d.channelName, url: d.url },
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
    private readonly sender: WebhookSender,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'jwtSecret' | 'webhookSigningKey' | 'publicUrl'>,
  ) {}

  /** The signing secret is shown here and on rotation only. */
  async createChannel(principal: Principal, body: CreateChannelBody) {
    await this.checkUrl(body.url);
    const row = await this.alerts.insertChannel({
      id: randomUUID(),
      tenantId: principal.tenantId,
      name: body.name ?? null,
      type: body.type,
      url: body.url,
      events: body.events,
      enabled: body.enabled,
    });
    return { ...toChannelResponse(row), secret: this.secretOf(row) };
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
    await this.requireChannel(principal.tenantId, id);
    if (body.url) await this.checkUrl(body.url);
    const updated = await this.alerts.updateChannel(principal.tenantId, id, body);
    if (!updated) throw new AlertsError('channel_not_found', `Notification channel ${id} was not found`);
    return toChannelResponse(updated);
  }

  async removeChannel(principal: Principal, id: string): Promise<void> {
    if (!(await this.alerts.deleteChannel(principal.tenantId, id)))
      throw new AlertsError('channel_not_found', `Notification channel ${id} was not found`);
  }

  /** A new signing secret; the old one stops signing at once. */
  async rotateSecret(principal: Principal, id: string) {
    const rotated = await this.alerts.bumpSecretVersion(principal.tenantId, id);
    if (!rotated) throw new AlertsError('channel_not_found', `Notification channel ${id} was not found`);
    return { ...toChannelResponse(rotated), secret: this.secretOf(rotated) };
  }

  /** Sends a signed `test` payload now, once, and says how the receiver answered; nothing is recorded. */
  async testChannel(principal: Principal, id: string) {
    const channel = await this.requireChannel(principal.tenantId, id);
    const deliveryId = randomUUID();
    const body = JSON.stringify({
      id: deliveryId,
      type: TEST_ALERT_TYPE,
      occurredAt: new Date().toISOString(),
      tenant: principal.tenantId,
      message: `A test of notification channel ${channel.name ?? channel.id}`,
      data: {},
    });
    const result = await this.sender.post(channel.url, body, signedHeaders(this.secretOf(channel), deliveryId, TEST_ALERT_TYPE, body));
    return { deliveryId, ...result };
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
    const refusal = await this.sender.refusal(url);
    if (refusal)
      throw new AlertsError('invalid_channel', 'The notification channel is not valid', [
        { path: 'url', message: `Not a public address: ${refusal}` },
      ]);
  }

  private secretOf(channel: ChannelRow): string {
    return channelSecret(signingKeyOf(this.config, channel), channel.id, channel.secretVersion);
  }

  private async requireChannel(tenantId: string, id: string): Promise<ChannelRow> {
    const channel = await this.alerts.findChannel(tenantId, id);
    if (!channel) throw new AlertsError('channel_not_found', `Notification channel ${id} was not found`);
    return channel;
  }
}
