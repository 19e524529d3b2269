import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WarmPool } from './warm-pool.js';

class FakeChild {
  terminated = false;
  constructor(readonly name: string) {}
  async terminate(): Promise<void> {
    this.terminated = true;
  }
}

describe(WarmPool.name, () => {
  let pool: WarmPool<FakeChild>;

  beforeEach(() => {
    vi.useFakeTimers();
    pool = new WarmPool({ maxIdlePerKey: 2, maxIdleTotal: 3, idleTtlMs: 1_000 });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands back only members parked under the same key, warmest first', () => {
    const [older, newer] = [new FakeChild('older'), new FakeChild('newer')];
    pool.put('a', older);
    pool.put('a', newer);

    expect(pool.take('b')).toBeUndefined();
    expect(pool.take('a')).toBe(newer);
    expect(pool.take('a')).toBe(older);
    expect(pool.take('a')).toBeUndefined();
  });

  it('terminates a member beyond the per-key limit', () => {
    const extra = new FakeChild('extra');
    pool.put('a', new FakeChild('1'));
    pool.put('a', new FakeChild('2'));
    pool.put('a', extra);

    expect(extra.terminated).toBe(true);
    expect(pool.size).toBe(2);
  });

  it('evicts the oldest member of any key when full', () => {
    const oldest = new FakeChild('oldest');
    pool.put('a', oldest);
    pool.put('b', new FakeChild('b'));
    pool.put('c', new FakeChild('c'));
    pool.put('d', new FakeChild('d'));

    expect(oldest.terminated).toBe(true);
    expect(pool.take('a')).toBeUndefined();
    expect(pool.size).toBe(3);
  });

  it('terminates members idle past their TTL, but not ones taken in time', () => {
    const [idle, taken] = [new FakeChild('idle'), new FakeChild('taken')];
    pool.put('a', idle);
    pool.put('b', taken);
    pool.take('b');

    vi.advanceTimersByTime(1_000);

    expect(idle.terminated).toBe(true);
    expect(taken.terminated).toBe(false);
    expect(pool.size).toBe(0);
  });

  it('forgets a member that died on its own, and drains the rest', () => {
    const [dead, alive] = [new FakeChild('dead'), new FakeChild('alive')];
    pool.put('a', dead);
    pool.put('a', alive);

    pool.forget(dead);

    expect(pool.drain()).toEqual([alive]);
    expect(pool.size).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(alive.terminated).toBe(false);
  });
});
