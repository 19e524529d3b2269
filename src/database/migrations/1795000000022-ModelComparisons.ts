import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The guard's verdicts: each `ml/compare` step records what it decided about a model (the champion
 * and challenger it scored, on which metric and margin, promote or keep, and whether it promoted),
 * so the model page can show why a version is, or is not, in production. One row per step attempt
 * chain and model (a retried step replaces its first attempt's verdict rather than adding one).
 */
export class ModelComparisons1795000000022 implements MigrationInterface {
  name = 'ModelComparisons1795000000022';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE model_comparison (
        id uuid NOT NULL CONSTRAINT model_comparison_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT model_comparison_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        model_id uuid NOT NULL CONSTRAINT model_comparison_model_fk REFERENCES model (id) ON DELETE CASCADE,
        metric text NOT NULL,
        margin double precision NOT NULL,
        decision text NOT NULL CONSTRAINT model_comparison_decision_ck CHECK (decision IN ('promote', 'keep')),
        promoted boolean NOT NULL,
        champion_version int,
        champion_score double precision,
        challenger_version int,
        challenger_artifact text NOT NULL,
        challenger_score double precision NOT NULL,
        run_id uuid NOT NULL,
        step_id text NOT NULL,
        idempotency_key text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT model_comparison_key_uq UNIQUE (tenant_id, idempotency_key)
      );
      -- A model's verdicts, newest first (one version's: the same range, filtered).
      CREATE INDEX model_comparison_model_created_idx ON model_comparison (model_id, created_at DESC, id DESC);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE IF EXISTS model_comparison');
  }
}
