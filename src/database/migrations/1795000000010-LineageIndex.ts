import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `GET /v1/lineage?dataset=` finds the steps that read or wrote a dataset by its name, per tenant. */
export class LineageIndex1795000000010 implements MigrationInterface {
  name = 'LineageIndex1795000000010';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX run_event_lineage_idx ON run_event (tenant_id, (data->>'name')) WHERE type = 'step.lineage'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX run_event_lineage_idx;');
  }
}
