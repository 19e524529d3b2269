import type { MailRow } from './mail.repository.js';

const when = (date: Date | null) => (date ? date.toISOString().replace('T', ' ').slice(0, 19) : '-');

/** `baton mail`: one line a mail, newest first. */
export function formatMailList(mails: MailRow[]): string {
  if (!mails.length) return 'No mail.';
  return mails.map((m) => `${m.id}  ${when(m.createdAt)}  ${m.status.padEnd(7)}  ${m.to}  ${m.subject}`).join('\n');
}

/** `baton mail <id>`: the whole mail, as it was (or would have been) sent. */
export function formatMail(mail: MailRow): string {
  return [
    `Id:      ${mail.id}`,
    `Date:    ${when(mail.createdAt)}`,
    `To:      ${mail.to}`,
    `Subject: ${mail.subject}`,
    `Status:  ${mail.status}${mail.status === 'sent' ? ` ${when(mail.sentAt)}` : ''}${mail.attempts ? `, ${mail.attempts} attempt(s)` : ''}${mail.lastError ? `; last error: ${mail.lastError}` : ''}`,
    '',
    mail.body ?? '(sent by SMTP: its text is no longer kept)',
  ].join('\n');
}
