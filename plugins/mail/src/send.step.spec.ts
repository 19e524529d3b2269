import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { describePlugin, runStepForTest } from '../../sdk/src/index.js';
import mail from './index.js';
import { messageIdFor, sendStep } from './send.step.js';
import { smtpError } from './smtp-errors.js';

interface Received {
  mail: ParsedMail;
  raw: string;
  rcptTo: string[];
  secure: boolean;
}

const servers: SMTPServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** An SMTP server in the test process with a login; `rcpt` may refuse a recipient with a reply code. */
async function smtpServer(options: Partial<SMTPServerOptions> & { rcpt?: (address: string) => number | undefined } = {}) {
  const received: Received[] = [];
  const { rcpt, ...rest } = options;
  const server = new SMTPServer({
    logger: false,
    allowInsecureAuth: true,
    onAuth: (auth, _session, done) =>
      auth.username === 'etl' && auth.password === 'smtp-pass'
        ? done(null, { user: 'etl' })
        : done(Object.assign(new Error('Bad login'), { responseCode: 535 })),
    onRcptTo: (address, _session, done) => {
      const code = rcpt?.(address.address);
      return code ? done(Object.assign(new Error(`refused ${address.address}`), { responseCode: code })) : done();
    },
    onData: (stream, session, done) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString();
        simpleParser(raw).then((parsed) => {
          received.push({ mail: parsed, raw, rcptTo: session.envelope.rcptTo.map((r) => r.address), secure: session.secure });
          done();
        }, done);
      });
    },
    ...rest,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, endpoint: `127.0.0.1:${port}` };
}

const message = (port: number) => ({
  host: '127.0.0.1',
  port,
  username: 'etl',
  password: 'smtp-pass',
  from: 'Baton <baton@example.com>',
  to: 'ops@example.com',
  subject: 'Daily report',
  text: 'See attached.',
});

describe('mail/send', () => {
  it('sends text, HTML, cc, bcc and attachments from artifacts, upgrading with STARTTLS when offered', async () => {
    const server = await smtpServer();
    const result = await runStepForTest(
      sendStep,
      {
        ...message(server.port),
        tlsRejectUnauthorized: false,
        cc: ['lead@example.com'],
        bcc: 'audit@example.com',
        html: '<p>See <b>attached</b>.</p>',
        attachments: [
          { artifact: { artifact: 'exports/daily.csv', contentType: 'text/csv; charset=utf-8' } },
          { artifact: 'charts/plot.bin', filename: 'plot.png', contentType: 'image/png' },
        ],
      },
      {
        networkEndpoints: [server.endpoint],
        artifacts: { 'exports/daily.csv': 'region,total\neu,3\n', 'charts/plot.bin': Buffer.from([137, 80, 78, 71]) },
      },
    );
    expect(result).toMatchObject({
      ok: true,
      outputs: {
        accepted: ['ops@example.com', 'lead@example.com', 'audit@example.com'],
        rejected: [],
        attachments: 2,
        attachmentBytes: 22,
      },
    });
    const [got] = server.received;
    expect(got.secure).toBe(true);
    expect(got.rcptTo).toEqual(['ops@example.com', 'lead@example.com', 'audit@example.com']);
    expect(got.raw).not.toMatch(/^bcc:/im);
    expect(got.mail).toMatchObject({
      subject: 'Daily report',
      text: expect.stringMatching(/^See attached\.\n?$/),
      html: '<p>See <b>attached</b>.</p>',
    });
    expect(got.mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString('hex')])).toEqual([
      ['daily.csv', 'text/csv', Buffer.from('region,total\neu,3\n').toString('hex')],
      ['plot.png', 'image/png', '89504e47'],
    ]);
    expect(got.mail.messageId).toBe(messageIdFor('test-run:send', 'Baton <baton@example.com>'));
    expect(result.lineage).toEqual([
      { direction: 'input', namespace: 'baton-artifacts', name: 'exports/daily.csv' },
      { direction: 'input', namespace: 'baton-artifacts', name: 'charts/plot.bin' },
    ]);
  });

  it('keeps a subject with line breaks one header', async () => {
    const server = await smtpServer({ disabledCommands: ['STARTTLS'] });
    const result = await runStepForTest(
      sendStep,
      { ...message(server.port), subject: 'Report\r\nBcc: victim@example.net\r\n\r\nInjected body' },
      { networkEndpoints: [server.endpoint] },
    );
    expect(result.ok).toBe(true);
    const [got] = server.received;
    expect(got.rcptTo).toEqual(['ops@example.com']);
    expect(got.raw).not.toMatch(/^Bcc:/im);
    expect(got.mail.text).toMatch(/^See attached\.\n?$/);
    expect(await runStepForTest(sendStep, { ...message(server.port), to: 'a@b.c\r\nRCPT TO:<x@y.z>' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
  });

  it('fails retryably on a 4xx reply, for good on a 5xx, and never says the password', async () => {
    const server = await smtpServer({
      disabledCommands: ['STARTTLS'],
      rcpt: (to) => (to.startsWith('busy') ? 451 : to.startsWith('nobody') ? 550 : undefined),
    });
    const busy = await runStepForTest(
      sendStep,
      { ...message(server.port), to: 'busy@example.com' },
      { networkEndpoints: [server.endpoint] },
    );
    expect(busy).toMatchObject({ ok: false, error: { retryable: true, stepCode: 'smtp_451' } });
    const nobody = await runStepForTest(
      sendStep,
      { ...message(server.port), to: 'nobody@example.com' },
      { networkEndpoints: [server.endpoint] },
    );
    expect(nobody).toMatchObject({
      ok: false,
      error: { retryable: false, stepCode: 'smtp_550', message: expect.stringContaining('refused nobody@example.com') },
    });
    const login = await runStepForTest(
      sendStep,
      { ...message(server.port), password: 'wrong-pass' },
      { networkEndpoints: [server.endpoint] },
    );
    expect(login).toMatchObject({ ok: false, error: { retryable: false, stepCode: 'smtp_535' } });
    // One refused recipient of two: sent, and said so.
    const partly = await runStepForTest(
      sendStep,
      { ...message(server.port), to: ['ops@example.com', 'nobody@example.com'] },
      { networkEndpoints: [server.endpoint] },
    );
    expect(partly).toMatchObject({ ok: true, outputs: { accepted: ['ops@example.com'], rejected: ['nobody@example.com'] } });
    expect(JSON.stringify([busy, nobody, login, partly])).not.toMatch(/smtp-pass|wrong-pass/);
  });

  it('refuses an endpoint the tenant did not approve, and attachments over the cap', async () => {
    const server = await smtpServer({ disabledCommands: ['STARTTLS'] });
    expect(await runStepForTest(sendStep, message(server.port))).toMatchObject({
      ok: false,
      error: { retryable: false, stepCode: 'network_denied' },
    });
    expect(
      await runStepForTest(
        sendStep,
        { ...message(server.port), attachments: [{ artifact: 'big' }], maxAttachmentBytes: 10 },
        { networkEndpoints: [server.endpoint], artifacts: { big: 'x'.repeat(11) } },
      ),
    ).toMatchObject({ ok: false, error: { retryable: false, stepCode: 'attachments_too_large' } });
    expect(server.received).toEqual([]);
  });

  it('requires STARTTLS when told to, and stops when cancelled', async () => {
    const plain = await smtpServer({ disabledCommands: ['STARTTLS'] });
    expect(
      await runStepForTest(sendStep, { ...message(plain.port), security: 'require-starttls' }, { networkEndpoints: [plain.endpoint] }),
    ).toMatchObject({ ok: false, error: { retryable: false } });
    const slow = await smtpServer({ disabledCommands: ['STARTTLS'], onData: () => undefined });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const cancelled = await runStepForTest(sendStep, message(slow.port), { networkEndpoints: [slow.endpoint], signal: controller.signal });
    expect(cancelled).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^AbortError/) } });
  });

  it('declares raw network for any endpoint, the password secret, and no egress', () => {
    const manifest = describePlugin(mail);
    expect(manifest.network).toEqual(['*:*']);
    expect(manifest.steps[0]).toMatchObject({ id: 'send', egress: [] });
    expect((manifest.steps[0].inputSchema as { properties: Record<string, object> }).properties.password).toMatchObject({
      'x-baton-secret': true,
    });
  });
});

describe('SMTP errors', () => {
  it('maps reply codes and kinds', () => {
    expect(smtpError({ code: 'EENVELOPE', responseCode: 452, message: 'full', command: 'RCPT TO' })).toMatchObject({
      retryable: true,
      code: 'smtp_452',
      message: 'SMTP RCPT TO: full',
    });
    expect(smtpError({ code: 'EENVELOPE', responseCode: 554, message: 'no' })).toMatchObject({ retryable: false, code: 'smtp_554' });
    expect(smtpError({ code: 'ETLS', message: 'self-signed certificate' })).toMatchObject({ retryable: false, code: 'smtp_tls' });
    expect(smtpError({ code: 'ECONNECTION', message: 'reset' })).toMatchObject({ retryable: true, code: 'smtp_connection' });
    expect(smtpError({ code: 'EACCES', relayCode: 'network_denied', message: 'not approved' })).toMatchObject({
      retryable: false,
      code: 'network_denied',
    });
  });
});
