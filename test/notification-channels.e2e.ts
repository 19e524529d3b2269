import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBillingApi, type BillingApi, type PlansFile } from './support/billing.js';
import { api, newPipeline, newTenant, savePipeline, startRun, uniqueName, until, waitForRun, type TestTenant } from './support/builders.js';
import { Mailbox } from './support/mailbox.js';

/**
 * Slack, Teams, PagerDuty and e-mail channels against local receivers that check what arrives,
 * and usage alerts against a plan: on an installation of the test's own with billing on (plans
 * with a monthly allowance of runs) and a real SMTP server in the test process.
 */

const PLANS: PlansFile = { defaultPlan: 'small', plans: { small: { title: 'Small', limits: { runsPerMonth: 5 } } } };
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
/** What a hostile step puts in its error: a Slack mention, a Slack link, HTML. */
const HOSTILE = 'disk full <!channel> <https://evil.example|click> <b>bold</b>';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  json: Record<string, unknown>;
}

/** One HTTP server standing in for Slack, Teams and PagerDuty: records every request by path; answers PagerDuty 202 as it does. */
async function receivers() {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url!, headers: request.headers, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      response.statusCode = request.url === '/pagerduty' ? 202 : 200;
      response.end(request.url === '/pagerduty' ? '{"status":"success"}' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path: string) => `${base}${path}`,
    at: (path: string) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('notification channels', () => {
  const mailbox = new Mailbox();
  let billing: BillingApi;
  let hooks: Awaited<ReturnType<typeof receivers>>;
  let tenant: TestTenant;
  const owner = (method: 'get' | 'post' | 'patch' | 'delete', path: string, body?: object) =>
    api(billing.baseUrl)[method](path).set('authorization', `Bearer ${tenant.token}`).send(body);

  beforeAll(async () => {
    await mailbox.start();
    hooks = await receivers();
    billing = await startBillingApi(PLANS, { SMTP_URL: mailbox.url, MAIL_FROM: 'baton@example.test' });
    tenant = await newTenant(billing.baseUrl);
  });
  afterAll(async () => {
    await billing?.stop();
    await hooks?.close();
    await mailbox.stop();
  });

  it('words a failed run for Slack, Teams, PagerDuty and e-mail, and PagerDuty resolves the incident when the pipeline recovers', async () => {
    const events = ['run.failed', 'run.recovered'];
    const made = [
      { type: 'slack', url: hooks.url('/slack/T000/B000/XXXXsecretXXXX'), events },
      { type: 'teams', url: hooks.url('/teams'), events },
      { type: 'pagerduty', routingKey: ROUTING_KEY, url: hooks.url('/pagerduty'), events },
      { type: 'email', to: ['oncall@example.test'], events },
    ];
    const channels = [];
    for (const body of made) {
      const { status, body: channel } = await owner('post', '/v1/notification-channels', body);
      expect(status, JSON.stringify(channel)).toBe(201);
      channels.push(channel);
    }
    const name = uniqueName('etl');
    await savePipeline(tenant, newPipeline(name, { load: { uses: 'core/fail@^1', with: { message: HOSTILE, retryable: false } } }));
    const failed = await startRun(tenant, name);
    expect((await waitForRun(tenant, failed)).status).toBe('failed');
    const runLink = `${billing.baseUrl}/runs/${failed}`;

    await until(async () => hooks.at('/slack/T000/B000/XXXXsecretXXXX').length > 0 && hooks.at('/teams').length > 0, 20_000);
    const [slack] = hooks.at('/slack/T000/B000/XXXXsecretXXXX');
    const blocks = slack.json.blocks as Array<{ type: string; fields?: Array<{ text: string }>; elements?: Array<{ url?: string }> }>;
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'actions', 'context']);
    expect(blocks[1].fields!.map((f) => f.text)).toEqual(expect.arrayContaining(['*Failing step*\nload', `*Pipeline*\n${name}`]));
    expect(blocks[2].elements![0].url).toBe(runLink);
    // The step's error arrives escaped: no @channel, no link of its own.
    expect(JSON.stringify(slack.json)).not.toContain('<!channel>');
    expect(JSON.stringify(slack.json)).toContain('&lt;!channel&gt;');

    const [teams] = hooks.at('/teams');
    expect(teams.json).toMatchObject({
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', actions: [{ url: runLink }] } },
      ],
    });

    await until(async () => hooks.at('/pagerduty').length > 0, 20_000);
    const dedupKey = `baton/${tenant.tenantId}/${name}/runs`;
    expect(hooks.at('/pagerduty')[0].json).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: dedupKey,
      payload: { severity: 'error', source: `baton/${name}`, component: 'load', class: 'run.failed' },
      links: [{ href: runLink }],
    });

    const mail = await mailbox.waitFor('oncall@example.test', new RegExp(`Run failed: ${name}`));
    expect(mail.text).toContain('Failing step: load');
    expect(mail.text).toContain(`Open the run: ${runLink}`);
    expect(mail.html).toContain(`href="${runLink}"`);
    expect(mail.html).not.toContain('<b>bold</b>');

    // The pipeline is mended: its next run succeeds, and the incident is resolved by the same key.
    await savePipeline(tenant, newPipeline(name, { load: { uses: 'core/echo@^1', with: { message: 'ok' } } }));
    const recovered = await startRun(tenant, name);
    expect((await waitForRun(tenant, recovered)).status).toBe('succeeded');
    await until(async () => hooks.at('/pagerduty').length > 1, 20_000);
    expect(hooks.at('/pagerduty')[1].json).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: dedupKey });
    await mailbox.waitFor('oncall@example.test', new RegExp(`Run recovered: ${name}`));

    // Each channel's delivery is logged on the alert, a channel shown by its kind, credentials masked.
    const { body: alerts } = await owner('get', `/v1/alerts?run=${failed}`).expect(200);
    const { body: alert } = await owner('get', `/v1/alerts/${alerts.items[0].id}`).expect(200);
    expect(alert.deliveries.map((d: { channel: { type: string } }) => d.channel.type).sort()).toEqual([
      'email',
      'pagerduty',
      'slack',
      'teams',
    ]);
    for (const delivery of alert.deliveries) expect(delivery).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(JSON.stringify(alert)).not.toContain('XXXXsecretXXXX');
  });

  it('tries an e-mail again when the SMTP server asks to, and logs the refusal', async () => {
    const other = await newTenant(billing.baseUrl);
    await api(billing.baseUrl)
      .post('/v1/notification-channels')
      .set('authorization', `Bearer ${other.token}`)
      .send({ type: 'email', to: ['retry@example.test'], events: ['run.failed'] })
      .expect(201);
    const name = uniqueName('flaky');
    await savePipeline(other, newPipeline(name, { load: { uses: 'core/fail@^1', with: { message: 'nope', retryable: false } } }));
    mailbox.refuseNext(1, 451, 'Greylisted, try again later', 'retry@example.test');
    const runId = await startRun(other, name);
    await waitForRun(other, runId);
    await mailbox.waitFor('retry@example.test', new RegExp(`Run failed: ${name}`));
    const get = (path: string) => api(billing.baseUrl).get(path).set('authorization', `Bearer ${other.token}`).expect(200);
    const [alert] = (await get(`/v1/alerts?run=${runId}`)).body.items;
    await until(async () => (await get(`/v1/alerts/${alert.id}`)).body.deliveries[0]?.status === 'delivered');
    const { body } = await get(`/v1/alerts/${alert.id}`);
    expect(body.deliveries[0]).toMatchObject({ channel: { type: 'email', url: null }, attempts: 2 });
    expect(body.deliveries[0].log).toEqual([
      expect.objectContaining({ attempt: 1, statusCode: 451, error: expect.stringContaining('Greylisted') }),
      expect.objectContaining({ attempt: 2, error: null }),
    ]);
  });

  it('shows Slack, Teams and PagerDuty credentials only by their last characters, and signs only webhooks', async () => {
    const { body: created } = await owner('post', '/v1/notification-channels', {
      type: 'slack',
      url: hooks.url('/slack/T1/B1/topsecretslackpath'),
      events: ['run.failed'],
    }).expect(201);
    expect(created.url).toBe(`${hooks.url('')}/…path`);
    expect(created).not.toHaveProperty('secret');
    const { body: paged } = await owner('post', '/v1/notification-channels', {
      type: 'pagerduty',
      routingKey: ROUTING_KEY,
      events: ['run.failed'],
    }).expect(201);
    expect(paged).toMatchObject({ url: null, routingKey: '…CDEF' });
    const { body: listed } = await owner('get', '/v1/notification-channels?limit=100').expect(200);
    expect(JSON.stringify(listed)).not.toContain('topsecretslackpath');
    expect(JSON.stringify(listed)).not.toContain(ROUTING_KEY);
    const rotate = await owner('post', `/v1/notification-channels/${created.id}/rotate-secret`).expect(422);
    expect(rotate.body.errors).toEqual([expect.objectContaining({ path: 'type' })]);
  });

  it('refuses a channel that lacks what its kind needs, naming the field', async () => {
    // A body of the wrong shape is a 400, an address it may not call a 422; both name the field.
    const problem = async (body: object, path: string, status = 400) => {
      const response = await owner('post', '/v1/notification-channels', body);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    };
    await problem({ type: 'sms', url: hooks.url('/x'), events: ['run.failed'] }, 'type');
    await problem({ type: 'pagerduty', events: ['run.failed'] }, 'routingKey');
    await problem({ type: 'pagerduty', routingKey: 'short', events: ['run.failed'] }, 'routingKey');
    await problem({ type: 'email', to: ['not an address'], events: ['run.failed'] }, 'to[0]');
    await problem({ type: 'email', url: hooks.url('/x'), to: ['a@example.test'], events: ['run.failed'] }, 'url');
    // A tenant's Slack or Teams URL is judged like any webhook: no private addresses.
    await problem({ type: 'slack', url: 'http://10.0.0.1/hook', events: ['run.failed'] }, 'url', 422);
    await problem({ type: 'teams', url: 'http://169.254.169.254/latest/meta-data', events: ['run.failed'] }, 'url', 422);
    await problem({ type: 'pagerduty', routingKey: ROUTING_KEY, url: 'http://10.0.0.1/enqueue', events: ['run.failed'] }, 'url', 422);

    const { body: slack } = await owner('post', '/v1/notification-channels', {
      type: 'slack',
      url: hooks.url('/s'),
      events: ['run.failed'],
    }).expect(201);
    const patch = await owner('patch', `/v1/notification-channels/${slack.id}`, { routingKey: ROUTING_KEY }).expect(422);
    expect(patch.body.errors).toEqual([expect.objectContaining({ path: 'routingKey' })]);
  });

  it('sends a test message in the channel kind’s own shape', async () => {
    const { body: teams } = await owner('post', '/v1/notification-channels', {
      type: 'teams',
      url: hooks.url('/teams-test'),
      events: ['run.failed'],
    }).expect(201);
    const { body: tested } = await owner('post', `/v1/notification-channels/${teams.id}/test`).expect(200);
    expect(tested).toMatchObject({ delivered: true, statusCode: 200 });
    expect(hooks.at('/teams-test')[0].json).toMatchObject({ type: 'message', attachments: [{ content: { type: 'AdaptiveCard' } }] });
  });

  it('raises usage.warning at 80% and usage.exceeded at 100% of the plan’s monthly runs, once each', async () => {
    const other = await newTenant(billing.baseUrl);
    const { body: channel } = await api(billing.baseUrl)
      .post('/v1/notification-channels')
      .set('authorization', `Bearer ${other.token}`)
      .send({ type: 'webhook', url: hooks.url(`/usage/${other.tenantId}`), events: ['usage.warning', 'usage.exceeded'] })
      .expect(201);
    expect(channel.secret).toMatch(/^bwh_/);
    const name = uniqueName('quick');
    await savePipeline(other, newPipeline(name, { hello: { uses: 'core/echo@^1', with: { message: 'hi' } } }));
    const usage = () => hooks.at(`/usage/${other.tenantId}`).map((r) => r.json);

    for (let i = 0; i < 3; i++) await waitForRun(other, await startRun(other, name));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(usage()).toEqual([]);
    await waitForRun(other, await startRun(other, name));
    await until(async () => usage().length === 1, 20_000);
    expect(usage()[0]).toMatchObject({
      type: 'usage.warning',
      tenant: other.tenantId,
      data: { measure: 'runsPerMonth', used: 4, allowed: 5 },
    });
    expect(usage()[0]).not.toHaveProperty('run');

    await waitForRun(other, await startRun(other, name));
    await until(async () => usage().length === 2, 20_000);
    expect(usage()[1]).toMatchObject({ type: 'usage.exceeded', data: { measure: 'runsPerMonth', used: 5, allowed: 5 } });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(usage()).toHaveLength(2);
    const { body: listed } = await api(billing.baseUrl)
      .get('/v1/alerts?type=usage.exceeded')
      .set('authorization', `Bearer ${other.token}`)
      .expect(200);
    expect(listed.items).toEqual([expect.objectContaining({ type: 'usage.exceeded', runId: null, pipeline: null })]);
  });

  it('refuses an e-mail channel where the installation sends no mail', async () => {
    // The stack's API has no SMTP_URL.
    const elsewhere = await newTenant();
    const response = await api()
      .post('/v1/notification-channels')
      .set('authorization', `Bearer ${elsewhere.token}`)
      .send({ type: 'email', to: ['a@example.test'], events: ['run.failed'] })
      .expect(422);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'type', message: expect.stringContaining('SMTP_URL') })]);
  });
});
