import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { ValidBody, ValidParam, ValidQuery } from '../common/validation/zod.js';
import {
  ComparisonListQuery,
  MetricsQuery,
  ModelComparisonPage,
  ModelDetail,
  ModelListQuery,
  ModelMetrics,
  ModelMoved,
  modelName,
  ModelPage,
  modelVersion,
  ModelVersionPage,
  PromoteBody,
  RollbackBody,
  VersionListQuery,
} from './dto/models.dto.js';
import { ModelsService } from './models.service.js';

@ApiTags('models')
@Controller('v1/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  /** Newest first, each with its production version and newest version. */
  @ApiOperation({ summary: 'List models' })
  @Responds(200, ModelPage)
  @Get()
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(ModelListQuery) query: ModelListQuery) {
    return this.models.list(principal, query);
  }

  @ApiOperation({ summary: 'Get a model and its stage history' })
  @Responds(200, ModelDetail)
  @Get(':name')
  @Roles('viewer')
  get(@CurrentPrincipal() principal: Principal, @ValidParam('name', modelName) name: string) {
    return this.models.get(principal, name);
  }

  /** Newest first: metrics, params, stage, the run and step that produced each, its artifact. */
  @ApiOperation({ summary: 'List the versions of a model, newest first' })
  @Responds(200, ModelVersionPage)
  @Get(':name/versions')
  @Roles('viewer')
  versions(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', modelName) name: string,
    @ValidQuery(VersionListQuery) query: VersionListQuery,
  ) {
    return this.models.versions(principal, name, query);
  }

  /** Metrics across versions, oldest first: is the model getting better? */
  @ApiOperation({ summary: "A model's metrics across versions" })
  @Responds(200, ModelMetrics)
  @Get(':name/metrics')
  @Roles('viewer')
  metrics(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', modelName) name: string,
    @ValidQuery(MetricsQuery) query: MetricsQuery,
  ) {
    return this.models.metrics(principal, name, query);
  }

  /** Newest first: each `ml/compare` step's champion, challenger, scores and decision, with its run. */
  @ApiOperation({ summary: "The guard's verdicts about a model" })
  @Responds(200, ModelComparisonPage)
  @Get(':name/comparisons')
  @Roles('viewer')
  comparisons(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', modelName) name: string,
    @ValidQuery(ComparisonListQuery) query: ComparisonListQuery,
  ) {
    return this.models.comparisons(principal, name, query);
  }

  /** Promoting to production archives the version in production before, in one transaction. */
  @ApiOperation({ summary: 'Move a model version to a stage' })
  @Responds(200, ModelMoved)
  @Post(':name/versions/:version/promote')
  @Roles('operator')
  @HttpCode(200)
  promote(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', modelName) name: string,
    @ValidParam('version', modelVersion) version: number,
    @ValidBody(PromoteBody) body: PromoteBody,
  ) {
    return this.models.promote(principal, name, version, body);
  }

  /** Back to the version in production before the current one; 409 when there is none. */
  @ApiOperation({ summary: 'Roll a model back to its previous production version' })
  @Responds(200, ModelMoved)
  @Fails(409, '`no_previous_production`: there is no earlier production version')
  @Post(':name/rollback')
  @Roles('operator')
  @HttpCode(200)
  rollback(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', modelName) name: string,
    @ValidBody(RollbackBody) body: RollbackBody,
  ) {
    return this.models.rollback(principal, name, body);
  }
}
