import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { AlertsError } from './alerts.errors.js';
import { AlertsRepository, type AlertRow, type DeliveryRow } from './alerts.repository.js';
import { shownUrl } from './channels.service.js';
import type { AlertListQuery } from './dto/alerts.dto.js';

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

/** The alerts recorded for a tenant, and how each was delivered. */
@Injectable()
export class AlertsService {
  constructor(private readonly alerts: AlertsRepository) {}

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
}
