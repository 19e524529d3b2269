import type { StepDomainEventType } from '../../workers/contracts/index.js';

/**
 * What a notification channel may subscribe to:
 * - `run.failed`: a run ended `failed` or `timed_out`;
 * - `run.recovered`: a top-level run succeeded and the run of its pipeline that ended before it had
 *   failed (what resolves a PagerDuty incident that `run.failed` opened);
 * - `sla.at_risk`: a run is still going past 80% of its pipeline's `sla`; once per run;
 * - `sla.breached`: a run went on (or ended) past its pipeline's `sla`, counted from its start, as
 *   the observability summary counts SLA breaches; once per run;
 * - `quality.failed`: a step failed with the error code `quality_failed` (`quality/expect`);
 * - `model.drift_detected`: a step emitted that event (`ctx.emit`);
 * - `usage.warning` / `usage.exceeded`: this month's runs or step-seconds reached 80% / 100% of what
 *   the tenant's plan allows; once per month, measure and threshold;
 * - `fire.skipped`: a schedule fired, or a pipeline or event trigger went off, and started no run:
 *   its pipeline or release tag is gone, or its inputs no longer fit the pipeline; once per fire.
 */
export const ALERT_TYPES = [
  'run.failed',
  'run.recovered',
  'sla.at_risk',
  'sla.breached',
  'quality.failed',
  'model.drift_detected',
  'usage.warning',
  'usage.exceeded',
  'fire.skipped',
] as const satisfies ReadonlyArray<`${'run' | 'sla' | 'quality' | 'usage' | 'fire'}.${string}` | StepDomainEventType>;
export type AlertType = (typeof ALERT_TYPES)[number];

/** The `type` of the payload `POST /v1/notification-channels/{id}/test` sends. */
export const TEST_ALERT_TYPE = 'test';

/** Share of the SLA after which a run still going raises `sla.at_risk`. */
export const SLA_AT_RISK_SHARE = 0.8;

/** Shares of a plan's monthly allowance that raise `usage.warning` and `usage.exceeded`. */
export const USAGE_THRESHOLDS = [
  { type: 'usage.warning', share: 0.8 },
  { type: 'usage.exceeded', share: 1 },
] as const satisfies ReadonlyArray<{ type: AlertType; share: number }>;

/**
 * Where an alert can be sent: a signed JSON webhook, a Slack or Microsoft Teams incoming webhook,
 * PagerDuty's Events API v2, or e-mail through the installation's SMTP server.
 */
export const CHANNEL_TYPES = ['webhook', 'slack', 'teams', 'pagerduty', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** PagerDuty's Events API v2 (US service region); an EU account sets `https://events.eu.pagerduty.com/v2/enqueue`. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
