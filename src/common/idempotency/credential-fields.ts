/**
 * Top-level fields of a response that carry a credential shown once: an API key's `key`, a
 * trigger's or notification channel's signing `secret`, an invitation's `token`. The migration
 * that stopped keeping them (19) strips the same fields from older records.
 */
export const CREDENTIAL_FIELDS = ['key', 'secret', 'token'] as const;

/** The body as it may be kept: without its credentials, and whether it had any. */
export function withoutCredentials(body: unknown): { body: unknown; withheld: boolean } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { body, withheld: false };
  const kept = { ...(body as Record<string, unknown>) };
  let withheld = false;
  for (const field of CREDENTIAL_FIELDS) {
    if (typeof kept[field] !== 'string') continue;
    delete kept[field];
    withheld = true;
  }
  return { body: kept, withheld };
}
