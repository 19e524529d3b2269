export type MailKind = 'verify_email' | 'invitation' | 'password_reset';

/** A mail as the outbox keeps it; `link` is the one action in it (logged when no SMTP server is set). */
export interface OutgoingMail {
  kind: MailKind;
  to: string;
  subject: string;
  body: string;
  link: string;
}

/**
 * The token rides in the fragment: browsers never send it to a server, not in the request line of
 * the page (so no access log has it) nor in a Referer.
 */
export function accountLink(publicUrl: string, path: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${path}#token=${token}`;
}

// Pages of the web console (web/src/pages/auth/routes.tsx), which post the fragment's token to the API.
export const VERIFY_EMAIL_PATH = '/account/verify';
export const ACCEPT_INVITATION_PATH = '/invitations/accept';
export const RESET_PASSWORD_PATH = '/account/reset-password';

const signature = '\n\n-- \nBaton';
/** Tenant names are anyone's words: one line, quoted, so they cannot pose as the mail's own text. */
// eslint-disable-next-line no-control-regex -- control characters are what this removes
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

export function verificationMail(publicUrl: string, to: string, token: string, validHours: number): OutgoingMail {
  const link = accountLink(publicUrl, VERIFY_EMAIL_PATH, token);
  return {
    kind: 'verify_email',
    to,
    link,
    subject: 'Confirm your e-mail address for Baton',
    body: `Someone, hopefully you, made a Baton account with this address.\n\nConfirm it by opening this link within ${validHours} hours:\n\n${link}\n\nIf it was not you, ignore this mail: the address stays unconfirmed.${signature}`,
  };
}

export function invitationMail(
  publicUrl: string,
  to: string,
  token: string,
  invitation: { tenantName: string; role: string; validDays: number },
): OutgoingMail {
  const link = accountLink(publicUrl, ACCEPT_INVITATION_PATH, token);
  return {
    kind: 'invitation',
    to,
    link,
    subject: `You are invited to "${oneLine(invitation.tenantName)}" on Baton`,
    body:
      `You are invited to join the tenant "${oneLine(invitation.tenantName)}" on Baton as ${invitation.role}.\n\n` +
      `Accept within ${invitation.validDays} days by opening this link:\n\n${link}\n\n` +
      `With a Baton account for this address already, sign in first; otherwise you choose a password there.${signature}`,
  };
}

export function passwordResetMail(publicUrl: string, to: string, token: string, validMinutes: number): OutgoingMail {
  const link = accountLink(publicUrl, RESET_PASSWORD_PATH, token);
  return {
    kind: 'password_reset',
    to,
    link,
    subject: 'Reset your Baton password',
    body:
      `Someone asked to reset the password of the Baton account with this address.\n\n` +
      `Choose a new one within ${validMinutes} minutes by opening this link (it works once):\n\n${link}\n\n` +
      `If it was not you, ignore this mail: your password stays as it is.${signature}`,
  };
}
