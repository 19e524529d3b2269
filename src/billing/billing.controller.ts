import { Controller, Get, Headers, HttpCode, Post, Req, type RawBodyRequest } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public, Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { SkipRateLimit } from '../common/rate-limit/rate-limit.guard.js';
import { ValidBody } from '../common/validation/zod.js';
import { BillingWebhookService } from './billing-webhook.service.js';
import { BillingService } from './billing.service.js';
import { CheckoutBody } from './dto/billing.dto.js';

@ApiTags('billing')
@Controller('v1/billing')
export class BillingController {
  constructor(
    private readonly billing: BillingService,
    private readonly webhooks: BillingWebhookService,
  ) {}

  /** The plans and what each allows (a pricing page needs no login). */
  @Get('plans')
  @Public()
  plans() {
    return this.billing.plans();
  }

  @Get('subscription')
  @Roles('viewer')
  subscription(@CurrentPrincipal() principal: Principal) {
    return this.billing.subscription(principal);
  }

  @Get('usage')
  @Roles('viewer')
  usage(@CurrentPrincipal() principal: Principal) {
    return this.billing.usage(principal);
  }

  @Post('checkout')
  @Roles('owner')
  checkout(@CurrentPrincipal() principal: Principal, @ValidBody(CheckoutBody) body: CheckoutBody) {
    return this.billing.checkout(principal, body);
  }

  @Post('portal')
  @Roles('owner')
  @HttpCode(200)
  portal(@CurrentPrincipal() principal: Principal) {
    return this.billing.portal(principal);
  }

  /** Stripe only: the signature over the exact bytes is the credential. */
  @Post('webhook')
  @Public()
  @SkipRateLimit()
  @HttpCode(200)
  webhook(@Req() request: RawBodyRequest<FastifyRequest>, @Headers('stripe-signature') signature: string | undefined) {
    return this.webhooks.receive(request.rawBody, signature);
  }
}
