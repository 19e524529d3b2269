import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reading one model's versions at 10,000 versions (`npm run bench:triggers`).
 *
 * - `GET /v1/models/{name}/versions` pages newest first by `(created_at, id)`, but only
 *   `(model_id, version)` was indexed: every page, the first or one 9,000 deep, fetched all the
 *   model's versions and sorted them (10 ms at 10,000 versions, growing with each retraining).
 *   `(model_id, created_at DESC, id DESC)` makes a page a range scan of `limit + 1` entries (0.1 ms).
 *
 * - `GET /v1/models/{name}/metrics` reads the newest 1,000 versions by `version`, which the unique
 *   index serves backwards, but PostgreSQL took `tenant_id = $1 AND model_id = $2` as independent
 *   filters, guessed a tenth of the model's versions matched (fewer than the 1,000 asked for), and
 *   again fetched and sorted them all. A model belongs to one tenant: statistics of that dependency
 *   correct the estimate, and the backward scan stops after 1,000 (8 ms to 0.7 ms).
 *
 * The index is built CONCURRENTLY, outside a transaction, as migration 11 builds its own, so that an
 * installation upgrading keeps registering versions meanwhile; an index a failed build left invalid
 * is dropped and rebuilt. The statistics need an ANALYZE to exist (a sample: seconds, no lock that
 * stops writes).
 */
export class ModelVersionReads1795000000016 implements MigrationInterface {
  name = 'ModelVersionReads1795000000016';
  transaction = false;

  async up(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX CONCURRENTLY IF EXISTS model_version_model_created_idx');
    await db.query('CREATE INDEX CONCURRENTLY model_version_model_created_idx ON model_version (model_id, created_at DESC, id DESC)');
    await db.query(
      'CREATE STATISTICS IF NOT EXISTS model_version_model_tenant_stats (dependencies) ON model_id, tenant_id FROM model_version',
    );
    await db.query('ANALYZE model_version');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP STATISTICS IF EXISTS model_version_model_tenant_stats');
    await db.query('DROP INDEX CONCURRENTLY IF EXISTS model_version_model_created_idx');
  }
}
