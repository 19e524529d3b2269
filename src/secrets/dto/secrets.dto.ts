import { z } from 'zod';
import { instant } from '../../common/openapi/views.js';

/** Read in pipelines as `${{ secrets.NAME }}`, so names are plain identifiers. */
export const secretNameParam = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, { message: 'Must match [A-Za-z_][A-Za-z0-9_]{0,63}' });

export const PutSecretBody = z.strictObject({
  // Shorter values could not be told apart in step output, so they could not be redacted.
  value: z
    .string()
    .min(4, { error: 'A secret must be at least 4 characters, or it could not be redacted from step output' })
    .max(64 * 1024),
});
export type PutSecretBody = z.output<typeof PutSecretBody>;

/** A secret's name and version; its value is never returned. */
export const SecretView = z.strictObject({ name: z.string(), version: z.int(), createdAt: instant, updatedAt: instant });
export const SecretList = z.strictObject({
  items: z.array(SecretView),
  nextCursor: z.null().describe('Always null: every secret is on the one page'),
});
