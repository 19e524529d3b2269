import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { uuidParam, ValidBody, ValidParam, ValidQuery } from '../common/validation/zod.js';
import { pipelineNameParam } from '../pipelines/dto/pipelines.dto.js';
import { ApprovalBody, RetryRunBody, RunEventsQuery, RunListQuery, RunLogsQuery, StartRunBody, stepIdParam } from './dto/runs.dto.js';
import { RunsService } from './runs.service.js';

@ApiTags('runs')
@Controller('v1')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Post('pipelines/:name/runs')
  @Roles('operator')
  @HttpCode(202)
  start(@CurrentPrincipal() principal: Principal, @ValidParam('name', pipelineNameParam) name: string, @ValidBody(StartRunBody) body: StartRunBody) {
    return this.runs.start(principal, name, body);
  }

  @Get('runs')
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(RunListQuery) query: RunListQuery) {
    return this.runs.list(principal, query);
  }

  @Get('runs/:id')
  @Roles('viewer')
  get(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.runs.get(principal, id);
  }

  @Post('runs/:id/cancel')
  @Roles('operator')
  @HttpCode(202)
  cancel(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.runs.cancel(principal, id);
  }

  @Post('runs/:id/retry')
  @Roles('operator')
  @HttpCode(202)
  retry(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string, @ValidBody(RetryRunBody) body: RetryRunBody) {
    return this.runs.retry(principal, id, body);
  }

  /** Approve or reject a waiting approval step; who may is set per step (`approval.roles`). */
  @Post('runs/:id/approvals/:stepId')
  @Roles('viewer')
  @HttpCode(202)
  decide(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidParam('stepId', stepIdParam) stepId: string,
    @ValidBody(ApprovalBody) body: ApprovalBody,
  ) {
    return this.runs.decide(principal, id, stepId, body);
  }

  @Get('runs/:id/events')
  @Roles('viewer')
  events(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string, @ValidQuery(RunEventsQuery) query: RunEventsQuery) {
    return this.runs.events(principal, id, query);
  }

  @Get('runs/:id/logs')
  @Roles('viewer')
  logs(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string, @ValidQuery(RunLogsQuery) query: RunLogsQuery) {
    return this.runs.logs(principal, id, query);
  }
}
