import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { uuidParam, ValidBody, ValidParam, ValidQuery } from '../common/validation/zod.js';
import { AlertsService } from './alerts.service.js';
import { AlertListQuery, ChannelListQuery, CreateChannelBody, UpdateChannelBody } from './dto/alerts.dto.js';

@ApiTags('alerts')
@Controller('v1')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get('alerts')
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(AlertListQuery) query: AlertListQuery) {
    return this.alerts.listAlerts(principal, query);
  }

  /** The alert, its deliveries (one per subscribed channel) and every attempt of each. */
  @Get('alerts/:id')
  @Roles('viewer')
  get(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.alerts.getAlert(principal, id);
  }

  /** 201 with the channel and its signing secret (shown once). */
  @Post('notification-channels')
  @Roles('admin')
  createChannel(@CurrentPrincipal() principal: Principal, @ValidBody(CreateChannelBody) body: CreateChannelBody) {
    return this.alerts.createChannel(principal, body);
  }

  @Get('notification-channels')
  @Roles('admin')
  listChannels(@CurrentPrincipal() principal: Principal, @ValidQuery(ChannelListQuery) query: ChannelListQuery) {
    return this.alerts.listChannels(principal, query);
  }

  @Get('notification-channels/:id')
  @Roles('admin')
  getChannel(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.alerts.getChannel(principal, id);
  }

  @Patch('notification-channels/:id')
  @Roles('admin')
  updateChannel(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidBody(UpdateChannelBody) body: UpdateChannelBody,
  ) {
    return this.alerts.updateChannel(principal, id, body);
  }

  @Delete('notification-channels/:id')
  @Roles('admin')
  @HttpCode(204)
  async removeChannel(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string): Promise<void> {
    await this.alerts.removeChannel(principal, id);
  }

  @Post('notification-channels/:id/rotate-secret')
  @Roles('admin')
  @HttpCode(200)
  rotateSecret(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.alerts.rotateSecret(principal, id);
  }

  /** Sends a signed `test` payload now and answers with how the receiver took it. */
  @Post('notification-channels/:id/test')
  @Roles('admin')
  @HttpCode(200)
  testChannel(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.alerts.testChannel(principal, id);
  }
}
