import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { uuidParam, ValidBody, ValidParam, ValidQuery } from '../common/validation/zod.js';
import {
  BackfillScheduleBody,
  CreateScheduleBody,
  ScheduleListQuery,
  TriggerScheduleBody,
  UpdateScheduleBody,
} from './dto/schedules.dto.js';
import { SchedulesService } from './schedules.service.js';

@ApiTags('schedules')
@Controller('v1/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @Roles('operator')
  create(@CurrentPrincipal() principal: Principal, @ValidBody(CreateScheduleBody) body: CreateScheduleBody) {
    return this.schedules.create(principal, body);
  }

  @Get()
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(ScheduleListQuery) query: ScheduleListQuery) {
    return this.schedules.list(principal, query);
  }

  /** With `nextRuns` (the next five fire times) and `recentRuns`. */
  @Get(':id')
  @Roles('viewer')
  get(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.schedules.get(principal, id);
  }

  @Patch(':id')
  @Roles('operator')
  update(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidBody(UpdateScheduleBody) body: UpdateScheduleBody,
  ) {
    return this.schedules.update(principal, id, body);
  }

  @Delete(':id')
  @Roles('operator')
  @HttpCode(204)
  async remove(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string): Promise<void> {
    await this.schedules.remove(principal, id);
  }

  @Post(':id/pause')
  @Roles('operator')
  @HttpCode(200)
  pause(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.schedules.setPaused(principal, id, true);
  }

  @Post(':id/resume')
  @Roles('operator')
  @HttpCode(200)
  resume(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.schedules.setPaused(principal, id, false);
  }

  /** Starts a run now (Temporal's trigger). */
  @Post(':id/trigger')
  @Roles('operator')
  @HttpCode(202)
  async trigger(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidBody(TriggerScheduleBody) body: TriggerScheduleBody,
  ): Promise<void> {
    await this.schedules.trigger(principal, id, body);
  }

  /** Starts the runs the schedule would have started between `from` and `to` (Temporal's backfill). */
  @Post(':id/backfill')
  @Roles('operator')
  @HttpCode(202)
  async backfill(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidBody(BackfillScheduleBody) body: BackfillScheduleBody,
  ): Promise<void> {
    await this.schedules.backfill(principal, id, body);
  }
}
