/** Attempts to send one mail before it is given up as `failed`. */
export const MAIL_MAX_ATTEMPTS = 10;
const MAX_WAIT_MS = 60 * 60 * 1000;

/** When to try again after failed attempt number `attempt` (1-based), or null when it was the last. */
export function retryDelayMs(attempt: number, baseMs: number): number | null {
  if (attempt >= MAIL_MAX_ATTEMPTS) return null;
  return Math.min(baseMs * 2 ** (attempt - 1), MAX_WAIT_MS);
}

/**
 * A refusal that the same mail would meet again: an SMTP 5yz reply (RFC 5321), except 503, which
 * speaks of the session, not the mail. Connection errors, timeouts and 4yz replies are retried;
 * so is a refused login (535), which the operator mends in the configuration, not the mail.
 */
export function isPermanentSmtpError(error: unknown): boolean {
  const { responseCode, code } = (error ?? {}) as { responseCode?: number; code?: string };
  if (code === 'EAUTH' || typeof responseCode !== 'number') return false;
  return responseCode >= 500 && responseCode < 600 && responseCode !== 503;
}
