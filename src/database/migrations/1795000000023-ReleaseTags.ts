import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pipelines kept in Git: release tags and the definition as written.
 * - `pipeline_tag`: a named pointer (`staging`, `prod`) a tenant moves to one of a pipeline's
 *   versions, which stay immutable; who moved it last and when.
 * - `schedule.pipeline_tag`: a schedule may start `name@tag`, the version the tag points to when it fires.
 * - `pipeline_version.source`: the YAML a version was saved from, comments and order kept, returned
 *   with `Accept: application/yaml`; null for a version sent as JSON.
 */
export class ReleaseTags1795000000023 implements MigrationInterface {
  name = 'ReleaseTags1795000000023';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE pipeline_tag (
        tenant_id uuid NOT NULL CONSTRAINT pipeline_tag_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        pipeline_id uuid NOT NULL CONSTRAINT pipeline_tag_pipeline_fk REFERENCES pipeline (id) ON DELETE CASCADE,
        tag text NOT NULL,
        version int NOT NULL,
        moved_by uuid,
        moved_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT pipeline_tag_pk PRIMARY KEY (pipeline_id, tag)
      );
      ALTER TABLE schedule ADD COLUMN pipeline_tag text;
      ALTER TABLE pipeline_version ADD COLUMN source text;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE pipeline_version DROP COLUMN IF EXISTS source;
      ALTER TABLE schedule DROP COLUMN IF EXISTS pipeline_tag;
      DROP TABLE IF EXISTS pipeline_tag;
    `);
  }
}
