/**
 * Calls `deleteBatch` (which deletes at most `batch` rows) until a call deletes fewer, so that a
 * large backlog is removed in small deletes that never hold long locks; returns how many in all.
 */
export async function deleteInBatches(batch: number, deleteBatch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteBatch(batch);
    total += deleted;
    if (deleted < batch) return total;
  }
}
