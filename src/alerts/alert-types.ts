import type { StepDomainEventType } from '../../workers/contracts/index.js';

/**
 * What a notification channel may subscribe to:
 * - `run.failed`: a run ended `failed` or `timed_out`;
 * - `sla.breached`: a run went on (or ended) past its pipeline's `sla`, counted from its start, as
 *   the observability summary counts SLA breaches; once per run;
 * - `quality.failed`: a step failed with the error code `quality_failed` (`quality/expect`);
 * - `model.drift_detected`: a step emitted that event (`ctx.emit`).
 */
export const ALERT_TYPES = ['run.failed', 'sla.breached', 'quality.failed', 'model.drift_detected'] as const satisfies ReadonlyArray<
  `${'run' | 'sla' | 'quality'}.${string}` | StepDomainEventType
>;
export type AlertType = (typeof ALERT_TYPES)[number];

/** The `type` of the payload `POST /v1/notification-channels/{id}/test` sends. */
export const TEST_ALERT_TYPE = 'test';
