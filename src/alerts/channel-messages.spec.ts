import { describe, expect, it } from 'vitest';
import type { AlertRow } from './alerts.repository.js';
import { emailMessage, pagerDutyEvent, slackMessage, summarize, teamsMessage } from './channel-messages.js';

const hostile = 'boom <!channel> <https://evil.example|click> & <b>bold</b>';

const alert = (over: Partial<AlertRow> = {}): AlertRow => ({
  id: 'alert-1',
  tenantId: 'tenant-1',
  type: 'run.failed',
  pipeline: 'nightly-etl',
  runId: 'run-1',
  stepId: null,
  message: `Run of nightly-etl failed: ${hostile}`,
  data: { status: 'failed', error: { message: hostile, step: 'load' } },
  occurredAt: new Date('2026-12-07T03:00:00Z'),
  createdAt: new Date('2026-12-07T03:00:01Z'),
  ...over,
});

const summary = (over: Partial<AlertRow> = {}) => summarize(alert(over), 'failed', 'https://baton.example');

describe('channel messages', () => {
  it('says which step failed, from the run error when the alert has none, and links the run in the console', () => {
    const s = summary();
    expect(s.step).toBe('load');
    expect(s.link).toBe('https://baton.example/runs/run-1');
    expect(
      summarize(alert({ runId: null, pipeline: null, type: 'usage.warning', data: { measure: 'runsPerMonth' } }), null, 'https://b').link,
    ).toBe('https://b/alerts');
  });

  it('builds a Slack Block Kit message whose tenant-written text cannot mention, link or format', () => {
    const message = slackMessage(summary());
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'actions', 'context']);
    const text = JSON.stringify(message);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil');
    expect(text).toContain('&lt;!channel&gt;');
    const section = message.blocks[1] as { fields: Array<{ text: string }> };
    expect(section.fields.map((f) => f.text)).toContain('*Failing step*\nload');
    expect((message.blocks[2] as { elements: Array<{ url: string }> }).elements[0].url).toBe('https://baton.example/runs/run-1');
  });

  it('builds a Teams Adaptive Card that renders the message as plain text', () => {
    const card = teamsMessage(summary()).attachments[0];
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.content.type).toBe('AdaptiveCard');
    expect(card.content.body[1]).toMatchObject({ type: 'TextBlock', isMarkdown: false });
    expect(card.content.actions[0]).toEqual({ type: 'Action.OpenUrl', title: 'Open run', url: 'https://baton.example/runs/run-1' });
  });

  it('triggers PagerDuty with one dedup key per pipeline, which a recovered run resolves', () => {
    const failed = pagerDutyEvent(summary(), 'R0UT1NGKEY0000000000000000000000');
    expect(failed).toMatchObject({
      routing_key: 'R0UT1NGKEY0000000000000000000000',
      event_action: 'trigger',
      dedup_key: 'baton/tenant-1/nightly-etl/runs',
      payload: { severity: 'error', source: 'baton/nightly-etl', component: 'load', class: 'run.failed' },
    });
    expect(pagerDutyEvent(summary({ id: 'alert-2' }), 'k').dedup_key).toBe(failed.dedup_key);
    expect(pagerDutyEvent(summary({ type: 'run.recovered' }), 'k')).toEqual({
      routing_key: 'k',
      event_action: 'resolve',
      dedup_key: failed.dedup_key,
    });
    expect(pagerDutyEvent(summary({ type: 'sla.breached' }), 'k').dedup_key).toBe('baton/tenant-1/nightly-etl/sla.breached');
    expect(pagerDutyEvent(summary({ pipeline: 'other' }), 'k').dedup_key).not.toBe(failed.dedup_key);
  });

  it('writes an e-mail with a text and an escaped HTML part and a one-line subject', () => {
    const mail = emailMessage(summary({ pipeline: 'etl\r\nBcc: victim@example.com' }));
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text).toContain('Failing step: load');
    expect(mail.text).toContain('https://baton.example/runs/run-1');
    expect(mail.html).not.toContain('<b>bold</b>');
    expect(mail.html).toContain('&lt;b&gt;bold&lt;/b&gt;');
  });
});
