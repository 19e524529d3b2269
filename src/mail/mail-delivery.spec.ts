import { describe, expect, it } from 'vitest';
import { isPermanentSmtpError, MAIL_MAX_ATTEMPTS, retryDelayMs } from './mail-delivery.js';
import { accountLink, invitationMail } from './mail-messages.js';

describe('mail delivery', () => {
  it('waits twice as long after each failed attempt, at most an hour, and gives up after the last', () => {
    expect([1, 2, 3].map((n) => retryDelayMs(n, 10_000))).toEqual([10_000, 20_000, 40_000]);
    expect(retryDelayMs(MAIL_MAX_ATTEMPTS - 1, 10 * 60_000)).toBe(60 * 60_000);
    expect(retryDelayMs(MAIL_MAX_ATTEMPTS, 10_000)).toBeNull();
  });

  it('gives a mail up only on a permanent SMTP refusal', () => {
    expect(isPermanentSmtpError(Object.assign(new Error('no such user'), { code: 'EENVELOPE', responseCode: 550 }))).toBe(true);
    expect(isPermanentSmtpError(Object.assign(new Error('try later'), { code: 'EENVELOPE', responseCode: 451 }))).toBe(false);
    expect(isPermanentSmtpError(Object.assign(new Error('bad sequence'), { code: 'EPROTOCOL', responseCode: 503 }))).toBe(false);
    expect(isPermanentSmtpError(Object.assign(new Error('login refused'), { code: 'EAUTH', responseCode: 535 }))).toBe(false);
    expect(isPermanentSmtpError(Object.assign(new Error('refused'), { code: 'ECONNECTION' }))).toBe(false);
    expect(isPermanentSmtpError(undefined)).toBe(false);
  });
});

describe('mail messages', () => {
  it('puts the token in the fragment of a link under PUBLIC_URL', () => {
    expect(accountLink('https://baton.example/', '/account/verify', 'bv_x')).toBe('https://baton.example/account/verify#token=bv_x');
    const mail = invitationMail('http://127.0.0.1:8080', 'a@example.test', 'bi_abc', { tenantName: 'Acme', role: 'viewer', validDays: 7 });
    expect(mail.link).toBe('http://127.0.0.1:8080/invitations/accept#token=bi_abc');
    expect(mail.body).toContain(mail.link);
    expect(mail.subject).toContain('Acme');
  });
});
