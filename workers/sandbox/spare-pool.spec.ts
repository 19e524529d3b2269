import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SparePool } from './spare-pool.js';

class FakeChild {
  terminated = false;
  constructor(readonly name: string) {}
  async terminate(): Promise<void> {
    this.terminated = true;
  }
}

describe(SparePool.name, () => {
  let pool: SparePool<FakeChild>;
  let started: FakeChild[];
  const start = () => {
    const child = new FakeChild(`spare-${started.length}`);
    started.push(child);
    return child;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    started = [];
    pool = new SparePool({ maxSpares: 2, idleTtlMs: 1_000 });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands each spare out once, oldest first, and only for its own key', () => {
    pool.replenish('a', start);
    pool.replenish('a', start);

    expect(pool.take('b')).toBeUndefined();
    const first = pool.take('a');
    const second = pool.take('a');

    expect([first, second]).toEqual(started);
    expect(pool.take('a')).toBeUndefined();
    expect(pool.size).toBe(0);
  });

  it('starts no more spares than its limit, of all keys together, and none when off', () => {
    pool.replenish('a', start);
    pool.replenish('b', start);
    pool.replenish('a', start);
    expect(started).toHaveLength(2);

    const off = new SparePool<FakeChild>({ maxSpares: 0, idleTtlMs: 1_000 });
    off.replenish('a', start);
    expect(started).toHaveLength(2);
    expect(off.size).toBe(0);
  });

  it('keeps nothing when the start declines', () => {
    pool.replenish('a', () => undefined);

    expect(pool.size).toBe(0);
  });

  it('terminates spares nobody took in time, and forgets one that died', () => {
    pool.replenish('a', start);
    pool.replenish('b', start);
    pool.forget(started[1]);

    vi.advanceTimersByTime(1_000);

    expect(started[0].terminated).toBe(true);
    expect(started[1].terminated).toBe(false);
    expect(pool.size).toBe(0);
  });

  it('drains every spare without terminating it (the caller does)', () => {
    pool.replenish('a', start);

    expect(pool.drain()).toEqual(started);
    vi.advanceTimersByTime(1_000);
    expect(started[0].terminated).toBe(false);
  });
});
