import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for reading runs and their events at millions of rows.
 *
 * `GET /v1/runs` is keyset-paginated, newest first, always within one tenant: every filter needs an
 * index that starts with the tenant, then the filter's column, then `(created_at DESC, id DESC)`,
 * so that a page — the first or one a million rows deep — is a range scan of `limit + 1` entries
 * that stops early, never a sort. The foundation made those for no filter, `pipeline` and `status`;
 * migration 8 for `schedule`. This one adds:
 *
 * - `trigger`: rare triggers (webhook, retry) would otherwise walk the tenant's whole history
 *   through the unfiltered index to fill one page.
 * - Free-text search of errors (`?error=`): a trigram GIN index over the error's codes (Baton's and the plugin's) and message,
 *   with the tenant as a leading key (btree_gin), so `tenant = $1 AND text ILIKE '%refused%'` is
 *   one bitmap scan of matching runs of that tenant, whatever the words (codes, hosts, paths are
 *   not dictionary words, hence trigrams rather than full-text search). Partial: only runs with an
 *   error, a small share of all runs. Matches are then ordered by time; a search is expected to
 *   match hundreds, not millions.
 *
 * Combinations (pipeline and status, a time window) use the more selective single-column index and
 * filter the rest: one pipeline's failures in a window is a bounded scan, and each further index
 * on `run` costs on every status change of every run (status changes are not HOT updates).
 *
 * `run_event`, the largest table (tens of events per run; a fan-out has thousands), is read per run
 * in append order: a page of events, a live stream after `Last-Event-ID`, a page of logs. Until now
 * only `(run_id, key)` served it, so each page fetched and sorted all the run's events. Now
 * `(run_id, id)` serves event pages and streams, and a partial `(run_id, id) WHERE type = 'step.log'`
 * serves logs without stepping over the other events.
 *
 * The observability summary counts failures by step over a tenant's runs in a window: run_step
 * (three or more rows per run) had no index by tenant, so PostgreSQL scanned every tenant's steps
 * for the failed ones (150 ms at 3,000,000 steps). A partial index of failed steps by tenant is
 * small (failures are few) and gives the tenant's failed steps directly.
 *
 * Built CONCURRENTLY, outside a transaction, so that an installation upgrading with millions of rows
 * keeps recording runs meanwhile; an index a failed build left invalid is dropped and rebuilt.
 */
export class RunSearchIndexes1795000000011 implements MigrationInterface {
  name = 'RunSearchIndexes1795000000011';
  transaction = false;

  private readonly indexes: Array<[name: string, definition: string]> = [
    ['run_tenant_trigger_created_idx', 'ON run (tenant_id, trigger, created_at DESC, id DESC)'],
    [
      'run_error_search_idx',
      `ON run USING gin (tenant_id, (coalesce(error->>'code', '') || ' ' || coalesce(error->>'stepCode', '') || ' ' || coalesce(error->>'message', '')) gin_trgm_ops) WHERE error IS NOT NULL`,
    ],
    ['run_event_run_id_idx', 'ON run_event (run_id, id)'],
    ['run_step_failed_idx', `ON run_step (tenant_id, run_id) WHERE status IN ('failed', 'timed_out')`],
    ['run_event_log_idx', `ON run_event (run_id, id) WHERE type = 'step.log'`],
  ];

  async up(db: QueryRunner): Promise<void> {
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    await db.query('CREATE EXTENSION IF NOT EXISTS btree_gin');
    for (const [name, definition] of this.indexes) {
      await db.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
      await db.query(`CREATE INDEX CONCURRENTLY ${name} ${definition}`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const [name] of [...this.indexes].reverse()) await db.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
  }
}
