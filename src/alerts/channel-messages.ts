import type { AlertType } from './alert-types.js';
import type { AlertRow } from './alerts.repository.js';

/**
 * What an alert says on each kind of channel, from one summary: Slack's Block Kit, a Teams
 * Adaptive Card, a PagerDuty Events v2 event, an e-mail's text and HTML. Everything in an alert
 * that a tenant wrote (pipeline and step names, error messages) is escaped for the medium, so that
 * a step cannot mention `@channel`, add a link or inject markup through its error.
 */

export interface AlertSummary {
  type: AlertType | 'test';
  title: string;
  message: string;
  tenant: string;
  pipeline: string | null;
  step: string | null;
  runId: string | null;
  runStatus: string | null;
  /** What a usage alert measured (`runsPerMonth`, `stepSecondsPerMonth`). */
  measure: string | null;
  /** The run's page in the console, or the console's alerts page for an alert about no run. */
  link: string;
  occurredAt: Date;
  alertId: string;
}

const TITLES: Record<AlertType | 'test', string> = {
  'run.failed': 'Run failed',
  'run.recovered': 'Run recovered',
  'sla.at_risk': 'SLA at risk',
  'sla.breached': 'SLA breached',
  'quality.failed': 'Quality check failed',
  'model.drift_detected': 'Model drift detected',
  'usage.warning': 'Plan usage at 80%',
  'usage.exceeded': 'Plan usage at 100%',
  'fire.skipped': 'Started no run',
  test: 'Test notification',
};

const GOOD: ReadonlySet<string> = new Set(['run.recovered', 'test']);

/** The failing step: the alert's own, or the one a failed run's error names. */
function stepOf(alert: AlertRow): string | null {
  const error = (alert.data as { error?: { step?: unknown } }).error;
  return alert.stepId ?? (typeof error?.step === 'string' ? error.step : null);
}

export function summarize(alert: AlertRow, runStatus: string | null, publicUrl: string): AlertSummary {
  return {
    type: alert.type,
    title: alert.pipeline ? `${TITLES[alert.type]}: ${alert.pipeline}` : TITLES[alert.type],
    message: alert.message,
    tenant: alert.tenantId,
    pipeline: alert.pipeline,
    step: stepOf(alert),
    runId: alert.runId,
    runStatus,
    measure: typeof alert.data.measure === 'string' ? alert.data.measure : null,
    link: alert.runId ? `${publicUrl}/runs/${alert.runId}` : `${publicUrl}/alerts`,
    occurredAt: alert.occurredAt,
    alertId: alert.id,
  };
}

export function testSummary(tenant: string, channelName: string, deliveryId: string, publicUrl: string): AlertSummary {
  return {
    type: 'test',
    title: TITLES.test,
    message: `A test of notification channel ${channelName}`,
    tenant,
    pipeline: null,
    step: null,
    runId: null,
    runStatus: null,
    measure: null,
    link: `${publicUrl}/alerts`,
    occurredAt: new Date(),
    alertId: deliveryId,
  };
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Slack's mrkdwn: `&`, `<` and `>` escaped are all it takes to keep mentions and links out. */
const slackText = (text: string, max: number) => clip(text, max).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function facts(s: AlertSummary): Array<[string, string]> {
  return [
    ...(s.pipeline ? [['Pipeline', s.pipeline] as [string, string]] : []),
    ...(s.step ? [[s.type === 'run.failed' ? 'Failing step' : 'Step', s.step] as [string, string]] : []),
    ...(s.runStatus ? [['Run status', s.runStatus] as [string, string]] : []),
    ['Alert', s.type],
  ];
}

/** A Slack incoming-webhook message: a header, the message with its facts, a button to the run. */
export function slackMessage(s: AlertSummary) {
  return {
    text: slackText(`${s.title}: ${s.message}`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(`${GOOD.has(s.type) ? '✅' : '🚨'} ${s.title}`, 150), emoji: true } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: slackText(s.message, 3000) },
        fields: facts(s).map(([name, value]) => ({ type: 'mrkdwn', text: `*${name}*\n${slackText(value, 1900)}` })),
      },
      {
        type: 'actions',
        elements: [{ type: 'button', text: { type: 'plain_text', text: s.runId ? 'Open run' : 'Open alerts' }, url: s.link }],
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `Baton · ${s.type} · <!date^${Math.floor(s.occurredAt.getTime() / 1000)}^{date_short_pretty} {time}|${s.occurredAt.toISOString()}>`,
          },
        ],
      },
    ],
  };
}

/** A Teams message with an Adaptive Card (Teams' workflow webhooks); TextBlocks render no markup when told so. */
export function teamsMessage(s: AlertSummary) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            {
              type: 'TextBlock',
              text: clip(s.title, 200),
              weight: 'Bolder',
              size: 'Medium',
              color: GOOD.has(s.type) ? 'Good' : 'Attention',
              wrap: true,
            },
            { type: 'TextBlock', text: clip(s.message, 2000), wrap: true, isMarkdown: false },
            { type: 'FactSet', facts: facts(s).map(([title, value]) => ({ title, value: clip(value, 500) })) },
          ],
          actions: [{ type: 'Action.OpenUrl', title: s.runId ? 'Open run' : 'Open alerts', url: s.link }],
        },
      },
    ],
  };
}

const SEVERITY: Record<AlertType | 'test', 'critical' | 'error' | 'warning' | 'info'> = {
  'run.failed': 'error',
  'run.recovered': 'info',
  'sla.at_risk': 'warning',
  'sla.breached': 'error',
  'quality.failed': 'error',
  'model.drift_detected': 'warning',
  'usage.warning': 'warning',
  'usage.exceeded': 'error',
  'fire.skipped': 'error',
  test: 'info',
};

/**
 * The incident an alert belongs to: one per pipeline for its runs failing (which `run.recovered`
 * resolves), one per pipeline and kind for the others, one per measure for usage.
 */
export function pagerDutyDedupKey(s: AlertSummary): string {
  if (s.type === 'test') return `baton/${s.tenant}/test/${s.alertId}`;
  if (!s.pipeline) return `baton/${s.tenant}/usage/${s.measure ?? s.type}`;
  const family = s.type === 'run.failed' || s.type === 'run.recovered' ? 'runs' : s.type;
  return `baton/${s.tenant}/${s.pipeline}/${family}`;
}

/** A PagerDuty Events API v2 event: `trigger`, or `resolve` for a run that recovered. */
export function pagerDutyEvent(s: AlertSummary, routingKey: string) {
  const dedupKey = pagerDutyDedupKey(s);
  if (s.type === 'run.recovered') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    client: 'Baton',
    client_url: s.link,
    payload: {
      summary: clip(`${s.title} — ${s.message}`, 1024),
      source: s.pipeline ? `baton/${s.pipeline}` : 'baton',
      severity: SEVERITY[s.type],
      timestamp: s.occurredAt.toISOString(),
      component: s.step ?? undefined,
      group: s.pipeline ?? undefined,
      class: s.type,
      custom_details: { alert: s.alertId, run: s.runId, runStatus: s.runStatus, step: s.step, message: s.message },
    },
    links: [{ href: s.link, text: s.runId ? 'Run in Baton' : 'Alerts in Baton' }],
  };
}

const html = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** An e-mail: the subject, a text part and an HTML part saying the same. */
export function emailMessage(s: AlertSummary): { subject: string; text: string; html: string } {
  const rows = facts(s);
  const subject = clip(`[Baton] ${s.title}`.replace(/[\r\n]+/g, ' '), 200);
  const text = [
    s.title,
    '',
    s.message,
    '',
    ...rows.map(([name, value]) => `${name}: ${value}`),
    '',
    `${s.runId ? 'Open the run' : 'Alerts'}: ${s.link}`,
  ].join('\n');
  const body = `<!doctype html><html><body style="font-family:sans-serif">
<h2 style="color:${GOOD.has(s.type) ? '#1a7f37' : '#cf222e'}">${html(s.title)}</h2>
<p>${html(s.message)}</p>
<table cellpadding="4">${rows.map(([name, value]) => `<tr><th align="left">${html(name)}</th><td>${html(value)}</td></tr>`).join('')}</table>
<p><a href="${html(s.link)}">${s.runId ? 'Open the run' : 'Open alerts'}</a></p>
</body></html>`;
  return { subject, text, html: body };
}
