import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A trigger may start `name@tag` like a schedule: the version the release tag points to when it fires. */
export class TriggerTags1795000000025 implements MigrationInterface {
  name = 'TriggerTags1795000000025';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE trigger ADD COLUMN pipeline_tag text');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE trigger DROP COLUMN IF EXISTS pipeline_tag');
  }
}
