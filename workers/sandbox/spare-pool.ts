import type { Disposable } from './warm-pool.js';

export interface SparePoolLimits {
  /** Spares of all keys at once; 0 turns the pool off. */
  maxSpares: number;
  /** A spare nobody took in this long is terminated. */
  idleTtlMs: number;
}

interface Spare<T> {
  key: string;
  member: T;
  expiry: NodeJS.Timeout;
}

/**
 * Members started ahead of demand, per key (a plugin bundle and its grants), bound to no tenant: a
 * step that finds no warm process of its own tenant takes one that has already started. Taking
 * removes a spare for good, so it serves whoever took it and nobody else. Every miss and every take
 * starts one more for its key, up to the limit, so the spares of a key follow how often its steps
 * start cold; spares nobody takes expire.
 */
export class SparePool<T extends Disposable> {
  private spares: Spare<T>[] = [];

  constructor(private readonly limits: SparePoolLimits) {}

  get size(): number {
    return this.spares.length;
  }

  /** The oldest spare of the key: the likeliest to have finished starting. */
  take(key: string): T | undefined {
    const spare = this.spares.find((candidate) => candidate.key === key);
    if (!spare) return undefined;
    this.remove(spare);
    return spare.member;
  }

  /** Starts one more spare for `key` unless the pool is full; `start` returns undefined when it cannot (no uid free). */
  replenish(key: string, start: () => T | undefined): void {
    if (this.spares.length >= this.limits.maxSpares) return;
    const member = start();
    if (member === undefined) return;
    const spare: Spare<T> = { key, member, expiry: setTimeout(() => this.evict(spare), this.limits.idleTtlMs) };
    spare.expiry.unref();
    this.spares.push(spare);
  }

  members(): T[] {
    return this.spares.map((spare) => spare.member);
  }

  /** Drops a spare that died on its own. */
  forget(member: T): void {
    const spare = this.spares.find((candidate) => candidate.member === member);
    if (spare) this.remove(spare);
  }

  drain(): T[] {
    const members = this.members();
    for (const spare of [...this.spares]) this.remove(spare);
    return members;
  }

  private evict(spare: Spare<T>): void {
    this.remove(spare);
    void spare.member.terminate();
  }

  private remove(spare: Spare<T>): void {
    clearTimeout(spare.expiry);
    this.spares = this.spares.filter((candidate) => candidate !== spare);
  }
}
