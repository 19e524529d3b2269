import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The scratch folders of one sandbox: one per step process whose plugin asks for `sandbox.scratch`,
 * under a folder of this sandbox's own (so workers sharing a parent never touch each other's), each
 * owned by the process's uid with mode 0700: no other step process can list or read it. A folder is
 * emptied between the process's tasks, so one step never sees what an earlier one left, and removed
 * when the process exits.
 */
export class ScratchFolders {
  private root: string | undefined;

  constructor(private readonly parent: string) {}

  /** A new empty folder for a process running as `uid` (or as the worker, without OS isolation). */
  create(uid: number | undefined): string {
    if (!this.root) {
      // 0711: step uids may pass through to their own folder, but not list the others'.
      mkdirSync(this.parent, { recursive: true, mode: 0o711 });
      this.root = mkdtempSync(join(this.parent, 'sandbox-'));
      chmodSync(this.root, 0o711);
    }
    const folder = mkdtempSync(join(this.root, 'p-'));
    if (uid !== undefined) chownSync(folder, uid, uid);
    chmodSync(folder, 0o700);
    return folder;
  }

  /** Removes what a task left; the worker (root, or the same user) may remove anything in it. */
  async empty(folder: string): Promise<void> {
    const entries = await readdir(folder);
    await Promise.all(entries.map((entry) => rm(join(folder, entry), { recursive: true, force: true })));
  }

  remove(folder: string): void {
    rmSync(folder, { recursive: true, force: true });
  }

  /** At shutdown, once every process is gone. */
  close(): void {
    if (this.root) rmSync(this.root, { recursive: true, force: true });
    this.root = undefined;
  }
}
