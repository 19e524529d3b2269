import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ChannelNames1795000000032 } from '../src/database/migrations/1795000000032-ChannelNames.js';
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
      const pagerDuty = request.url!.startsWith('/pagerduty');
      response.statusCode = pagerDuty ? 202 : 200;
      response.end(pagerDuty ? '{"status":"success"}' : 'ok');
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
      .send({
        type: 'webhook',
        url: hooks.url(`/usage/${other.tenantId}`),
        events: ['usage.warning', 'usage.exceeded'],
        // A channel for some pipelines still receives what is about none of them.
        pipelines: [uniqueName('elsewhere')],
      })
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

/** An owner's calls (channels and secrets are an admin's; the builders' API key is an operator's). */
const ownerOf = (tenant: TestTenant) => (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, body?: object) =>
  api(tenant.baseUrl)[method](path).set('authorization', `Bearer ${tenant.token}`).send(body);
type Owner = ReturnType<typeof ownerOf>;

const failingRun = async (tenant: TestTenant, name: string) => {
  await savePipeline(tenant, newPipeline(name, { load: { uses: 'core/fail@^1', with: { message: 'nope', retryable: false } } }));
  const runId = await startRun(tenant, name);
  await waitForRun(tenant, runId);
  return runId;
};

/** The run's one alert with its deliveries, once it has them. */
type DeliveryView = { status: string; channel: { id: string; url: string | null }; log: Array<{ error: string | null }> };

async function alertOf(as: Owner, runId: string, ready = (deliveries: DeliveryView[]) => deliveries.length > 0) {
  let alert: { deliveries: DeliveryView[] } = { deliveries: [] };
  await until(async () => {
    const [listed] = (await as('get', `/v1/alerts?run=${runId}`).expect(200)).body.items;
    if (listed) alert = (await as('get', `/v1/alerts/${listed.id}`).expect(200)).body;
    return Boolean(listed) && ready(alert.deliveries);
  }, 20_000);
  return alert;
}

/**
 * What `baton apply` keeps from a Git folder: channels matched by a name unique in the tenant, their
 * credentials by a tenant secret's name (read at each attempt), and the pipelines whose alerts they
 * receive. On the stack's own API, whose secret store is on.
 */
describe('notification channels kept from a Git folder', () => {
  let hooks: Awaited<ReturnType<typeof receivers>>;
  const slackBody = (path: string, extra: object = {}) => ({ type: 'slack', url: hooks.url(path), events: ['run.failed'], ...extra });

  beforeAll(async () => {
    hooks = await receivers();
  });
  afterAll(() => hooks?.close());

  it('names a channel once in its tenant: 409 channel_name_taken on create, on PATCH and in a race; ?name= finds it', async () => {
    const as = ownerOf(await newTenant());
    const other = ownerOf(await newTenant());
    const { body: ops } = await as('post', '/v1/notification-channels', slackBody('/named', { name: 'ops' })).expect(201);
    const taken = await as('post', '/v1/notification-channels', {
      type: 'webhook',
      url: hooks.url('/named'),
      events: ['run.failed'],
      name: 'ops',
    });
    expect(taken.status).toBe(409);
    expect(taken.headers['content-type']).toContain('application/problem+json');
    expect(taken.body).toMatchObject({ code: 'channel_name_taken', errors: [expect.objectContaining({ path: 'name' })] });
    // Another tenant's names are its own.
    await other('post', '/v1/notification-channels', slackBody('/named', { name: 'ops' })).expect(201);

    const { body: spare } = await as('post', '/v1/notification-channels', slackBody('/named', { name: 'spare' })).expect(201);
    const renamed = await as('patch', `/v1/notification-channels/${spare.id}`, { name: 'ops' }).expect(409);
    expect(renamed.body).toMatchObject({ code: 'channel_name_taken', errors: [expect.objectContaining({ path: 'name' })] });
    await as('patch', `/v1/notification-channels/${ops.id}`, { name: 'ops', enabled: false }).expect(200);

    // Two requests at once pass the look-up together: the unique index lets one through, the other is a 409 too.
    const created = await Promise.all(
      [1, 2, 3, 4].map(() => as('post', '/v1/notification-channels', slackBody('/named', { name: 'race' }))),
    );
    expect(created.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    expect(created.find((r) => r.status === 409)!.body.code).toBe('channel_name_taken');
    const patched = await Promise.all([ops.id, spare.id].map((id) => as('patch', `/v1/notification-channels/${id}`, { name: 'together' })));
    expect(patched.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(patched.find((r) => r.status === 409)!.body.code).toBe('channel_name_taken');

    const { body: found } = await as('get', '/v1/notification-channels?name=race').expect(200);
    expect(found.items.map((c: { id: string }) => c.id)).toEqual([created.find((r) => r.status === 201)!.body.id]);
    expect((await as('get', '/v1/notification-channels?name=nobody').expect(200)).body.items).toEqual([]);
  });

  it("delivers a Slack channel whose URL is a secret of its tenant's, read at each attempt, and never shows the URL", async () => {
    const tenant = await newTenant();
    const as = ownerOf(tenant);
    const path = '/slack-by-secret/T9/B9/hushhushpath';
    await as('put', '/v1/secrets/SLACK_HOOK', { value: hooks.url(path) }).expect(201);
    // Another tenant's secret of the same name is never read for this one.
    await ownerOf(await newTenant())('put', '/v1/secrets/SLACK_HOOK', { value: hooks.url('/slack-foreign') }).expect(201);
    const { body: channel } = await as('post', '/v1/notification-channels', {
      type: 'slack',
      urlSecret: 'SLACK_HOOK',
      events: ['run.failed'],
      name: 'chat',
    }).expect(201);
    expect(channel).toMatchObject({ type: 'slack', url: null, urlSecret: 'SLACK_HOOK', pipelines: null });

    const { body: tested } = await as('post', `/v1/notification-channels/${channel.id}/test`).expect(200);
    expect(tested).toMatchObject({ delivered: true, statusCode: 200 });
    expect(hooks.at(path)).toHaveLength(1);

    const runId = await failingRun(tenant, uniqueName('chatty'));
    const alert = await alertOf(as, runId, (deliveries) => deliveries[0]?.status === 'delivered');
    expect(alert.deliveries).toEqual([
      expect.objectContaining({ status: 'delivered', channel: expect.objectContaining({ id: channel.id, url: null }) }),
    ]);
    expect(hooks.at(path)).toHaveLength(2);
    expect(hooks.at(path)[1].json).toHaveProperty('blocks');

    const shown = [channel, tested, alert, (await as('get', `/v1/notification-channels/${channel.id}`).expect(200)).body];
    shown.push((await as('get', '/v1/notification-channels').expect(200)).body);
    for (const answer of shown) expect(JSON.stringify(answer)).not.toContain('hushhush');
    expect(hooks.at('/slack-foreign')).toEqual([]);
  });

  it('fails an attempt whose secret is gone or holds no public URL, naming the secret, never its value', async () => {
    const tenant = await newTenant();
    const as = ownerOf(tenant);
    await as('put', '/v1/secrets/HOOK', { value: hooks.url('/gone/pathofthesecret') }).expect(201);
    const { body: channel } = await as('post', '/v1/notification-channels', {
      type: 'slack',
      urlSecret: 'HOOK',
      events: ['run.failed'],
    }).expect(201);
    await ownerOf(await newTenant())('put', '/v1/secrets/HOOK', { value: hooks.url('/gone-foreign') }).expect(201);
    await as('delete', '/v1/secrets/HOOK').expect(204);

    const { body: tested } = await as('post', `/v1/notification-channels/${channel.id}/test`).expect(200);
    expect(tested).toMatchObject({ delivered: false, statusCode: null, error: expect.stringContaining('Secret HOOK is not in') });
    const alert = await alertOf(as, await failingRun(tenant, uniqueName('hookless')), (deliveries) => deliveries[0]?.log.length > 0);
    expect(alert.deliveries[0].log[0].error).toContain('Secret HOOK is not in');
    expect(hooks.at('/gone-foreign')).toEqual([]);

    // What it holds is judged as the same URL given in the channel would be, at each attempt.
    for (const [value, says] of [
      ['http://169.254.169.254/latest/meta-data/iam', 'cloud metadata address'],
      ['http://10.1.2.3/hook/pathofthesecret', 'private address'],
      ['http://user:pathofthesecret@hooks.example.com/x', 'Credentials in the URL'],
      ['pathofthesecret, not a URL', 'Must be an http or https URL'],
    ]) {
      const put = await as('put', '/v1/secrets/HOOK', { value });
      expect([200, 201]).toContain(put.status);
      const { body } = await as('post', `/v1/notification-channels/${channel.id}/test`).expect(200);
      expect(body).toMatchObject({ delivered: false, error: expect.stringContaining(says) });
      expect(body.error).toContain('Secret HOOK');
      expect(body.error).not.toContain('pathofthesecret');
    }
  });

  it("pages PagerDuty with a routing key from a secret, and moves between a key and a secret's", async () => {
    const as = ownerOf(await newTenant());
    const fromSecret = 'PDKEYfromSECRET0123456789abcdefg';
    await as('put', '/v1/secrets/PD_KEY', { value: fromSecret }).expect(201);
    const url = hooks.url('/pagerduty/by-secret');
    const { body: channel } = await as('post', '/v1/notification-channels', {
      type: 'pagerduty',
      routingKeySecret: 'PD_KEY',
      url,
      events: ['run.failed'],
    }).expect(201);
    expect(channel).toMatchObject({ routingKey: null, routingKeySecret: 'PD_KEY' });
    const test = async () => (await as('post', `/v1/notification-channels/${channel.id}/test`).expect(200)).body;
    expect(await test()).toMatchObject({ delivered: true, statusCode: 202 });
    expect(hooks.at('/pagerduty/by-secret')[0].json).toMatchObject({ routing_key: fromSecret });

    const { body: keyed } = await as('patch', `/v1/notification-channels/${channel.id}`, { routingKey: ROUTING_KEY }).expect(200);
    expect(keyed).toMatchObject({ routingKey: '…CDEF', routingKeySecret: null });
    await test();
    expect(hooks.at('/pagerduty/by-secret')[1].json).toMatchObject({ routing_key: ROUTING_KEY });
    const { body: secretAgain } = await as('patch', `/v1/notification-channels/${channel.id}`, { routingKeySecret: 'PD_KEY' }).expect(200);
    expect(secretAgain).toMatchObject({ routingKey: null, routingKeySecret: 'PD_KEY' });
    const { body: listed } = await as('get', '/v1/notification-channels').expect(200);
    expect(JSON.stringify([channel, keyed, secretAgain, listed])).not.toContain(fromSecret);

    await as('put', '/v1/secrets/PD_KEY', { value: 'not-a-routing-key' }).expect(200);
    const refused = await test();
    expect(refused).toMatchObject({
      delivered: false,
      error: expect.stringContaining('Secret PD_KEY does not hold a PagerDuty routing key'),
    });
    expect(refused.error).not.toContain('not-a-routing-key');
    expect(hooks.at('/pagerduty/by-secret')).toHaveLength(2);
  });

  it("moves a Slack channel between a URL of its own and a secret's", async () => {
    const as = ownerOf(await newTenant());
    await as('put', '/v1/secrets/CHAT', { value: hooks.url('/switch/by-secret') }).expect(201);
    const { body: channel } = await as('post', '/v1/notification-channels', slackBody('/switch/own')).expect(201);
    expect(channel).toMatchObject({ url: `${hooks.url('')}/…/own`, urlSecret: null });
    const patch = (body: object) => as('patch', `/v1/notification-channels/${channel.id}`, body).expect(200);
    const test = () => as('post', `/v1/notification-channels/${channel.id}/test`).expect(200);

    expect((await patch({ urlSecret: 'CHAT' })).body).toMatchObject({ url: null, urlSecret: 'CHAT' });
    await test();
    expect(hooks.at('/switch/by-secret')).toHaveLength(1);
    expect((await patch({ url: hooks.url('/switch/own2') })).body).toMatchObject({ url: `${hooks.url('')}/…own2`, urlSecret: null });
    await test();
    expect(hooks.at('/switch/own2')).toHaveLength(1);
    expect(hooks.at('/switch/by-secret')).toHaveLength(1);
  });

  it('sends an alert only to the channels for its pipeline and to those for every pipeline', async () => {
    const tenant = await newTenant();
    const as = ownerOf(tenant);
    const [a, b] = [uniqueName('route-a'), uniqueName('route-b')];
    const webhook = async (path: string, pipelines?: string[]) =>
      (
        await as('post', '/v1/notification-channels', {
          type: 'webhook',
          url: hooks.url(`/route/${tenant.tenantId}/${path}`),
          events: ['run.failed'],
          ...(pipelines ? { pipelines } : {}),
        }).expect(201)
      ).body;
    const forA = await webhook('a', [a]);
    const forB = await webhook('b', [b]);
    const forAll = await webhook('all');
    expect(forA.pipelines).toEqual([a]);
    expect(forAll.pipelines).toBeNull();

    const alert = await alertOf(
      as,
      await failingRun(tenant, a),
      (deliveries) => deliveries.length > 0 && deliveries.every((d) => d.status === 'delivered'),
    );
    expect(alert.deliveries.map((d) => d.channel.id).sort()).toEqual([forA.id, forAll.id].sort());
    expect(hooks.at(`/route/${tenant.tenantId}/a`)).toHaveLength(1);
    expect(hooks.at(`/route/${tenant.tenantId}/all`)).toHaveLength(1);
    expect(hooks.at(`/route/${tenant.tenantId}/b`)).toEqual([]);

    const { body: widened } = await as('patch', `/v1/notification-channels/${forB.id}`, { pipelines: null }).expect(200);
    expect(widened.pipelines).toBeNull();
    const { body: both } = await as('patch', `/v1/notification-channels/${forA.id}`, { pipelines: [a, b] }).expect(200);
    expect(both.pipelines).toEqual([a, b]);
  });

  it('refuses a credential given both ways or neither, a secret the tenant lacks, and bad names, naming the field', async () => {
    const as = ownerOf(await newTenant());
    await ownerOf(await newTenant())('put', '/v1/secrets/ONLY_THEIRS', { value: hooks.url('/theirs') }).expect(201);
    await as('put', '/v1/secrets/MINE', { value: hooks.url('/mine') }).expect(201);
    const problem = async (method: 'post' | 'patch', path: string, body: object, field: string, status: number) => {
      const response = await as(method, path, body);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    };
    const create = (body: object, field: string, status = 400) => problem('post', '/v1/notification-channels', body, field, status);
    const events = ['run.failed'];
    await create({ type: 'slack', url: hooks.url('/x'), urlSecret: 'MINE', events }, 'urlSecret');
    await create({ type: 'teams', events }, 'url');
    await create({ type: 'teams', url: 'not a url', events }, 'url');
    await create({ type: 'webhook', urlSecret: 'not a name!', events }, 'urlSecret');
    await create({ type: 'webhook', urlSecret: 'NOPE', events }, 'urlSecret', 422);
    // Another tenant's secret is none of this one's.
    await create({ type: 'slack', urlSecret: 'ONLY_THEIRS', events }, 'urlSecret', 422);
    await create({ type: 'pagerduty', routingKey: ROUTING_KEY, routingKeySecret: 'MINE', events }, 'routingKeySecret');
    await create({ type: 'pagerduty', routingKeySecret: 'NOPE', events }, 'routingKeySecret', 422);
    await create({ type: 'pagerduty', routingKey: ROUTING_KEY, urlSecret: 'MINE', events }, 'urlSecret');
    await create({ ...slackBody('/x'), pipelines: ['etl', 'etl'] }, 'pipelines');
    await create({ ...slackBody('/x'), pipelines: ['Not A Pipeline'] }, 'pipelines[0]');
    await create({ ...slackBody('/x'), pipelines: [] }, 'pipelines');

    const { body: slack } = await as('post', '/v1/notification-channels', slackBody('/x')).expect(201);
    const { body: paged } = await as('post', '/v1/notification-channels', { type: 'pagerduty', routingKey: ROUTING_KEY, events }).expect(
      201,
    );
    await problem('patch', `/v1/notification-channels/${slack.id}`, { urlSecret: 'NOPE' }, 'urlSecret', 422);
    await problem('patch', `/v1/notification-channels/${slack.id}`, { url: hooks.url('/y'), urlSecret: 'MINE' }, 'urlSecret', 400);
    await problem('patch', `/v1/notification-channels/${slack.id}`, { routingKeySecret: 'MINE' }, 'routingKeySecret', 422);
    await problem('patch', `/v1/notification-channels/${paged.id}`, { urlSecret: 'MINE' }, 'urlSecret', 422);
    await problem('patch', `/v1/notification-channels/${paged.id}`, { routingKeySecret: 'ONLY_THEIRS' }, 'routingKeySecret', 422);
  });

  it('renames the later channels of a shared name "name (2)", "name (3)"… by creation, past names taken, when names become unique', async () => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    const schema = `channel_names_${randomUUID().slice(0, 8)}`;
    try {
      await client.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema};
        CREATE TABLE notification_channel (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, name text, url text, config jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL)`);
      const [a, b] = [randomUUID(), randomUUID()];
      const rows: Array<[string, string | null]> = [
        [a, 'ops'],
        [a, 'ops'],
        [a, 'ops (2)'],
        [b, 'ops'],
        [a, 'ops'],
        [a, null],
        [a, null],
        [a, 'solo'],
      ];
      const ids: string[] = [];
      for (const [i, [tenant, name]] of rows.entries()) {
        ids.push(randomUUID());
        await client.query(
          `INSERT INTO notification_channel (id, tenant_id, name, created_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
          [ids[i], tenant, name, i],
        );
      }
      const runner = { query: async (sql: string, params?: unknown[]) => (await client.query(sql, params)).rows };
      await new ChannelNames1795000000032().up(runner as unknown as QueryRunner);
      const names = new Map((await client.query('SELECT id, name FROM notification_channel')).rows.map((r) => [r.id, r.name]));
      expect(ids.map((id) => names.get(id))).toEqual(['ops', 'ops (3)', 'ops (2)', 'ops', 'ops (4)', null, null, 'solo']);
      await expect(
        client.query(`INSERT INTO notification_channel (id, tenant_id, name, created_at) VALUES ($1, $2, 'solo', now())`, [
          randomUUID(),
          a,
        ]),
      ).rejects.toThrow(/notification_channel_tenant_name_uq/);
    } finally {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    }
  });
});
