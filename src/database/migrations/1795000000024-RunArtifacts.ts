import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The artifacts a run's steps wrote (`ctx.artifacts.put`), recorded by the worker after the bytes
 * are stored, for `GET /v1/runs/{id}/artifacts`. No foreign key to `run`: when the retention job
 * deletes a run, its rows stay until the job has deleted their bytes from the store, then go.
 */
export class RunArtifacts1795000000024 implements MigrationInterface {
  name = 'RunArtifacts1795000000024';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE run_artifact (
        tenant_id uuid NOT NULL,
        run_id uuid NOT NULL,
        name text NOT NULL,
        step_id text NOT NULL,
        bytes bigint NOT NULL,
        sha256 text NOT NULL,
        content_type text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT run_artifact_pk PRIMARY KEY (run_id, name)
      );
      -- Who wrote a key last: a run's copy is replaced when a later run writes the same key.
      CREATE INDEX run_artifact_tenant_name_idx ON run_artifact (tenant_id, name, created_at DESC);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE IF EXISTS run_artifact');
  }
}
