import { Body, Controller, Delete, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import { ValidParam, ValidQuery } from '../common/validation/zod.js';
import { pipelineNameParam, tagParam } from '../pipelines/dto/pipelines.dto.js';
import { DeletePipelineQuery, PipelineChangePlan } from './dto/pipeline-changes.dto.js';
import { PipelineChangesService } from './pipeline-changes.service.js';

@ApiTags('pipelines')
@Controller('v1/pipelines')
export class PipelineChangesController {
  constructor(private readonly changes: PipelineChangesService) {}

  @ApiOperation({ summary: 'Plan saving a pipeline definition: what would change, and what it affects; nothing is saved' })
  @Responds(200, PipelineChangePlan)
  @Fails(422, '`invalid_definition`: `errors` names every problem of the definition (with `line` and `column` for YAML)')
  @Post(':name/plan')
  @Roles('viewer')
  @HttpCode(200)
  @ApiBody({ description: 'A pipeline definition (PIPELINES.md), as JSON or YAML', schema: { type: 'object' } })
  plan(@CurrentPrincipal() principal: Principal, @ValidParam('name', pipelineNameParam) name: string, @Body() definition: unknown) {
    return this.changes.plan(principal, name, definition);
  }

  @ApiOperation({ summary: 'Delete a release tag' })
  @Responds(204)
  @Fails(404, '`pipeline_not_found`; `tag_not_found`')
  @Fails(409, '`tag_in_use`: schedules start `name@tag`; `schedules` lists their ids')
  @Delete(':name/tags/:tag')
  @Roles('operator')
  @HttpCode(204)
  removeTag(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', pipelineNameParam) name: string,
    @ValidParam('tag', tagParam) tag: string,
  ) {
    return this.changes.removeTag(principal, name, tag);
  }

  @ApiOperation({ summary: 'Delete a pipeline' })
  @Responds(204)
  @Fails(404, '`pipeline_not_found`')
  @Fails(
    409,
    '`pipeline_in_use`: schedules or triggers use the pipeline; `schedules` and `triggers` list their ids (or ask `?cascade=true`)',
  )
  @Delete(':name')
  @Roles('operator')
  @HttpCode(204)
  remove(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', pipelineNameParam) name: string,
    @ValidQuery(DeletePipelineQuery) query: DeletePipelineQuery,
  ) {
    return this.changes.remove(principal, name, query.cascade);
  }
}
