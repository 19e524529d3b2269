import { SLA_AT_RISK_SHARE, USAGE_THRESHOLDS, type AlertType } from './alert-types.js';

/*
 * Where alerts come from, as SQL the alerts repository records from: runs that ended, events
 * appended, runs going now, this month's usage, fires that started no run.
 */

/**
 * A run past its pipeline's `sla` (or `share` of it); asked of running and of ended runs apart below,
 * so that each uses its own index.
 */
const SLA_PAST = (type: AlertType, share: number, message: string) => `
  SELECT r.tenant_id, 'run:' || r.id || ':${type}', '${type}', r.pipeline_name, r.id, NULL,
         'Run of ' || r.pipeline_name || ' ${message} ' || (v.definition->>'sla'),
         jsonb_build_object('sla', v.definition->>'sla', 'startedAt', r.started_at, 'endedAt', r.ended_at),
         r.started_at + (v.definition->>'sla')::interval * ${share}, 0::bigint
    FROM run r JOIN pipeline_version v ON v.pipeline_id = r.pipeline_id AND v.version = r.version`;
const SLA_BREACH = SLA_PAST('sla.breached', 1, 'went past its SLA of');
const SLA_AT_RISK = SLA_PAST('sla.at_risk', SLA_AT_RISK_SHARE, `is still going after ${SLA_AT_RISK_SHARE * 100}% of its SLA of`);

/**
 * Where each alert comes from, as rows of (tenant, key, type, pipeline, run, step, message, data,
 * occurred_at, seq); of rows with one key, the first (by time, then by event) is recorded. Every
 * branch looks only at what changed in the last `$1` (runs that ended, events appended) or at runs
 * going now, through the indexes the Alerts migration made for them.
 *
 * `sla.breached` is the observability summary's rule (a run started, and its end, or now, is
 * further from its start than the pipeline version's `sla`): the two never disagree on a run.
 */
export const FOUND = `
  SELECT r.tenant_id, 'run:' || r.id || ':run.failed' AS key, 'run.failed' AS type, r.pipeline_name, r.id AS run_id, NULL::text AS step_id,
         'Run of ' || r.pipeline_name || CASE WHEN r.status = 'timed_out' THEN ' timed out' ELSE ' failed' END || coalesce(': ' || (r.error->>'message'), '') AS message,
         jsonb_build_object('status', r.status, 'error', r.error) AS data, r.ended_at AS occurred_at, 0::bigint AS seq
    FROM run r
   WHERE r.ended_at >= now() - $1::interval AND r.status IN ('failed', 'timed_out')
  UNION ALL
  SELECT r.tenant_id, 'run:' || r.id || ':run.recovered', 'run.recovered', r.pipeline_name, r.id, NULL,
         'Run of ' || r.pipeline_name || ' succeeded after run ' || p.id || ' ' || p.status,
         jsonb_build_object('status', r.status, 'after', jsonb_build_object('run', p.id, 'status', p.status)), r.ended_at, 0::bigint
    FROM run r
    CROSS JOIN LATERAL (
      SELECT p.id, p.status FROM run p
       WHERE p.tenant_id = r.tenant_id AND p.pipeline_name = r.pipeline_name AND p.created_at < r.created_at
         AND p.parent_run_id IS NULL AND p.ended_at IS NOT NULL AND p.ended_at <= r.ended_at
       ORDER BY p.created_at DESC LIMIT 1) p
   WHERE r.ended_at >= now() - $1::interval AND r.status = 'succeeded' AND r.parent_run_id IS NULL AND p.status IN ('failed', 'timed_out')
  UNION ALL
${SLA_AT_RISK}
   WHERE r.status IN ('running', 'waiting') AND r.started_at IS NOT NULL AND v.definition->>'sla' IS NOT NULL
     AND now() - r.started_at > (v.definition->>'sla')::interval * ${SLA_AT_RISK_SHARE}
  UNION ALL
${SLA_BREACH}
   WHERE r.status IN ('running', 'waiting') AND r.started_at IS NOT NULL AND v.definition->>'sla' IS NOT NULL
     AND now() - r.started_at > (v.definition->>'sla')::interval
  UNION ALL
${SLA_BREACH}
   WHERE r.ended_at >= now() - $1::interval AND r.started_at IS NOT NULL AND v.definition->>'sla' IS NOT NULL
     AND r.ended_at - r.started_at > (v.definition->>'sla')::interval
  UNION ALL
  SELECT e.tenant_id, 'run:' || e.run_id || ':step:' || e.step_id || coalesce('[' || (e.data->>'item') || ']', '') || ':' || k.type, k.type, r.pipeline_name, e.run_id, e.step_id,
         CASE WHEN k.type = 'quality.failed'
              THEN 'Quality checks failed in step ' || e.step_id || ' of ' || r.pipeline_name || coalesce(': ' || (e.data->'error'->>'message'), '')
              ELSE 'Model drift detected by step ' || e.step_id || ' of ' || r.pipeline_name END,
         CASE WHEN k.type = 'quality.failed' THEN jsonb_build_object('error', e.data->'error') ELSE coalesce(e.data->'data', '{}') END,
         e.created_at, e.id
    FROM run_event e
    JOIN run r ON r.id = e.run_id
    CROSS JOIN LATERAL (SELECT CASE WHEN e.type = 'model.drift_detected' THEN 'model.drift_detected' ELSE 'quality.failed' END AS type) k
   WHERE e.created_at >= now() - $1::interval AND e.type IN ('step.failed', 'step.item_failed', 'model.drift_detected')
     AND (e.type = 'model.drift_detected' OR e.data->'error'->>'stepCode' = 'quality_failed')
  UNION ALL
  SELECT u.tenant_id, 'usage:' || u.tenant_id || ':' || u.period_start || ':' || a.measure || ':' || t.type, t.type, NULL, NULL, NULL,
         CASE a.measure WHEN 'runsPerMonth' THEN 'Runs' ELSE 'Step-seconds' END || ' this month reached ' || round(t.share * 100) || '% of the plan''s ' || a.allowed
           || ' (' || m.used || ' used)',
         jsonb_build_object('measure', a.measure, 'used', m.used, 'allowed', a.allowed, 'share', t.share, 'period', u.period_start), now(), 0::bigint
    FROM billing_usage u
    JOIN tenant tn ON tn.id = u.tenant_id
    JOIN jsonb_to_recordset($3::jsonb) AS a(plan text, measure text, allowed bigint) ON a.plan = coalesce(tn.plan, $4) AND a.allowed > 0
    CROSS JOIN LATERAL (SELECT CASE a.measure WHEN 'runsPerMonth' THEN u.runs::bigint ELSE u.step_seconds END AS used) m
    JOIN (VALUES ${USAGE_THRESHOLDS.map((t) => `('${t.type}', ${t.share})`).join(', ')}) AS t(type, share) ON m.used >= ceil(a.allowed * t.share)
   WHERE u.period_start = date_trunc('month', now() AT TIME ZONE 'UTC')::date
  UNION ALL
  SELECT k.tenant_id, 'schedule:' || k.schedule_id || ':fire:' || k.run_id || ':fire.skipped', 'fire.skipped', k.pipeline_name, NULL, NULL,
         'Schedule ' || k.schedule_id || ' started no run of ' || k.pipeline_name || ': ' || k.reason,
         jsonb_build_object('schedule', k.schedule_id, 'reason', k.reason), k.created_at, 0::bigint
    FROM schedule_skip k
   WHERE k.created_at >= now() - $1::interval
  UNION ALL
  SELECT t.tenant_id, 'trigger:' || d.trigger_id || ':delivery:' || d.delivery_id || ':fire.skipped', 'fire.skipped', t.pipeline_name, NULL, NULL,
         'Trigger ' || d.trigger_id || ' started no run of ' || t.pipeline_name || coalesce(': ' || d.error, ''),
         jsonb_build_object('trigger', d.trigger_id, 'sourceRun', d.source_run_id, 'reason', d.error), d.created_at, 0::bigint
    FROM trigger_delivery d JOIN trigger t ON t.id = d.trigger_id
   -- A pipeline or event trigger's (a webhook's sender is answered with the problem instead).
   WHERE d.created_at >= now() - $1::interval AND d.outcome = 'failed' AND d.source_run_id IS NOT NULL`;
