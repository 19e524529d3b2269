export interface Disposable {
  terminate(): Promise<void>;
}

export interface WarmPoolLimits {
  maxIdlePerKey: number;
  maxIdleTotal: number;
  idleTtlMs: number;
}

interface IdleEntry<T> {
  key: string;
  member: T;
  expiry: NodeJS.Timeout;
}

/** Idle members by key, oldest first. Small by design (tens of entries), so plain scans are fine. */
export class WarmPool<T extends Disposable> {
  private idle: IdleEntry<T>[] = [];

  constructor(private readonly limits: WarmPoolLimits) {}

  get size(): number {
    return this.idle.length;
  }

  /** The most recently parked member for the key: it is the warmest. */
  take(key: string): T | undefined {
    const entry = this.idle.findLast((candidate) => candidate.key === key);
    if (!entry) return undefined;
    this.remove(entry);
    return entry.member;
  }

  put(key: string, member: T): void {
    if (this.idle.filter((entry) => entry.key === key).length >= this.limits.maxIdlePerKey) {
      void member.terminate();
      return;
    }
    if (this.idle.length >= this.limits.maxIdleTotal) this.evict(this.idle[0]);
    const entry: IdleEntry<T> = { key, member, expiry: setTimeout(() => this.evict(entry), this.limits.idleTtlMs) };
    entry.expiry.unref();
    this.idle.push(entry);
  }

  /** Drops a member that died on its own. */
  forget(member: T): void {
    const entry = this.idle.find((candidate) => candidate.member === member);
    if (entry) this.remove(entry);
  }

  drain(): T[] {
    const members = this.idle.map((entry) => entry.member);
    for (const entry of [...this.idle]) this.remove(entry);
    return members;
  }

  private evict(entry: IdleEntry<T>): void {
    this.remove(entry);
    void entry.member.terminate();
  }

  private remove(entry: IdleEntry<T>): void {
    clearTimeout(entry.expiry);
    this.idle = this.idle.filter((candidate) => candidate !== entry);
  }
}
