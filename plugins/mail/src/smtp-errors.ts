import { isStepError, StepError } from '../../sdk/src/index.js';

interface MailerError {
  name?: string;
  message?: string;
  /** nodemailer's kind: EAUTH, EENVELOPE, EMESSAGE, ETLS, ECONNECTION, ETIMEDOUT, ESOCKET… */
  code?: string;
  responseCode?: number;
  command?: string;
  /** Set by the worker's relay when it refused the endpoint. */
  relayCode?: string;
}

/** Kinds a retry cannot fix when the server gave no reply code: bad credentials, a refused certificate, a malformed message. */
const PERMANENT_KINDS: Record<string, string> = {
  EAUTH: 'smtp_auth',
  ENOAUTH: 'smtp_auth',
  ETLS: 'smtp_tls',
  EENVELOPE: 'smtp_envelope',
  EMESSAGE: 'smtp_message',
};

/**
 * nodemailer's failures as StepErrors. A reply code decides: 4xx (mailbox busy, greylisted,
 * try later) is retryable, 5xx (no such user, relaying denied, bad login) is not; either is coded
 * `smtp_<code>`. Without one, a refused endpoint or a permanent kind fails for good, and the
 * network (refused, reset, timed out) is retried. Cancellation passes unchanged.
 */
export function smtpError(error: unknown): unknown {
  if (isStepError(error)) return error;
  const e = (error ?? {}) as MailerError;
  if (e.name === 'AbortError') return error;
  const detail = `${e.command ? `${e.command}: ` : ''}${e.message ?? String(error)}`;
  if (e.relayCode === 'network_denied' || (e.code === 'EACCES' && e.responseCode === undefined))
    return new StepError(`SMTP connection refused by the sandbox: ${e.message}`, { retryable: false, code: 'network_denied' });
  if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 600)
    return new StepError(`SMTP ${detail}`, { retryable: e.responseCode < 500, code: `smtp_${e.responseCode}` });
  const permanent = e.code ? PERMANENT_KINDS[e.code] : undefined;
  if (permanent) return new StepError(`SMTP ${detail}`, { retryable: false, code: permanent });
  return new StepError(`SMTP connection failed: ${detail}`, { code: 'smtp_connection' });
}
