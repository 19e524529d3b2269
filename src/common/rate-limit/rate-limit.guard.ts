import { Injectable, type ExecutionContext } from '@nestjs/common';
import { SkipThrottle, ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { BatonError } from '../errors/baton-error.js';
import type { Principal } from '../auth/principal.js';

/** How many requests a minute a tenant may make; implemented by billing (the plan decides). */
export abstract class TenantRequestLimits {
  abstract requestsPerMinute(tenantId: string): Promise<number>;
}

/** Routes that callers cannot pace themselves (Stripe's webhooks, health probes). */
export const SkipRateLimit = () => SkipThrottle();

type TrackedRequest = { user?: Principal; ip: string };

/**
 * One budget per tenant across all its routes and credentials (its plan's requests per minute),
 * and one per client address on the routes without a credential (sign-up, login, admin). Counted
 * per API replica, in memory.
 */
export function rateLimitOptions(limits: TenantRequestLimits, anonymousPerMinute: number): ThrottlerModuleOptions {
  return {
    throttlers: [
      {
        name: 'default',
        ttl: 60_000,
        // A sliding minute, not a lock-out: refused requests do not count, and a higher limit (an upgrade) applies at once.
        blockDuration: 0,
        limit: async (context: ExecutionContext) => {
          const tenantId = context.switchToHttp().getRequest<TrackedRequest>().user?.tenantId;
          return tenantId ? limits.requestsPerMinute(tenantId) : anonymousPerMinute;
        },
      },
    ],
    getTracker: (request) =>
      (request as TrackedRequest).user?.tenantId
        ? `tenant:${(request as TrackedRequest).user!.tenantId}`
        : `ip:${(request as TrackedRequest).ip}`,
    generateKey: (_context, tracker, name) => `${name}:${tracker}`,
  };
}

/** Runs after the access guard, so the tenant is known; answers 429 problem+json with Retry-After. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = String(Math.max(1, detail.timeToBlockExpire));
    throw new BatonError(
      'rate_limited',
      429,
      `Too many requests: at most ${detail.limit} a minute; retry in ${retryAfter} s`,
      undefined,
      { 'retry-after': retryAfter },
      { limit: detail.limit, retryAfter: Number(retryAfter) },
    );
  }
}
