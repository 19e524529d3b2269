import type { ArtifactRef } from '../../../plugins/sdk/src/step-artifacts.js';
import type { Sql } from '../database/sql.js';

export interface RunArtifactRow {
  runId: string;
  name: string;
  stepId: string;
  bytes: number;
  sha256: string;
  contentType: string;
  createdAt: Date;
  /** A later run that wrote the same key, whose bytes are the ones stored now. */
  replacedBy: string | null;
}

const COLUMNS = `a.run_id AS "runId", a.name, a.step_id AS "stepId", a.bytes::float8 AS bytes, a.sha256, a.content_type AS "contentType",
  a.created_at AS "createdAt",
  (SELECT o.run_id FROM run_artifact o WHERE o.tenant_id = a.tenant_id AND o.name = a.name AND o.run_id <> a.run_id AND o.created_at > a.created_at
    ORDER BY o.created_at DESC LIMIT 1) AS "replacedBy"`;

/**
 * The one writer of `run_artifact`: the worker records what a step stored, the API reads it and
 * its retention job removes the rows of deleted runs once their bytes are gone.
 */
export class RunArtifactsRepository {
  constructor(private readonly sql: Sql) {}

  /** A step stored `ref` for its run; a retry writing the same key again replaces the record. */
  async record(tenantId: string, runId: string, stepId: string, ref: ArtifactRef): Promise<void> {
    await this.sql(
      `INSERT INTO run_artifact (tenant_id, run_id, name, step_id, bytes, sha256, content_type) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (run_id, name) DO UPDATE SET step_id = excluded.step_id, bytes = excluded.bytes, sha256 = excluded.sha256,
         content_type = excluded.content_type, created_at = clock_timestamp()`,
      [tenantId, runId, ref.artifact, stepId, ref.bytes, ref.sha256, ref.contentType],
    );
  }

  list(tenantId: string, runId: string): Promise<RunArtifactRow[]> {
    return this.sql(`SELECT ${COLUMNS} FROM run_artifact a WHERE a.tenant_id = $1 AND a.run_id = $2 ORDER BY a.created_at, a.name`, [
      tenantId,
      runId,
    ]);
  }

  async find(tenantId: string, runId: string, name: string): Promise<RunArtifactRow | null> {
    const [row] = await this.sql<RunArtifactRow>(
      `SELECT ${COLUMNS} FROM run_artifact a WHERE a.tenant_id = $1 AND a.run_id = $2 AND a.name = $3`,
      [tenantId, runId, name],
    );
    return row ?? null;
  }

  /**
   * Up to `limit` records whose run is gone, each saying whether another record still names its
   * key (whose bytes must then stay).
   */
  orphans(limit: number): Promise<Array<{ tenantId: string; runId: string; name: string; shared: boolean }>> {
    return this.sql(
      `SELECT a.tenant_id AS "tenantId", a.run_id AS "runId", a.name,
              EXISTS (SELECT 1 FROM run_artifact o WHERE o.tenant_id = a.tenant_id AND o.name = a.name AND o.run_id <> a.run_id
                        AND EXISTS (SELECT 1 FROM run r WHERE r.id = o.run_id)) AS shared
         FROM run_artifact a WHERE NOT EXISTS (SELECT 1 FROM run r WHERE r.id = a.run_id) LIMIT $1`,
      [limit],
    );
  }

  async forget(runId: string, name: string): Promise<void> {
    await this.sql('DELETE FROM run_artifact WHERE run_id = $1 AND name = $2', [runId, name]);
  }
}
