import { z } from 'zod';

/** The JSON Schema marks of a secret field; the host resolves `${{ secrets.NAME }}` into such fields only. */
export const SECRET_FIELD_META = { writeOnly: true, 'x-baton-secret': true } as const;

/**
 * A step input field that may receive a tenant secret, e.g. `connection: secret()` or
 * `secret(z.string().regex(/^postgres:\/\//))`. Pipelines write `${{ secrets.NAME }}` in such
 * fields only (a tenant admin approves which secrets the plugin may get); the value is resolved on
 * the worker just before the step runs and redacted from what the step gives back.
 */
export function secret<T extends z.ZodType<string>>(schema?: T): T {
  // Metadata belongs to one schema instance: set it last, on the schema the field uses.
  return (schema ?? z.string().min(1)).meta(SECRET_FIELD_META) as T;
}
