import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSecretNowhere } from './support/secret-leaks.js';
import { Mailbox } from './support/mailbox.js';
import { approveEndpoints } from './support/plugin-packages.js';
import {
  api,
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  stepOf,
  uniqueName,
  waitForRun,
  type TestTenant,
} from './support/builders.js';

/**
 * mail/send through the worker's TCP relay to an SMTP server in the test process (127.0.0.1 is
 * allowed by the stack's SANDBOX_ALLOW_CIDRS), its endpoint approved for the plugin by a tenant
 * admin, its password a tenant secret.
 */
describe('mail connector', () => {
  const password = `smtp-${randomUUID()}`;
  const mailbox = new Mailbox('etl', password, true);
  let tenant: TestTenant;
  let port: number;
  /** A server that accepts connections and never answers: an SMTP client waits there for its greeting. */
  const silent = createServer(() => undefined);
  let silentPort: number;
  const smtp = () => ({
    host: '127.0.0.1',
    port,
    tlsRejectUnauthorized: false,
    username: 'etl',
    password: '${{ secrets.SMTP_PASSWORD }}',
    from: 'Baton <baton@example.com>',
  });

  beforeAll(async () => {
    await mailbox.start();
    port = Number(new URL(mailbox.url).port);
    tenant = await newTenant();
    await api().put('/v1/secrets/SMTP_PASSWORD').set('authorization', `Bearer ${tenant.token}`).send({ value: password }).expect(201);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as AddressInfo).port;
    await approveEndpoints(tenant, 'mail', [`smtp://127.0.0.1:${port}`, `smtp://127.0.0.1:${silentPort}`]);
  });
  afterAll(async () => {
    await mailbox.stop();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('sends text, HTML and an attachment from an artifact, over STARTTLS', async () => {
    const to = `ops-${randomUUID().slice(0, 8)}@example.com`;
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('mail-report'), {
        report: { uses: 'files/write@^1', with: { path: 'reports/daily.csv', rows: [{ region: 'eu', total: 3 }] } },
        send: {
          uses: 'mail/send@^1',
          needs: ['report'],
          with: {
            ...smtp(),
            to,
            cc: ['lead@example.com'],
            bcc: 'audit@example.com',
            subject: 'Daily report\r\nBcc: victim@example.net',
            text: 'Totals attached.',
            html: '<p>Totals <b>attached</b>.</p>',
            attachments: [{ artifact: '${{ steps.report.outputs }}' }],
          },
        },
      }),
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(stepOf(run, 'send').outputs).toMatchObject({
      accepted: [to, 'lead@example.com', 'audit@example.com'],
      rejected: [],
      attachments: 1,
    });
    const mail = await mailbox.waitFor(to, /^Daily report/);
    expect(mail).toMatchObject({
      from: '"Baton" <baton@example.com>',
      cc: 'lead@example.com',
      text: expect.stringMatching(/^Totals attached\.\n?$/),
      html: '<p>Totals <b>attached</b>.</p>',
      secure: true,
    });
    expect(mail.rcptTo).toEqual([to, 'lead@example.com', 'audit@example.com']);
    // The line break did not start a header of its own.
    expect(mail.headers).not.toMatch(/^bcc:/im);
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([
      ['daily.csv', 'text/csv', 'region,total\neu,3\n'],
    ]);
  });

  it('fails for good on a 550, and retries a 451', async () => {
    const to = `gone-${randomUUID().slice(0, 8)}@example.com`;
    mailbox.refuseNext(1, 550, 'No such user here', to);
    const refused = await runToEnd(
      tenant,
      newPipeline(uniqueName('mail-550'), { send: { uses: 'mail/send@^1', with: { ...smtp(), to, subject: 's', text: 't' } } }),
    );
    expect(stepOf(refused, 'send')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { stepCode: 'smtp_550', message: expect.stringContaining('No such user here') },
    });

    const later = `later-${randomUUID().slice(0, 8)}@example.com`;
    mailbox.refuseNext(1, 451, 'Greylisted, try again', later);
    const retried = await runToEnd(
      tenant,
      newPipeline(uniqueName('mail-451'), {
        send: {
          uses: 'mail/send@^1',
          retry: { maxAttempts: 2, initialInterval: '1s' },
          with: { ...smtp(), to: later, subject: 'greylisted', text: 't' },
        },
      }),
    );
    expect(stepOf(retried, 'send')).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(mailbox.mailsTo(later)).toHaveLength(1);
  });

  it('is refused an endpoint the tenant did not approve', async () => {
    const other = await newTenant();
    const run = await runToEnd(
      other,
      newPipeline(uniqueName('mail-denied'), {
        send: { uses: 'mail/send@^1', with: { ...smtp(), password: 'not-a-secret-here', to: 'x@example.com', subject: 's', text: 't' } },
      }),
    );
    expect(stepOf(run, 'send')).toMatchObject({ status: 'failed', attempt: 1, error: { stepCode: 'network_denied' } });
  });

  it('refuses bad input when the pipeline is validated', async () => {
    const response = await tenant
      .post(
        '/v1/pipelines/validate',
        newPipeline('mail-bad', { a: { uses: 'mail/send@^1', with: { ...smtp(), port: 0, to: [], subject: 's', text: 't' } } }),
      )
      .expect(422);
    expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['steps.a.with.port', 'steps.a.with.to']),
    );
  });

  it('stops sending when the run is cancelled', async () => {
    const name = uniqueName('mail-cancel');
    await savePipeline(
      tenant,
      newPipeline(name, {
        send: { uses: 'mail/send@^1', with: { ...smtp(), port: silentPort, to: 'x@example.com', subject: 's', text: 't' } },
      }),
    );
    const id = await startRun(tenant, name);
    await waitForRun(tenant, id, (r) => stepOf(r, 'send').status === 'running');
    // The step waits for a greeting that never comes; the cancel ends it long before its 30 s timeout.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cancelledAt = Date.now();
    await tenant.post(`/v1/runs/${id}/cancel`).expect(202);
    const run = await waitForRun(tenant, id, undefined, 20_000);
    expect(run.status).toBe('cancelled');
    expect(stepOf(run, 'send').status).toBe('cancelled');
    expect(Date.now() - cancelledAt).toBeLessThan(10_000);
  });

  it('never shows the password: not in outputs, events, logs or the processes’ logs', async () => {
    await expectSecretNowhere(tenant, password, 3);
  });
});
