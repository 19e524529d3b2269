import { z } from 'zod';

/** Read in pipelines as `${{ secrets.NAME }}`, so names are plain identifiers. */
export const secretNameParam = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, { message: 'Must match [A-Za-z_][A-Za-z0-9_]{0,63}' });

export const PutSecretBody = z.strictObject({
  value: z.string().min(1).max(64 * 1024),
});
export type PutSecretBody = z.output<typeof PutSecretBody>;
