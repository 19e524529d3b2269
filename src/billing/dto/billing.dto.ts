import { z } from 'zod';

export const CheckoutBody = z.strictObject({
  plan: z.string().min(1).max(40),
});
export type CheckoutBody = z.output<typeof CheckoutBody>;
