import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { ValidBody, ValidParam, ValidQuery } from '../common/validation/zod.js';
import { MetricsQuery, ModelListQuery, modelName, modelVersion, PromoteBody, RollbackBody, VersionListQuery } from './dto/models.dto.js';
import { ModelsService } from './models.service.js';

@ApiTags('models')
@Controller('v1/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  /** Newest first, each with its production version and newest version. */
  @Get()
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(ModelListQuery) query: ModelListQuery) {
    return this.models.list(principal, query);
  }

  @Get(':name')
  @Roles('viewer')
  get(@CurrentPrincipal() principal: Principal, @ValidParam('name', modelName) name: string) {
    return this.models.get(principal, name);
  }

  /** Newest first: metrics, params, stage, the run and step that produced each, its artifact. */
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
  @Get(':name/metrics')
  @Roles('viewer')
  metrics(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', modelName) name: string,
    @ValidQuery(MetricsQuery) query: MetricsQuery,
  ) {
    return this.models.metrics(principal, name, query);
  }

  /** Promoting to production archives the version in production before, in one transaction. */
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
