import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { posix } from 'node:path';
import { z } from 'zod';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import { uuidParam, ValidParam } from '../common/validation/zod.js';
import { artifactNameParam, RunArtifactList } from './dto/run-artifacts.dto.js';
import { RunArtifactsService } from './run-artifacts.service.js';

const bytes = z.string().describe('The artifact (or the range asked) with its content type; `Accept-Ranges: bytes`, `ETag` the sha256');

@ApiTags('runs')
@Controller('v1/runs/:id/artifacts')
export class RunArtifactsController {
  constructor(private readonly artifacts: RunArtifactsService) {}

  @ApiOperation({ summary: "List a run's artifacts" })
  @Responds(200, RunArtifactList)
  @Fails(404, '`run_not_found`')
  @Get()
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.artifacts.list(principal, id);
  }

  /** The name URL-encoded (`exports%2Fdaily.csv`); `Range: bytes=start-end` answers 206 with that part. */
  @ApiOperation({ summary: "Download one of a run's artifacts" })
  @Responds(200, bytes, { mediaType: 'application/octet-stream' })
  @Responds(206, bytes, { mediaType: 'application/octet-stream' })
  @Fails(404, '`run_not_found`; `artifact_not_found`')
  @Fails(410, '`artifact_replaced`: a later run wrote the same key; `replacedBy` names it')
  @Fails(416, '`range_not_satisfiable`: the range lies outside the artifact')
  @Get(':name')
  @Roles('viewer')
  async download(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', uuidParam) id: string,
    @ValidParam('name', artifactNameParam) name: string,
    @Headers('range') range: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    const opened = await this.artifacts.open(principal, id, name, range);
    reply
      .status(opened.range ? 206 : 200)
      .header('content-type', opened.artifact.contentType)
      .header('content-length', String(opened.range ? opened.range.end - opened.range.start + 1 : opened.size))
      .header('accept-ranges', 'bytes')
      .header('etag', `"${opened.artifact.sha256}"`)
      // A tenant's file, served from the console's origin: downloaded, never rendered or run there.
      .header('content-disposition', `attachment; filename="${posix.basename(name).replace(/[^\w.-]/g, '_')}"`)
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('x-content-type-options', 'nosniff');
    if (opened.range) reply.header('content-range', `bytes ${opened.range.start}-${opened.range.end}/${opened.size}`);
    return reply.send(opened.body);
  }
}
