import { HttpStatus, Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { parseDuration } from '../../../workers/contracts/duration.js';
import { BATON_CONFIG, type RuntimeConfig } from '../../runtime/config/runtime-config.js';
import { BatonError } from '../errors/baton-error.js';
import type { Principal } from '../auth/principal.js';
import { withoutCredentials } from './credential-fields.js';
import { ATOMIC_IDEMPOTENCY, IdempotencyClaim, IdempotencyKeyTaken } from './idempotency-claim.js';
import type { IdempotencyRecordEntity } from './idempotency-record.entity.js';
import { IdempotencyRepository } from './idempotency.repository.js';

const HEADER = 'idempotency-key';
/** How long an unfinished request owns its key before a retry may take it over. */
const LEASE_SECONDS = 60;

/**
 * Mutating POSTs that carry `Idempotency-Key` run once per tenant and key within IDEMPOTENCY_TTL:
 * a replay gets the first response; the same key with a different request is refused.
 *
 * A response that carried a credential (a new API key, a signing secret, an invitation token) is
 * kept without it and not replayed: such a credential is shown once, and sealing it for replays
 * would keep every new credential in the database, decryptable with a key the same installation
 * holds, for a day. A replay answers 409 naming what the first request created, to revoke.
 *
 * Routes marked `@AtomicIdempotency()` (starting runs) record the key in the transaction of their
 * effect instead (`IdempotencyClaim`): a retry after any crash finds both or neither.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly ttlSeconds: number;

  constructor(
    private readonly records: IdempotencyRepository,
    private readonly reflector: Reflector,
    @Inject(BATON_CONFIG) config: Pick<RuntimeConfig, 'IDEMPOTENCY_TTL'>,
  ) {
    this.ttlSeconds = parseDuration(config.IDEMPOTENCY_TTL)! / 1000;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const key = request.headers[HEADER];
    if (request.method !== 'POST' || typeof key !== 'string' || !request.user) return next.handle();
    if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
      throw new BatonError('invalid_idempotency_key', 400, 'Idempotency-Key must be 1-200 visible ASCII characters', [
        { path: 'headers.idempotency-key', message: 'Invalid' },
      ]);
    }
    const status = this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;
    const hash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex');
    if (this.reflector.get<boolean>(ATOMIC_IDEMPOTENCY, context.getHandler()))
      return from(this.atomically(request.user.tenantId, key, hash, request, status, context, next));
    return from(this.once(request.user.tenantId, key, hash, status, context, next));
  }

  /** The first response again, or why not; `existing` holds the key. */
  private replay(existing: IdempotencyRecordEntity, hash: string, context: ExecutionContext): unknown {
    if (existing.requestHash !== hash)
      throw new BatonError('idempotency_key_reused', 422, 'This Idempotency-Key was used for a different request');
    if (existing.statusCode === null)
      throw new BatonError('idempotency_in_progress', 409, 'A request with this Idempotency-Key is still in progress');
    if (existing.credentialWithheld) {
      throw new BatonError(
        'idempotency_credential_withheld',
        409,
        'The request with this Idempotency-Key succeeded, and its response carried a credential that is shown once and not kept: revoke or rotate what it created (`response`) and retry with a new key',
        undefined,
        undefined,
        { response: existing.body },
      );
    }
    context.switchToHttp().getResponse<FastifyReply>().header('idempotent-replayed', 'true');
    return existing.body;
  }

  private async atomically(
    tenantId: string,
    key: string,
    hash: string,
    request: FastifyRequest & { idempotency?: IdempotencyClaim },
    status: number,
    context: ExecutionContext,
    next: CallHandler,
  ): Promise<unknown> {
    const existing = await this.records.find(tenantId, key, this.ttlSeconds);
    if (existing) return this.replay(existing, hash, context);
    request.idempotency = new IdempotencyClaim(this.records, tenantId, key, hash, status, this.ttlSeconds);
    try {
      return await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (error) {
      if (!(error instanceof IdempotencyKeyTaken)) throw error;
      const winner = await this.records.find(tenantId, key, this.ttlSeconds);
      if (!winner) throw new BatonError('idempotency_in_progress', 409, 'A request with this Idempotency-Key just failed; retry it');
      return this.replay(winner, hash, context);
    }
  }

  private async once(
    tenantId: string,
    key: string,
    hash: string,
    status: number,
    context: ExecutionContext,
    next: CallHandler,
  ): Promise<unknown> {
    const existing = await this.records.claim(tenantId, key, hash, LEASE_SECONDS, this.ttlSeconds);
    if (existing === 'vanished')
      throw new BatonError('idempotency_in_progress', 409, 'A request with this Idempotency-Key just failed; retry it');
    if (existing) return this.replay(existing, hash, context);
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const kept = withoutCredentials(body ?? null);
      await this.records.complete(tenantId, key, status, kept.body, kept.withheld);
      return body;
    } catch (error) {
      await this.records.release(tenantId, key);
      throw error;
    }
  }
}
