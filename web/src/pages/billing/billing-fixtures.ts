import { http, HttpResponse } from 'msw';

const PLANS = [
  {
    name: 'free',
    title: 'Free',
    sold: false,
    default: true,
    limits: { pipelines: 5, runsPerMonth: 1000, concurrentRuns: 2, stepSecondsPerMonth: 36000, retentionDays: 7 },
    plugins: ['core', 'http'],
  },
  {
    name: 'team',
    title: 'Team',
    sold: true,
    default: false,
    limits: { pipelines: 100, runsPerMonth: 50000, concurrentRuns: 20, stepSecondsPerMonth: 3600000, retentionDays: 30 },
    plugins: ['*'],
  },
];

/** A Stripe-billed tenant's subscription answer, `changes` on top of an active free plan. */
export const subscription = (changes: Record<string, unknown> = {}) => ({
  billing: 'stripe',
  plan: 'free',
  status: null,
  customer: false,
  currentPeriodEnd: null,
  cancelAtPeriodEnd: false,
  pastDueSince: null,
  graceEndsAt: null,
  ...changes,
});

export const usage = {
  plan: 'team',
  period: { start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z' },
  runs: { used: 250, limit: 1000 },
  stepSeconds: { used: 7200, limit: 36000 },
  concurrentRuns: { used: 2, limit: 2 },
  pipelines: { used: 3, limit: null },
};

/** Three months of usage, the last with 42 runs and 10 step-minutes. */
export const usageHistory = {
  items: [
    { period: { start: '2026-10-01T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z' }, runs: 0, stepSeconds: 0 },
    { period: { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' }, runs: 7, stepSeconds: 61 },
    { period: { start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' }, runs: 42, stepSeconds: 600 },
  ],
};

/** Every billing read answered as an installation with billing on. */
export function billingOn(current: Record<string, unknown>) {
  return [
    http.get('*/v1/billing/subscription', () => HttpResponse.json(subscription(current))),
    http.get('*/v1/billing/usage', () => HttpResponse.json(usage)),
    http.get('*/v1/billing/usage/history', () => HttpResponse.json(usageHistory)),
    http.get('*/v1/billing/plans', () => HttpResponse.json({ billing: 'stripe', items: PLANS })),
    http.get('*/v1/billing/invoices', () => HttpResponse.json({ billing: 'stripe', items: [], nextCursor: null })),
  ];
}
