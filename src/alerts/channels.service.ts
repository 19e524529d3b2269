import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../common/auth/principal.js';
import type { FieldProblem } from '../common/errors/baton-error.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { SecretsService } from '../secrets/secrets.service.js';
import { TEST_ALERT_TYPE, type ChannelType } from './alert-types.js';
import { AlertsError } from './alerts.errors.js';
import { testSummary } from './channel-messages.js';
import { ChannelSender } from './channel-sender.js';
import { ChannelsRepository, NAME_TAKEN, type ChannelChange, type ChannelConfig, type ChannelRow } from './channels.repository.js';
import type { ChannelListQuery, CreateChannelBody, UpdateChannelBody } from './dto/alerts.dto.js';
import { WebhookSender } from './webhook-sender.js';

/** The kinds whose URL is what they are reached by, given itself or by a secret's name. */
const URL_KINDS: ReadonlySet<ChannelType> = new Set(['webhook', 'slack', 'teams']);

/** Slack's and Teams' webhook URLs are their credential: only where they go and their last characters are shown. */
export function shownUrl(channel: Pick<ChannelRow, 'type' | 'url'>): string | null {
  if (!channel.url || channel.type === 'webhook') return channel.url;
  return `${new URL(channel.url).origin}/…${channel.url.slice(-4)}`;
}

/** A secret's name is shown; what it holds never is. */
const toChannelResponse = (c: ChannelRow) => ({
  id: c.id,
  type: c.type,
  name: c.name,
  url: shownUrl(c),
  ...(URL_KINDS.has(c.type) ? { urlSecret: c.urlSecret } : {}),
  ...(c.type === 'email' ? { to: c.config.to ?? [] } : {}),
  ...(c.type === 'pagerduty'
    ? {
        routingKey: c.config.routingKey ? `…${c.config.routingKey.slice(-4)}` : null,
        routingKeySecret: c.config.routingKeySecret ?? null,
      }
    : {}),
  events: c.events,
  pipelines: c.pipelines,
  enabled: c.enabled,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

/** A tenant's notification channels: where its alerts go. */
@Injectable()
export class ChannelsService {
  constructor(
    private readonly channels: ChannelsRepository,
    private readonly http: WebhookSender,
    private readonly sender: ChannelSender,
    private readonly secrets: SecretsService,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'publicUrl'>,
  ) {}

  /** A webhook's signing secret is shown here and on rotation only. */
  async createChannel(principal: Principal, body: CreateChannelBody) {
    const { tenantId } = principal;
    if (body.type === 'email' && !this.sender.mailing)
      throw invalid({ path: 'type', message: 'E-mail channels need the installation to send mail: its operator sets SMTP_URL' });
    const url = 'url' in body ? (body.url ?? null) : null;
    const urlSecret = 'urlSecret' in body ? (body.urlSecret ?? null) : null;
    const routingKeySecret = 'routingKeySecret' in body ? body.routingKeySecret : undefined;
    await this.check(tenantId, { url, urlSecret, routingKeySecret });
    const name = body.name ?? null;
    await this.checkName(tenantId, name);
    const config: ChannelConfig =
      body.type === 'email'
        ? { to: body.to }
        : body.type === 'pagerduty'
          ? body.routingKeySecret
            ? { routingKeySecret: body.routingKeySecret }
            : { routingKey: body.routingKey }
          : {};
    const row = await this.channels.insert({
      id: randomUUID(),
      tenantId,
      name,
      type: body.type,
      url,
      urlSecret,
      config,
      events: body.events,
      pipelines: body.pipelines ?? null,
      enabled: body.enabled,
    });
    if (row === NAME_TAKEN) throw nameTaken(name!);
    return { ...toChannelResponse(row), ...this.secretShown(row) };
  }

  /** `?name=` finds the one channel of that name (what `baton apply` matches by). */
  async listChannels(principal: Principal, query: ChannelListQuery) {
    return toPage(
      await this.channels.list(principal.tenantId, { name: query.name }, query.limit, decodeCursor(query.cursor)),
      query.limit,
      toChannelResponse,
    );
  }

  async getChannel(principal: Principal, id: string) {
    return toChannelResponse(await this.requireChannel(principal.tenantId, id));
  }

  /** Setting `url` clears `urlSecret` and the other way round; `routingKey` and `routingKeySecret` likewise. */
  async updateChannel(principal: Principal, id: string, body: UpdateChannelBody) {
    const { tenantId } = principal;
    const channel = await this.requireChannel(tenantId, id);
    const misplaced = (
      [
        ['url', channel.type !== 'email'],
        ['urlSecret', URL_KINDS.has(channel.type)],
        ['routingKey', channel.type === 'pagerduty'],
        ['routingKeySecret', channel.type === 'pagerduty'],
        ['to', channel.type === 'email'],
      ] as const
    ).filter(([field, fits]) => body[field] !== undefined && !fits);
    if (misplaced.length)
      throw invalid(...misplaced.map(([field]) => ({ path: field, message: `A ${channel.type} channel has no ${field}` })));
    await this.check(tenantId, { url: body.url ?? null, urlSecret: body.urlSecret ?? null, routingKeySecret: body.routingKeySecret });
    if (body.name) await this.checkName(tenantId, body.name, id);

    const { url, urlSecret, routingKey, routingKeySecret, to, ...rest } = body;
    const change: ChannelChange = { ...rest, config: {}, configRemoved: [] };
    if (url !== undefined) change.target = { url, urlSecret: null };
    if (urlSecret !== undefined) change.target = { url: null, urlSecret };
    if (routingKey !== undefined) [change.config, change.configRemoved] = [{ routingKey }, ['routingKeySecret']];
    if (routingKeySecret !== undefined) [change.config, change.configRemoved] = [{ routingKeySecret }, ['routingKey']];
    if (to !== undefined) change.config = { to };
    const updated = await this.channels.update(tenantId, id, change);
    if (updated === NAME_TAKEN) throw nameTaken(body.name!);
    if (!updated) throw new AlertsError('channel_not_found', `Notification channel ${id} was not found`);
    return toChannelResponse(updated);
  }

  async removeChannel(principal: Principal, id: string): Promise<void> {
    if (!(await this.channels.delete(principal.tenantId, id)))
      throw new AlertsError('channel_not_found', `Notification channel ${id} was not found`);
  }

  /** A new signing secret for a webhook; the old one stops signing at once. */
  async rotateSecret(principal: Principal, id: string) {
    const channel = await this.requireChannel(principal.tenantId, id);
    if (channel.type !== 'webhook')
      throw invalid({ path: 'type', message: `A ${channel.type} channel is not signed: it has no secret to rotate` });
    const rotated = await this.channels.bumpSecretVersion(principal.tenantId, id);
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

  /** A URL given must be one that may be called; a secret named must be the tenant's (what it holds is judged at each delivery). */
  private async check(
    tenantId: string,
    given: { url: string | null; urlSecret: string | null; routingKeySecret: string | undefined },
  ): Promise<void> {
    const problems: FieldProblem[] = [];
    const refusal = given.url ? await this.http.refusal(given.url) : null;
    if (refusal) problems.push({ path: 'url', message: `Not a public address: ${refusal}` });
    for (const [path, name] of [
      ['urlSecret', given.urlSecret],
      ['routingKeySecret', given.routingKeySecret],
    ] as const)
      if (name && !(await this.secrets.exists(tenantId, name)))
        problems.push({ path, message: `The tenant has no secret named ${name}: set it first (PUT /v1/secrets/${name})` });
    if (problems.length) throw invalid(...problems);
  }

  /** A name is the tenant's once (the unique index settles a race between two requests). */
  private async checkName(tenantId: string, name: string | null, except?: string): Promise<void> {
    if (name && (await this.channels.findByName(tenantId, name, except))) throw nameTaken(name);
  }

  private secretShown(channel: ChannelRow): { secret?: string } {
    return channel.type === 'webhook' ? { secret: this.sender.secretOf(channel) } : {};
  }

  private async requireChannel(tenantId: string, id: string): Promise<ChannelRow> {
    const channel = await this.channels.find(tenantId, id);
    if (!channel) throw new AlertsError('channel_not_found', `Notification channel ${id} was not found`);
    return channel;
  }
}

const invalid = (...problems: FieldProblem[]) => new AlertsError('invalid_channel', 'The notification channel is not valid', problems);

const nameTaken = (name: string) =>
  new AlertsError('channel_name_taken', `Another notification channel is named ${name}`, [
    { path: 'name', message: 'Taken by another notification channel' },
  ]);
