/**
 * What PostgreSQL's jsonb refuses: a NUL character, in a string or a key. Pure, so the sandbox, the
 * activity and the workflow (for steps it carries out itself) check outputs the same way.
 */

/** A step's outputs may not hold one: its record would fail on every retry and its run would never end. */
export const NUL_OUTPUT_MESSAGE =
  'the outputs hold a NUL character (\\u0000), which cannot be stored: remove it or encode the value (base64, say)';

export function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item));
  return false;
}

/** `value` with each NUL character (in a string or a key) replaced by U+FFFD, for a record that only shows it. */
export function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('\u0000', '\uFFFD');
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key.replaceAll('\u0000', '\uFFFD'), withoutNul(item)]));
}
