import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import { uuidParam, ValidBody, ValidParam, ValidQuery } from '../common/validation/zod.js';
import {
  BackfillScheduleBody,
  BackfillTimes,
  CreateScheduleBody,
  ScheduleDetail,
  SchedulePage,
  ScheduleView,
  ScheduleListQuery,
  TriggerScheduleBody,
  UpdateScheduleBody,
} from './dto/schedules.dto.js';
import { SchedulesService } from './schedules.service.js';

@ApiTags('schedules')
@Controller('v1/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @ApiOperation({ summary: 'Create a schedule' })
  @Responds(201, ScheduleView)
  @Fails(422, '`invalid_schedule`: the cron expression, interval or time zone is not valid')
  @Fails(503, '`engine_unavailable`: the workflow engine did not accept the change')
  @Post()
  @Roles('operator')
  create(@CurrentPrincipal() principal: Principal, @ValidBody(CreateScheduleBody) body: CreateScheduleBody) {
    return this.schedules.create(principal, body);
  }

  @ApiOperation({ summary: 'List schedules' })
  @Responds(200, SchedulePage)
  @Get()
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(ScheduleListQuery) query: ScheduleListQuery) {
    return this.schedules.list(principal, query);
  }

  /** With `nextRuns` (the next five fire times) and `recentRuns`. */
  @ApiOperation({ summary: 'Get a schedule with its next and recent runs' })
  @Responds(200, ScheduleDetail)
  @Get(':id')
  @Roles('viewer')
  get(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.schedules.get(principal, id);
  }

  @ApiOperation({ summary: 'Change a schedule' })
  @Responds(200, ScheduleView)
  @Fails(422, '`invalid_schedule`: the cron expression, interval or time zone is not valid')
  @Fails(503, '`engine_unavailable`: the workflow engine did not accept the change')
  @Patch(':id')
  @Roles('operator')
  update(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidBody(UpdateScheduleBody) body: UpdateScheduleBody,
  ) {
    return this.schedules.update(principal, id, body);
  }

  @ApiOperation({ summary: 'Delete a schedule' })
  @Responds(204)
  @Fails(503, '`engine_unavailable`: the workflow engine did not accept the change')
  @Delete(':id')
  @Roles('operator')
  @HttpCode(204)
  async remove(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string): Promise<void> {
    await this.schedules.remove(principal, id);
  }

  @ApiOperation({ summary: 'Pause a schedule' })
  @Responds(200, ScheduleView)
  @Fails(503, '`engine_unavailable`: the workflow engine did not accept the change')
  @Post(':id/pause')
  @Roles('operator')
  @HttpCode(200)
  pause(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.schedules.setPaused(principal, id, true);
  }

  @ApiOperation({ summary: 'Resume a schedule' })
  @Responds(200, ScheduleView)
  @Fails(503, '`engine_unavailable`: the workflow engine did not accept the change')
  @Post(':id/resume')
  @Roles('operator')
  @HttpCode(200)
  resume(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.schedules.setPaused(principal, id, false);
  }

  /** Starts a run now (Temporal's trigger). */
  @ApiOperation({ summary: 'Start a run of a schedule now' })
  @Responds(202)
  @Fails(503, '`engine_unavailable`: the workflow engine did not accept the change')
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
  @ApiOperation({ summary: 'Start the runs a schedule would have started in a past interval' })
  @Responds(202, BackfillTimes)
  @Fails(503, '`engine_unavailable`: the workflow engine did not accept the change')
  @Post(':id/backfill')
  @Roles('operator')
  @HttpCode(202)
  backfill(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidBody(BackfillScheduleBody) body: BackfillScheduleBody,
  ) {
    return this.schedules.backfill(principal, id, body);
  }

  /** What a backfill of the window would start, without starting it. */
  @ApiOperation({ summary: 'Preview a backfill: the fire times of a past interval' })
  @Responds(200, BackfillTimes)
  @Fails(503, '`engine_unavailable`: the workflow engine did not answer')
  @Post(':id/backfill/preview')
  @Roles('viewer')
  @HttpCode(200)
  backfillPreview(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidBody(BackfillScheduleBody) body: BackfillScheduleBody,
  ) {
    return this.schedules.backfillTimes(principal, id, body);
  }
}
