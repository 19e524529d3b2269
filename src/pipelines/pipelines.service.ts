import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { EntitlementsService } from '../billing/entitlements.service.js';
import YAML from 'yaml';
import { yamlLocator, yamlSourceText } from '../common/validation/yaml-body.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { PluginRegistryService } from '../plugin-registry/plugin-registry.service.js';
import { pipelineChecksum } from './definition/pipeline-checksum.js';
import { pipelineGraph } from './definition/pipeline-graph.js';
import { validatePipeline } from './definition/pipeline-validator.js';
import type { PipelineVersionEntity } from './entities/pipeline-version.entity.js';
import type { PipelineEntity } from './entities/pipeline.entity.js';
import { PipelinesError } from './pipelines.errors.js';
import { PipelinesRepository, type PipelineWithVersion, type TagRow } from './pipelines.repository.js';

export const toPipelineSummary = (p: PipelineEntity) => ({
  id: p.id,
  name: p.name,
  latestVersion: p.latestVersion,
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
});

const toTagView = (pipeline: string, row: TagRow) => ({
  pipeline,
  tag: row.tag,
  version: row.version,
  movedBy: row.movedBy,
  movedAt: row.movedAt.toISOString(),
});

/** The YAML kept of a version: enough for any pipeline a person writes, not a store for anything. */
const MAX_SOURCE_BYTES = 512 * 1024;

export const toVersionResponse = (name: string, v: PipelineVersionEntity) => ({
  name,
  version: v.version,
  checksum: v.checksum,
  definition: v.definition,
  pins: v.pins,
  createdAt: v.createdAt.toISOString(),
});

@Injectable()
export class PipelinesService {
  constructor(
    private readonly pipelines: PipelinesRepository,
    private readonly plugins: PluginRegistryService,
    private readonly entitlements: EntitlementsService,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'masterKeys' | 'WORKER_POOLS'>,
  ) {}

  /** Checked against the plugins the tenant has enabled and approved; problems of a YAML body say their line. */
  async validate(principal: Principal, raw: unknown, expectedName?: string) {
    const result = validatePipeline(raw, await this.plugins.catalog(principal.tenantId), {
      expectedName,
      secretsAvailable: this.config.masterKeys.length > 0,
      pools: this.config.WORKER_POOLS,
      locate: yamlLocator(raw),
    });
    if (!result.valid && result.budgetExceeded)
      throw new PipelinesError(
        'expression_budget_exceeded',
        'Checking the pipeline definition took more work than allowed',
        result.problems,
      );
    if (!result.valid)
      throw new PipelinesError('invalid_definition', `The pipeline definition has ${result.problems.length} problem(s)`, result.problems);
    return result;
  }

  async plan(principal: Principal, raw: unknown) {
    const { definition, pins, order } = await this.validate(principal, raw);
    const steps = Object.entries(definition.steps).map(([id, step]) => ({
      id,
      uses: step.uses,
      needs: step.needs ?? [],
      pinned: pins[id],
    }));
    return { valid: true as const, plan: { steps, order } };
  }

  /** The version a definition would make, beside the pipeline's latest (null for a new pipeline); nothing is saved. */
  async proposal(principal: Principal, name: string, raw: unknown) {
    const { definition, pins } = await this.validate(principal, raw, name);
    const current = await this.pipelines.findVersion(principal.tenantId, name);
    return { current, next: { definition, pins, checksum: pipelineChecksum(definition, pins) } };
  }

  async apply(principal: Principal, name: string, raw: unknown) {
    const { definition, pins } = await this.validate(principal, raw, name);
    const source = yamlSourceText(raw) ?? null;
    if (source !== null && Buffer.byteLength(source) > MAX_SOURCE_BYTES)
      throw new PipelinesError('invalid_definition', 'The definition is too long', [
        { path: '(body)', message: `At most ${MAX_SOURCE_BYTES} bytes of YAML` },
      ]);
    await this.entitlements.assertPluginsAllowed(
      principal.tenantId,
      Object.values(pins).map((pin) => pin.plugin),
    );
    if (!(await this.pipelines.findActiveByName(principal.tenantId, name)))
      await this.entitlements.assertCanAddPipeline(principal.tenantId);
    const result = await this.pipelines.apply(principal.tenantId, name, {
      definition,
      pins,
      checksum: pipelineChecksum(definition, pins),
      createdBy: principal.userId ?? null,
      source,
    });
    return { created: result.created, body: toVersionResponse(name, result.version) };
  }

  async list(principal: Principal, limit: number, cursor?: string) {
    return toPage(await this.pipelines.listActiveByTenant(principal.tenantId, limit, decodeCursor(cursor)), limit, toPipelineSummary);
  }

  async get(principal: Principal, name: string, version?: number) {
    const found = await this.require(principal.tenantId, name, version);
    return toVersionResponse(name, found.version);
  }

  /** The version's graph (the latest version's unless told), the same builder a run's graph comes from. */
  async graph(principal: Principal, name: string, version?: number) {
    const found = await this.require(principal.tenantId, name, version);
    return { name, version: found.version.version, ...pipelineGraph(found.version.definition) };
  }

  async versions(principal: Principal, name: string, limit: number, cursor?: string) {
    const pipeline = await this.pipelines.findActiveByName(principal.tenantId, name);
    if (!pipeline) throw new PipelinesError('pipeline_not_found', `Pipeline ${name} was not found`);
    return toPage(await this.pipelines.listVersions(principal.tenantId, pipeline.id, limit, decodeCursor(cursor)), limit, (v) =>
      toVersionResponse(name, v),
    );
  }

  /** A version as YAML: the text it was saved from (comments and order kept), else its definition written as YAML. */
  async source(principal: Principal, name: string, version?: number): Promise<string> {
    const { version: found } = await this.require(principal.tenantId, name, version);
    return found.source ?? YAML.stringify(found.definition);
  }

  async tags(principal: Principal, name: string) {
    const { pipeline } = await this.require(principal.tenantId, name);
    return { items: (await this.pipelines.listTags(principal.tenantId, pipeline.id)).map((row) => toTagView(name, row)) };
  }

  /** Points a release tag at one of the pipeline's versions; the audit log records the call. */
  async moveTag(principal: Principal, name: string, tag: string, version: number) {
    const { pipeline } = await this.require(principal.tenantId, name, version);
    return toTagView(name, await this.pipelines.moveTag(principal.tenantId, pipeline.id, tag, version, principal.userId ?? null));
  }

  async removeTag(principal: Principal, name: string, tag: string): Promise<void> {
    const { pipeline } = await this.require(principal.tenantId, name);
    if (!(await this.pipelines.deleteTag(principal.tenantId, pipeline.id, tag)))
      throw new PipelinesError('tag_not_found', `Pipeline ${name} has no tag ${tag}`);
  }

  /**
   * `name` (the latest version) or `name@tag` (the version the tag points to), or null when either is
   * missing: for features that name a pipeline in a body (schedules, triggers).
   */
  findRef(tenantId: string, ref: string): Promise<PipelineWithVersion | null> {
    const [name, tag] = ref.split('@');
    return tag ? this.pipelines.findTaggedVersion(tenantId, name, tag) : this.pipelines.findVersion(tenantId, name);
  }

  /** As findRef, or 404 `pipeline_not_found` / `tag_not_found`: what a trigger starts when it fires. */
  async requireRef(tenantId: string, ref: string): Promise<PipelineWithVersion> {
    const found = await this.findRef(tenantId, ref);
    if (found) return found;
    const [name, tag] = ref.split('@');
    if (tag && (await this.pipelines.findActiveByName(tenantId, name)))
      throw new PipelinesError('tag_not_found', `Pipeline ${name} has no tag ${tag}`);
    throw new PipelinesError('pipeline_not_found', `Pipeline ${name} was not found`);
  }

  async remove(principal: Principal, name: string): Promise<void> {
    if (!(await this.pipelines.softDelete(principal.tenantId, name)))
      throw new PipelinesError('pipeline_not_found', `Pipeline ${name} was not found`);
  }

  /** The version an earlier run executed, even if the pipeline has been deleted since. */
  async requireVersionOf(tenantId: string, pipelineId: string, version: number): Promise<PipelineWithVersion> {
    const found = await this.findVersionOf(tenantId, pipelineId, version);
    if (!found) throw new PipelinesError('version_not_found', `Pipeline version ${version} no longer exists`);
    return found;
  }

  /** The version a run pinned, or null if it is gone. */
  findVersionOf(tenantId: string, pipelineId: string, version: number): Promise<PipelineWithVersion | null> {
    return this.pipelines.findVersionOfPipeline(tenantId, pipelineId, version);
  }

  /** The pinned version a run will execute. */
  async require(tenantId: string, name: string, version?: number): Promise<PipelineWithVersion> {
    const found = await this.pipelines.findVersion(tenantId, name, version);
    if (found) return found;
    if (version !== undefined && (await this.pipelines.findActiveByName(tenantId, name)))
      throw new PipelinesError('version_not_found', `Pipeline ${name} has no version ${version}`);
    throw new PipelinesError('pipeline_not_found', `Pipeline ${name} was not found`);
  }
}
