import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Responds } from '../common/openapi/responds.decorator.js';
import { Public, Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { ValidQuery } from '../common/validation/zod.js';
import {
  Lineage,
  LineageFacetsSchema,
  LineageQuery,
  PipelineSummary,
  StepTypeSummary,
  SummaryQuery,
  WindowQuery,
} from './dto/observability.dto.js';
import { ObservabilityService } from './observability.service.js';

@ApiTags('observability')
@Controller('v1/observability')
export class ObservabilityController {
  constructor(private readonly observability: ObservabilityService) {}

  /** Per pipeline (or one, `?pipeline=`): runs, success rate, duration and queue-wait percentiles, failures by step, SLA breaches; and the totals. */
  @ApiOperation({ summary: 'Run statistics per pipeline, and over them all' })
  @Responds(200, PipelineSummary)
  @Get('summary')
  @Roles('viewer')
  summary(@CurrentPrincipal() principal: Principal, @ValidQuery(SummaryQuery) query: SummaryQuery) {
    return this.observability.summary(principal, query);
  }

  /** Per plugin step type: calls, failures, failure rate, retries, p95 duration. */
  @ApiOperation({ summary: 'Step statistics per plugin step type' })
  @Responds(200, StepTypeSummary)
  @Get('steps')
  @Roles('viewer')
  steps(@CurrentPrincipal() principal: Principal, @ValidQuery(WindowQuery) query: WindowQuery) {
    return this.observability.steps(principal, query);
  }
}

@ApiTags('observability')
@Controller('v1/lineage')
export class LineageController {
  constructor(private readonly observability: ObservabilityService) {}

  /** The jobs (pipeline steps) and runs that produced and consumed a dataset, OpenLineage-shaped. */
  @ApiOperation({ summary: 'The producers and consumers of a dataset' })
  @Responds(200, Lineage)
  @Get()
  @Roles('viewer')
  lineage(@CurrentPrincipal() principal: Principal, @ValidQuery(LineageQuery) query: LineageQuery) {
    return this.observability.lineage(principal, query);
  }

  /** What the `_schemaURL` of Baton's own facets in its OpenLineage events points to. */
  @ApiOperation({ summary: "The JSON Schema of Baton's OpenLineage facets" })
  @Responds(200, LineageFacetsSchema)
  @Get('facets')
  @Public()
  facets() {
    return this.observability.facetsSchema();
  }
}
