import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BatonMetrics, WebhookSource } from '../runtime/metrics/baton-metrics.js';

/** Routes whose requests are inbound webhooks, by route pattern (never the URL, which holds ids). */
const WEBHOOK_ROUTES: Record<string, WebhookSource> = { 'POST /v1/hooks/:id': 'trigger', 'POST /v1/billing/webhook': 'stripe' };

/** A trigger's hook answers 202 with the run it started, 200 for a delivery it already had. */
export function webhookOutcome(source: WebhookSource, statusCode: number): string {
  if (statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'rejected';
  if (source === 'trigger') return statusCode === 202 ? 'started' : 'duplicate';
  return 'processed';
}

/** Records every response of the API, after Nest's guards, handlers and problem filter settled its status. */
export function recordResponse(metrics: BatonMetrics, request: FastifyRequest, reply: FastifyReply): void {
  const route = request.routeOptions.url;
  const seconds = reply.elapsedTime / 1000;
  metrics.httpRequest(request.method, route, reply.statusCode, seconds);
  const source = route === undefined ? undefined : WEBHOOK_ROUTES[`${request.method} ${route}`];
  if (source) metrics.webhook(source, webhookOutcome(source, reply.statusCode), seconds);
}

/** Hooks are applied to every route when Fastify gets ready, so this may run after routes are declared. */
export function observeRequests(fastify: FastifyInstance, metrics: BatonMetrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    recordResponse(metrics, request, reply);
    done();
  });
}
