import type { ArtifactStore } from './artifact-store.js';
import type { RunArtifactsRepository } from './run-artifacts.repository.js';

/**
 * Deletes the bytes of the artifacts whose run is gone (the retention job deleted it, or its
 * tenant), then their records, in batches; a key another live run still names keeps its bytes.
 * Bytes go first: a crash in between leaves a record to sweep again, never bytes nobody lists.
 */
export async function sweepOrphanArtifacts(records: RunArtifactsRepository, store: ArtifactStore, batch = 500): Promise<number> {
  let swept = 0;
  for (;;) {
    const orphans = await records.orphans(batch);
    for (const orphan of orphans) {
      if (!orphan.shared) await store.delete(orphan.tenantId, orphan.name);
      await records.forget(orphan.runId, orphan.name);
    }
    swept += orphans.length;
    if (orphans.length < batch) return swept;
  }
}
