import { Body, Controller, Get, HttpCode, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import { ValidParam, ValidQuery } from '../common/validation/zod.js';
import {
  pipelineNameParam,
  PipelineGraphQuery,
  PipelineGraphView,
  PipelineListQuery,
  PipelinePage,
  PipelinePlan,
  PipelineVersionPage,
  PipelineVersionView,
  versionParam,
} from './dto/pipelines.dto.js';
import { PipelinesService } from './pipelines.service.js';

/** With `Accept: application/yaml`: the YAML the version was saved from, comments and order kept (its definition as YAML if it was sent as JSON). */
const yamlText = z.string().describe('The version as YAML: as it was sent, comments and order kept');
const wantsYaml = (request: FastifyRequest) => /application\/(x-)?yaml/.test(String(request.headers.accept ?? ''));

const definitionBody = ApiBody({ description: 'A pipeline definition (PIPELINES.md), as JSON or YAML', schema: { type: 'object' } });

@ApiTags('pipelines')
@Controller('v1/pipelines')
export class PipelinesController {
  constructor(private readonly pipelines: PipelinesService) {}

  @ApiOperation({ summary: 'Check a pipeline definition without saving it' })
  @Responds(200, PipelinePlan)
  @Fails(422, '`invalid_definition`: `errors` names every problem of the definition (with `line` and `column` for YAML)')
  @Post('validate')
  @Roles('viewer')
  @HttpCode(200)
  @definitionBody
  validate(@CurrentPrincipal() principal: Principal, @Body() definition: unknown) {
    return this.pipelines.plan(principal, definition);
  }

  /** GitOps apply: 201 with a new version, 200 when the definition is unchanged. */
  @ApiOperation({ summary: 'Save a pipeline definition (GitOps apply)' })
  @Responds(201, PipelineVersionView, { description: 'A new version' })
  @Responds(200, PipelineVersionView, { description: 'The definition is unchanged: the latest version' })
  @Fails(422, '`invalid_definition`: `errors` names every problem of the definition (with `line` and `column` for YAML)')
  @Put(':name')
  @Roles('operator')
  @definitionBody
  async apply(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', pipelineNameParam) name: string,
    @Body() definition: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { created, body } = await this.pipelines.apply(principal, name, definition);
    reply.status(created ? 201 : 200);
    return body;
  }

  @ApiOperation({ summary: 'List pipelines' })
  @Responds(200, PipelinePage)
  @Get()
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(PipelineListQuery) query: PipelineListQuery) {
    return this.pipelines.list(principal, query.limit, query.cursor);
  }

  @ApiOperation({ summary: 'Get the latest version of a pipeline' })
  @Responds(200, PipelineVersionView)
  @Responds(200, yamlText, { mediaType: 'application/yaml' })
  @Get(':name')
  @Roles('viewer')
  get(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', pipelineNameParam) name: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (wantsYaml(request)) return this.yaml(reply, this.pipelines.source(principal, name));
    return this.pipelines.get(principal, name);
  }

  @ApiOperation({ summary: 'List the versions of a pipeline, newest first' })
  @Responds(200, PipelineVersionPage)
  @Get(':name/versions')
  @Roles('viewer')
  versions(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', pipelineNameParam) name: string,
    @ValidQuery(PipelineListQuery) query: PipelineListQuery,
  ) {
    return this.pipelines.versions(principal, name, query.limit, query.cursor);
  }

  @ApiOperation({ summary: 'Get one version of a pipeline' })
  @Responds(200, PipelineVersionView)
  @Responds(200, yamlText, { mediaType: 'application/yaml' })
  @Get(':name/versions/:version')
  @Roles('viewer')
  version(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', pipelineNameParam) name: string,
    @ValidParam('version', versionParam) version: number,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (wantsYaml(request)) return this.yaml(reply, this.pipelines.source(principal, name, version));
    return this.pipelines.get(principal, name, version);
  }

  private async yaml(reply: FastifyReply, text: Promise<string>): Promise<string> {
    const body = await text;
    reply.header('content-type', 'application/yaml; charset=utf-8');
    return body;
  }

  /** The steps as nodes and their `needs` as edges, to draw the pipeline before (or without) a run. */
  @ApiOperation({ summary: "A pipeline version's graph" })
  @Responds(200, PipelineGraphView)
  @Get(':name/graph')
  @Roles('viewer')
  graph(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', pipelineNameParam) name: string,
    @ValidQuery(PipelineGraphQuery) query: PipelineGraphQuery,
  ) {
    return this.pipelines.graph(principal, name, query.version);
  }
}
