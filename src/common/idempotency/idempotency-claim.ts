import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Sql } from '../../runtime/database/sql.js';
import { withoutCredentials } from './credential-fields.js';
import type { IdempotencyRepository } from './idempotency.repository.js';

export const ATOMIC_IDEMPOTENCY = 'baton:atomic-idempotency';

/**
 * The route writes its Idempotency-Key record in the transaction of its effect (a run and its
 * record commit together), instead of claiming the key before the handler and completing it
 * after: no crash between the two can leave the effect without its record, or the key held
 * by a request that died. The handler takes the claim with `@Idempotency()`.
 */
export const AtomicIdempotency = () => SetMetadata(ATOMIC_IDEMPOTENCY, true);

/** A concurrent request with the same key committed first: the interceptor answers with its response. */
export class IdempotencyKeyTaken extends Error {}

/** The request's Idempotency-Key, to be recorded with the effect it answers for. */
export class IdempotencyClaim {
  constructor(
    private readonly records: IdempotencyRepository,
    readonly tenantId: string,
    readonly key: string,
    private readonly requestHash: string,
    private readonly statusCode: number,
    private readonly ttlSeconds: number,
  ) {}

  /** Records `body` as the answer to replay, on the effect's transaction; throws when the key was taken meanwhile. */
  async record(sql: Sql, body: unknown): Promise<void> {
    const kept = withoutCredentials(body);
    const recorded = await this.records.recordWithin(
      sql,
      {
        tenantId: this.tenantId,
        key: this.key,
        requestHash: this.requestHash,
        statusCode: this.statusCode,
        body: kept.body,
        credentialWithheld: kept.withheld,
      },
      this.ttlSeconds,
    );
    if (!recorded) throw new IdempotencyKeyTaken(`Idempotency-Key ${this.key} was taken by a concurrent request`);
  }

  /** Forgets the record, on the transaction that undoes the effect (it did not happen after all). */
  forget(sql: Sql): Promise<void> {
    return this.records.forgetWithin(sql, this.tenantId, this.key);
  }
}

/** The claim the idempotency interceptor made for this request; undefined without an Idempotency-Key. */
export const Idempotency = createParamDecorator(
  (_data: unknown, context: ExecutionContext): IdempotencyClaim | undefined =>
    context.switchToHttp().getRequest<FastifyRequest & { idempotency?: IdempotencyClaim }>().idempotency,
);
