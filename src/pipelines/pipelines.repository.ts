import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { PinnedStep, PipelineDefinition } from '../../workers/contracts/index.js';
import type { KeysetCursor } from '../common/pagination/pagination.js';
import { PipelineVersionEntity } from './entities/pipeline-version.entity.js';
import { PipelineEntity } from './entities/pipeline.entity.js';

export interface PipelineWithVersion {
  pipeline: PipelineEntity;
  version: PipelineVersionEntity;
}

export interface NewVersion {
  definition: PipelineDefinition;
  pins: Record<string, PinnedStep>;
  checksum: string;
  createdBy: string | null;
  source: string | null;
}

/** Where a release tag points, and who moved it there. */
export interface TagRow {
  tag: string;
  version: number;
  movedBy: string | null;
  movedAt: Date;
}

const TAG_COLUMNS = `tag, version, moved_by AS "movedBy", moved_at AS "movedAt"`;

@Injectable()
export class PipelinesRepository {
  constructor(private readonly db: DataSource) {}

  findActiveByName(tenantId: string, name: string): Promise<PipelineEntity | null> {
    return this.db.getRepository(PipelineEntity).findOneBy({ tenantId, name, deletedAt: IsNull() });
  }

  async findVersion(tenantId: string, name: string, version?: number): Promise<PipelineWithVersion | null> {
    const pipeline = await this.findActiveByName(tenantId, name);
    if (!pipeline) return null;
    const found = await this.db
      .getRepository(PipelineVersionEntity)
      .findOneBy({ tenantId, pipelineId: pipeline.id, version: version ?? pipeline.latestVersion });
    return found ? { pipeline, version: found } : null;
  }

  /** A version by pipeline id, deleted pipeline or not: runs keep the versions they pinned. */
  async findVersionOfPipeline(tenantId: string, pipelineId: string, version: number): Promise<PipelineWithVersion | null> {
    const pipeline = await this.db.getRepository(PipelineEntity).findOneBy({ tenantId, id: pipelineId });
    const found = pipeline && (await this.db.getRepository(PipelineVersionEntity).findOneBy({ tenantId, pipelineId, version }));
    return pipeline && found ? { pipeline, version: found } : null;
  }

  listActiveByTenant(tenantId: string, limit: number, after?: KeysetCursor): Promise<PipelineEntity[]> {
    const query = this.db
      .getRepository(PipelineEntity)
      .createQueryBuilder('p')
      .where('p.tenant_id = :tenantId AND p.deleted_at IS NULL', { tenantId });
    if (after) query.andWhere('(p.created_at, p.id) < (:createdAt, :id)', after);
    return query
      .orderBy('p.created_at', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .limit(limit + 1)
      .getMany();
  }

  listVersions(tenantId: string, pipelineId: string, limit: number, after?: KeysetCursor): Promise<PipelineVersionEntity[]> {
    const query = this.db
      .getRepository(PipelineVersionEntity)
      .createQueryBuilder('v')
      .where('v.tenant_id = :tenantId AND v.pipeline_id = :pipelineId', { tenantId, pipelineId });
    if (after) query.andWhere('(v.created_at, v.id) < (:createdAt, :id)', after);
    return query
      .orderBy('v.created_at', 'DESC')
      .addOrderBy('v.id', 'DESC')
      .limit(limit + 1)
      .getMany();
  }

  /**
   * GitOps apply: a new version unless the latest has the same checksum. The pipeline row is
   * locked so concurrent applies of one name get consecutive versions.
   */
  async apply(tenantId: string, name: string, next: NewVersion): Promise<PipelineWithVersion & { created: boolean }> {
    return this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO pipeline (id, tenant_id, name, latest_version) VALUES ($1, $2, $3, 0)
         ON CONFLICT (tenant_id, name) WHERE deleted_at IS NULL DO NOTHING`,
        [randomUUID(), tenantId, name],
      );
      const pipeline = await tx
        .getRepository(PipelineEntity)
        .createQueryBuilder('p')
        .setLock('pessimistic_write')
        .where('p.tenant_id = :tenantId AND p.name = :name AND p.deleted_at IS NULL', { tenantId, name })
        .getOneOrFail();
      const versions = tx.getRepository(PipelineVersionEntity);
      const latest = pipeline.latestVersion
        ? await versions.findOneByOrFail({ pipelineId: pipeline.id, version: pipeline.latestVersion })
        : null;
      if (latest?.checksum === next.checksum) return { pipeline, version: latest, created: false };
      const version = versions.create({
        id: randomUUID(),
        tenantId,
        pipelineId: pipeline.id,
        version: pipeline.latestVersion + 1,
        ...next,
      });
      await versions.insert(version as QueryDeepPartialEntity<PipelineVersionEntity>);
      await tx.getRepository(PipelineEntity).update({ id: pipeline.id }, { latestVersion: version.version });
      return {
        pipeline: { ...pipeline, latestVersion: version.version },
        version: await versions.findOneByOrFail({ id: version.id }),
        created: true,
      };
    });
  }

  /** Soft delete: versions stay for the runs that pinned them; the name is free again. */
  /** Points the tag at the version (made if new); the version must be one of the pipeline's. */
  async moveTag(tenantId: string, pipelineId: string, tag: string, version: number, movedBy: string | null): Promise<TagRow> {
    const [row]: TagRow[] = await this.db.query(
      `INSERT INTO pipeline_tag (tenant_id, pipeline_id, tag, version, moved_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (pipeline_id, tag) DO UPDATE SET version = excluded.version, moved_by = excluded.moved_by, moved_at = clock_timestamp()
       RETURNING ${TAG_COLUMNS}`,
      [tenantId, pipelineId, tag, version, movedBy],
    );
    return row;
  }

  listTags(tenantId: string, pipelineId: string): Promise<TagRow[]> {
    return this.db.query(`SELECT ${TAG_COLUMNS} FROM pipeline_tag WHERE tenant_id = $1 AND pipeline_id = $2 ORDER BY tag`, [
      tenantId,
      pipelineId,
    ]);
  }

  async deleteTag(tenantId: string, pipelineId: string, tag: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query(
      'DELETE FROM pipeline_tag WHERE tenant_id = $1 AND pipeline_id = $2 AND tag = $3',
      [tenantId, pipelineId, tag],
    );
    return count === 1;
  }

  /** The version a tag of an active pipeline points to, or null (no such pipeline or tag). */
  async findTaggedVersion(tenantId: string, name: string, tag: string): Promise<PipelineWithVersion | null> {
    const pipeline = await this.findActiveByName(tenantId, name);
    if (!pipeline) return null;
    const [row]: Array<{ version: number }> = await this.db.query(
      'SELECT version FROM pipeline_tag WHERE tenant_id = $1 AND pipeline_id = $2 AND tag = $3',
      [tenantId, pipeline.id, tag],
    );
    return row ? this.findVersion(tenantId, name, row.version) : null;
  }

  async softDelete(tenantId: string, name: string): Promise<boolean> {
    const result = await this.db
      .getRepository(PipelineEntity)
      .update({ tenantId, name, deletedAt: IsNull() }, { deletedAt: () => 'now()' });
    return (result.affected ?? 0) > 0;
  }
}
