import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Responds } from '../common/openapi/responds.decorator.js';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { uuidParam, ValidBody, ValidParam, ValidQuery } from '../common/validation/zod.js';
import { AlertsService } from './alerts.service.js';
import { ChannelsService } from './channels.service.js';
import {
  AlertDetail,
  AlertListQuery,
  AlertPage,
  ChannelListQuery,
  ChannelPage,
  ChannelTested,
  ChannelView,
  ChannelWithSecret,
  CreateChannelBody,
  UpdateChannelBody,
} from './dto/alerts.dto.js';

@ApiTags('alerts')
@Controller('v1')
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly channels: ChannelsService,
  ) {}

  @ApiOperation({ summary: 'List alerts, newest first' })
  @Responds(200, AlertPage)
  @Get('alerts')
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(AlertListQuery) query: AlertListQuery) {
    return this.alerts.listAlerts(principal, query);
  }

  /** The alert, its deliveries (one per subscribed channel) and every attempt of each. */
  @ApiOperation({ summary: 'Get an alert and its deliveries' })
  @Responds(200, AlertDetail)
  @Get('alerts/:id')
  @Roles('viewer')
  get(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.alerts.getAlert(principal, id);
  }

  /** 201 with the channel and its signing secret (shown once). */
  @ApiOperation({ summary: 'Create a notification channel' })
  @Responds(201, ChannelWithSecret)
  @Post('notification-channels')
  @Roles('admin')
  createChannel(@CurrentPrincipal() principal: Principal, @ValidBody(CreateChannelBody) body: CreateChannelBody) {
    return this.channels.createChannel(principal, body);
  }

  /** `?name=` finds the channel of that name. */
  @ApiOperation({ summary: 'List notification channels' })
  @Responds(200, ChannelPage)
  @Get('notification-channels')
  @Roles('admin')
  listChannels(@CurrentPrincipal() principal: Principal, @ValidQuery(ChannelListQuery) query: ChannelListQuery) {
    return this.channels.listChannels(principal, query);
  }

  @ApiOperation({ summary: 'Get a notification channel' })
  @Responds(200, ChannelView)
  @Get('notification-channels/:id')
  @Roles('admin')
  getChannel(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.channels.getChannel(principal, id);
  }

  @ApiOperation({ summary: 'Change a notification channel' })
  @Responds(200, ChannelView)
  @Patch('notification-channels/:id')
  @Roles('admin')
  updateChannel(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidBody(UpdateChannelBody) body: UpdateChannelBody,
  ) {
    return this.channels.updateChannel(principal, id, body);
  }

  @ApiOperation({ summary: 'Delete a notification channel' })
  @Responds(204)
  @Delete('notification-channels/:id')
  @Roles('admin')
  @HttpCode(204)
  async removeChannel(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string): Promise<void> {
    await this.channels.removeChannel(principal, id);
  }

  @ApiOperation({ summary: "Rotate a channel's signing secret" })
  @Responds(200, ChannelWithSecret)
  @Post('notification-channels/:id/rotate-secret')
  @Roles('admin')
  @HttpCode(200)
  rotateSecret(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.channels.rotateSecret(principal, id);
  }

  /** Sends a signed `test` payload now and answers with how the receiver took it. */
  @ApiOperation({ summary: 'Send a test payload to a channel' })
  @Responds(200, ChannelTested)
  @Post('notification-channels/:id/test')
  @Roles('admin')
  @HttpCode(200)
  testChannel(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.channels.testChannel(principal, id);
  }
}
