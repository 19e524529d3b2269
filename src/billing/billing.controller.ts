import { Controller, Get, Headers, HttpCode, Post, Req, type RawBodyRequest } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import type { FastifyRequest } from 'fastify';
import { Public, Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { SkipRateLimit } from '../common/rate-limit/rate-limit.guard.js';
import { ValidBody } from '../common/validation/zod.js';
import { BillingWebhookService } from './billing-webhook.service.js';
import { BillingService } from './billing.service.js';
import { CheckoutBody, PlanList, StripeRedirect, Subscription, Usage, WebhookReceived } from './dto/billing.dto.js';

@ApiTags('billing')
@Controller('v1/billing')
export class BillingController {
  constructor(
    private readonly billing: BillingService,
    private readonly webhooks: BillingWebhookService,
  ) {}

  /** The plans and what each allows (a pricing page needs no login). */
  @ApiOperation({ summary: 'List the plans and what each allows' })
  @Responds(200, PlanList)
  @Get('plans')
  @Public()
  plans() {
    return this.billing.plans();
  }

  @ApiOperation({ summary: "The tenant's plan and subscription" })
  @Responds(200, Subscription)
  @Get('subscription')
  @Roles('viewer')
  subscription(@CurrentPrincipal() principal: Principal) {
    return this.billing.subscription(principal);
  }

  @ApiOperation({ summary: "The tenant's usage this month against its plan" })
  @Responds(200, Usage)
  @Get('usage')
  @Roles('viewer')
  usage(@CurrentPrincipal() principal: Principal) {
    return this.billing.usage(principal);
  }

  @ApiOperation({ summary: 'Start a Stripe Checkout for a plan' })
  @Responds(201, StripeRedirect)
  @Fails(404, '`billing_disabled`: billing is off on this installation')
  @Fails(502, '`stripe_unavailable`')
  @Post('checkout')
  @Roles('owner')
  checkout(@CurrentPrincipal() principal: Principal, @ValidBody(CheckoutBody) body: CheckoutBody) {
    return this.billing.checkout(principal, body);
  }

  @ApiOperation({ summary: "Open Stripe's customer portal" })
  @Responds(200, StripeRedirect)
  @Fails(404, '`billing_disabled`: billing is off on this installation')
  @Fails(409, '`no_billing_account`: the tenant has not checked out yet')
  @Fails(502, '`stripe_unavailable`')
  @Post('portal')
  @Roles('owner')
  @HttpCode(200)
  portal(@CurrentPrincipal() principal: Principal) {
    return this.billing.portal(principal);
  }

  /** Stripe only: the signature over the exact bytes is the credential. */
  @ApiOperation({ summary: 'Receive a Stripe event (Stripe only)' })
  @Responds(200, WebhookReceived)
  @Fails(404, '`billing_disabled`: billing is off on this installation')
  @Post('webhook')
  @Public()
  @SkipRateLimit()
  @HttpCode(200)
  webhook(@Req() request: RawBodyRequest<FastifyRequest>, @Headers('stripe-signature') signature: string | undefined) {
    return this.webhooks.receive(request.rawBody, signature);
  }
}
