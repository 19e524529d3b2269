import { Controller, Get, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import { ValidBody, ValidParam } from '../common/validation/zod.js';
import { MoveTagBody, pipelineNameParam, PipelineTagList, PipelineTagView, tagParam } from './dto/pipelines.dto.js';
import { PipelinesService } from './pipelines.service.js';

/** Release tags: named pointers (`staging`, `prod`) to immutable versions, which schedules may start as `name@tag`. */
@ApiTags('pipelines')
@Controller('v1/pipelines/:name/tags')
export class PipelineTagsController {
  constructor(private readonly pipelines: PipelinesService) {}

  @ApiOperation({ summary: "List a pipeline's release tags" })
  @Responds(200, PipelineTagList)
  @Fails(404, '`pipeline_not_found`')
  @Get()
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal, @ValidParam('name', pipelineNameParam) name: string) {
    return this.pipelines.tags(principal, name);
  }

  @ApiOperation({ summary: 'Move a release tag to a version (made if new)' })
  @Responds(200, PipelineTagView)
  @Fails(404, '`pipeline_not_found`; `version_not_found`: the pipeline has no such version')
  @Put(':tag')
  @Roles('operator')
  move(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', pipelineNameParam) name: string,
    @ValidParam('tag', tagParam) tag: string,
    @ValidBody(MoveTagBody) body: MoveTagBody,
  ) {
    return this.pipelines.moveTag(principal, name, tag, body.version);
  }
}
