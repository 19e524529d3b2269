import { Controller, Get, Headers, HttpCode, Post, Req, type RawBodyRequest } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import type { FastifyRequest } from 'fastify';
import { Public, Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { SkipRateLimit } from '../common/rate-limit/rate-limit.guard.js';
import { ValidBody, ValidQuery } from '../common/validation/zod.js';
import { BillingWebhookService } from './billing-webhook.service.js';
import { BillingService } from './billing.service.js';
import {
  UsageHistory,
  UsageHistoryQuery,
  CheckoutBody,
  InvoiceListQuery,
  InvoicePage,
  PlanList,
  PlanChange,
  StripeRedirect,
  Subscription,
  Usage,
  WebhookReceived,
} from './dto/billing.dto.js';

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

  @ApiOperation({ summary: "The tenant's runs and step-seconds per month" })
  @Responds(200, UsageHistory)
  @Get('usage/history')
  @Roles('viewer')
  usageHistory(@CurrentPrincipal() principal: Principal, @ValidQuery(UsageHistoryQuery) query: UsageHistoryQuery) {
    return this.billing.usageHistory(principal, query);
  }

  /** From Stripe, newest first; an empty list without billing (`billing: "disabled"`) or before the first checkout. */
  @ApiOperation({ summary: "The tenant's invoices" })
  @Responds(200, InvoicePage)
  @Fails(502, '`stripe_unavailable`')
  @Get('invoices')
  @Roles('viewer')
  invoices(@CurrentPrincipal() principal: Principal, @ValidQuery(InvoiceListQuery) query: InvoiceListQuery) {
    return this.billing.invoices(principal, query);
  }

  @ApiOperation({ summary: 'Change plan: Stripe Checkout for a first subscription, else the subscription moved or ended with its period' })
  @Responds(201, PlanChange)
  @Fails(404, '`billing_disabled`: billing is off on this installation')
  @Fails(409, '`plan_current`: the tenant is on this plan already')
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
