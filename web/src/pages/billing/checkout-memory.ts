/** What the tenant had when it left for Stripe Checkout, so the return page can tell when the change has landed. */
export interface CheckoutStart {
  fromPlan: string | null;
  fromStatus: string | null;
  /** Whether the subscription was already set to end with its period. */
  fromEnding?: boolean;
  toPlan: string;
}

const KEY = 'baton.billing.checkout';

export function rememberCheckout(start: CheckoutStart): void {
  sessionStorage.setItem(KEY, JSON.stringify(start));
}

export function recallCheckout(): CheckoutStart | null {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as CheckoutStart | null;
  } catch {
    return null;
  }
}

export function forgetCheckout(): void {
  sessionStorage.removeItem(KEY);
}

/**
 * Stripe's webhook, not the redirect, changes the plan: it has landed once the plan, its status or
 * (for a move to the default plan, which waits for the period's end) the pending end differs from before.
 */
export function checkoutLanded(start: CheckoutStart, now: { plan: string; status: string | null; ending?: boolean }): boolean {
  return now.plan !== start.fromPlan || now.status !== start.fromStatus || Boolean(now.ending) !== Boolean(start.fromEnding);
}
