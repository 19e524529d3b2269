import { Controller, Delete, Get, HttpCode, Patch, Post, Req, Res, type RawBodyRequest } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public, Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { SkipRateLimit } from '../common/rate-limit/rate-limit.guard.js';
import { uuidParam, ValidBody, ValidParam, ValidQuery } from '../common/validation/zod.js';
import {
  CreateTriggerBody,
  DeliveryListQuery,
  DeliveryPage,
  HookAccepted,
  TriggerCreated,
  TriggerListQuery,
  TriggerPage,
  TriggerView,
  TriggerWithSecret,
  UpdateTriggerBody,
} from './dto/triggers.dto.js';
import { TriggerDeliveriesService } from './trigger-deliveries.service.js';
import { TriggersService } from './triggers.service.js';

@ApiTags('triggers')
@Controller('v1')
export class TriggersController {
  constructor(
    private readonly triggers: TriggersService,
    private readonly triggerDeliveries: TriggerDeliveriesService,
  ) {}

  /** A webhook trigger answers with its URL and signing secret (shown once); a run-completion or event trigger with what it listens to. */
  @ApiOperation({ summary: 'Create a trigger' })
  @Responds(201, TriggerCreated)
  @Fails(409, '`trigger_name_taken`: another trigger of the tenant has this `name`')
  @Fails(422, '`invalid_trigger`: the trigger is not valid; `errors` says why')
  @Post('triggers')
  @Roles('operator')
  create(@CurrentPrincipal() principal: Principal, @ValidBody(CreateTriggerBody) body: CreateTriggerBody) {
    return this.triggers.create(principal, body);
  }

  /** `?name=`: the trigger of that name (what `baton apply` matches by), or none. */
  @ApiOperation({ summary: 'List triggers' })
  @Responds(200, TriggerPage)
  @Get('triggers')
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(TriggerListQuery) query: TriggerListQuery) {
    return this.triggers.list(principal, query);
  }

  @ApiOperation({ summary: 'Get a trigger' })
  @Responds(200, TriggerView)
  @Get('triggers/:id')
  @Roles('viewer')
  get(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.triggers.get(principal, id);
  }

  /**
   * What each delivery did, newest first: the run it started, or why it started none (`failed`, a
   * signed webhook delivery refused on its merits included; `skipped` by a cooldown).
   */
  @ApiOperation({ summary: "List a trigger's deliveries, newest first" })
  @Responds(200, DeliveryPage)
  @Get('triggers/:id/deliveries')
  @Roles('viewer')
  deliveries(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidQuery(DeliveryListQuery) query: DeliveryListQuery,
  ) {
    return this.triggerDeliveries.list(principal, id, query);
  }

  /**
   * Changes the fields given (`null` clears a nullable one); the type cannot change, and a webhook
   * trigger keeps its URL and signing secret. A field its type does not have is a `422` naming it.
   */
  @ApiOperation({ summary: 'Change a trigger' })
  @Responds(200, TriggerView)
  @Fails(409, '`trigger_name_taken`: another trigger of the tenant has this `name`')
  @Fails(422, "`invalid_trigger`: the change is not valid, or names a field the trigger's type does not have; `errors` says which")
  @Patch('triggers/:id')
  @Roles('operator')
  update(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidBody(UpdateTriggerBody) body: UpdateTriggerBody,
  ) {
    return this.triggers.update(principal, id, body);
  }

  @ApiOperation({ summary: 'Delete a trigger' })
  @Responds(204)
  @Delete('triggers/:id')
  @Roles('operator')
  @HttpCode(204)
  async remove(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string): Promise<void> {
    await this.triggers.remove(principal, id);
  }

  @ApiOperation({ summary: "Rotate a webhook trigger's signing secret" })
  @Responds(200, TriggerWithSecret)
  @Post('triggers/:id/rotate-secret')
  @Roles('operator')
  @HttpCode(200)
  rotate(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.triggers.rotateSecret(principal, id);
  }

  /**
   * Inbound webhook: `X-Baton-Timestamp` (Unix seconds), `X-Baton-Signature: sha256=<hex HMAC of
   * "<timestamp>.<body>">`, `X-Baton-Delivery` (idempotency). 202 with the run it started; 200
   * with the same run for a delivery seen before.
   */
  @ApiOperation({ summary: 'Deliver a signed webhook to a trigger' })
  @Responds(202, HookAccepted, { description: 'The run the delivery started' })
  @Responds(200, HookAccepted, { description: 'A delivery seen before, and its run' })
  @Fails(401, '`invalid_signature` or `stale_delivery`: the signature or timestamp does not hold')
  @Fails(403, '`tenant_suspended`')
  @Fails(
    422,
    "`invalid_payload`, `invalid_inputs`, `expression_budget_exceeded`: the body does not map to run inputs; kept in the trigger's deliveries as `failed`",
  )
  @Fails(503, '`mapping_unavailable`: the API was too busy to map the delivery in time; not kept, send it again')
  @Post('hooks/:id')
  @Public()
  @SkipRateLimit()
  async hook(
    @ValidParam('id', uuidParam) id: string,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const outcome = await this.triggerDeliveries.receiveHook(id, request.rawBody, request.headers);
    reply.status(outcome.duplicate ? 200 : 202);
    return outcome;
  }
}
