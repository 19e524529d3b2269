import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { inject } from 'vitest';

export interface ReceivedMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  /** The HTML part, when there is one. */
  html: string;
  /** The first link in the text. */
  link: string;
  cc: string;
  /** Every address the server accepted in the envelope (Bcc included, which no header shows). */
  rcptTo: string[];
  /** The message's header block as sent. */
  headers: string;
  attachments: Array<{ filename: string; contentType: string; content: Buffer }>;
  /** Whether the session was upgraded with STARTTLS. */
  secure: boolean;
}

/**
 * A real SMTP server in the test process (smtp-server, by nodemailer's authors) that takes every
 * mail for any address, with a login, and can refuse the next recipients with a 4xx reply.
 */
export class Mailbox {
  readonly received: ReceivedMail[] = [];
  private refusals: Array<{ code: number; message: string; to?: string }> = [];
  private server?: SMTPServer;
  private port = 0;

  constructor(
    private readonly user = 'baton',
    private readonly pass = 'smtp-secret',
    /** Offer STARTTLS (with smtp-server's own self-signed certificate). */
    private readonly starttls = false,
  ) {}

  /** What SMTP_URL the API is given. */
  get url(): string {
    return `smtp://${this.user}:${this.pass}@127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = new SMTPServer({
      disabledCommands: this.starttls ? [] : ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _session, done) =>
        auth.username === this.user && auth.password === this.pass ? done(null, { user: auth.username }) : done(new Error('Invalid login')),
      onRcptTo: (address, session, done) => {
        if (!session.user) return done(Object.assign(new Error('Authentication required'), { responseCode: 530 }));
        const index = this.refusals.findIndex((r) => !r.to || r.to.toLowerCase() === address.address.toLowerCase());
        const [refusal] = index < 0 ? [] : this.refusals.splice(index, 1);
        return refusal ? done(Object.assign(new Error(refusal.message), { responseCode: refusal.code })) : done();
      },
      onData: (stream, session, done) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw).then((parsed) => {
            const text = parsed.text ?? '';
            const first = (field: typeof parsed.to) => (Array.isArray(field) ? field[0]?.text : field?.text) ?? '';
            this.received.push({
              from: parsed.from?.text ?? '',
              to: first(parsed.to),
              subject: parsed.subject ?? '',
              text,
              html: typeof parsed.html === 'string' ? parsed.html : '',
              link: /https?:\/\/\S+/.exec(text)?.[0] ?? '',
              cc: first(parsed.cc),
              rcptTo: session.envelope.rcptTo.map((r) => r.address),
              headers: raw.toString('utf8').split(/\r?\n\r?\n/)[0],
              attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content })),
              secure: session.secure,
            });
            done();
          }, done);
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  /** The next `count` recipients (or of them, those at `to`) are refused with this reply (e.g. 451: try again later). */
  refuseNext(count: number, code = 451, message = 'Mailbox busy, try again later', to?: string): void {
    this.refusals.push(...Array.from({ length: count }, () => ({ code, message, to })));
  }

  /** Waits for a mail to `to` whose subject matches, and takes it out of the box. */
  async waitFor(to: string, subject: RegExp, timeoutMs = 20_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mail = this.received.find((m) => m.to.toLowerCase() === to.toLowerCase() && subject.test(m.subject));
      if (mail) {
        this.received.splice(this.received.indexOf(mail), 1);
        return mail;
      }
      if (Date.now() > deadline)
        throw new Error(
          `no mail to ${to} matching ${subject} within ${timeoutMs} ms; received: ${JSON.stringify(this.received.map((m) => [m.to, m.subject]))}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  mailsTo(to: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.toLowerCase() === to.toLowerCase());
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The token a mailed link carries in its fragment. */
export const tokenOf = (link: string) => new URL(link).hash.replace(/^#token=/, '');

/**
 * The newest mail to `to` of this kind that the stack's API (no SMTP_URL) kept for the operator,
 * read where `baton mail` reads it; waits for it, since mails are written after the answer.
 */
export async function keptMail(
  to: string,
  kind: 'verify_email' | 'invitation' | 'password_reset',
  timeoutMs = 10_000,
): Promise<{ id: string; link: string; body: string }> {
  const db = new pg.Client({ connectionString: inject('databaseUrl') });
  await db.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await db.query(
        `SELECT id, link, body FROM mail WHERE to_address = $1 AND kind = $2 AND status = 'kept' ORDER BY created_at DESC LIMIT 1`,
        [to, kind],
      );
      if (rows[0]) return rows[0];
      if (Date.now() > deadline) throw new Error(`no ${kind} mail kept for ${to}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await db.end();
  }
}

/** Verifies a stack tenant's address with the link it was mailed, as its owner would. */
export async function verifyKeptAddress(email: string, baseUrl: string = inject('baseUrl')): Promise<void> {
  const { link } = await keptMail(email, 'verify_email');
  const response = await fetch(`${baseUrl}/v1/account/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: tokenOf(link) }),
  });
  if (response.status !== 200) throw new Error(`verifying ${email}: ${response.status} ${await response.text()}`);
}
