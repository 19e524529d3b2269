import { describe, expect, it } from 'vitest';
import { StreamSlots } from './stream-slots.js';

describe(StreamSlots.name, () => {
  it('gives each tenant its own slots, up to the cap', () => {
    const slots = new StreamSlots(2);
    expect(slots.take('a')).toBeTypeOf('function');
    expect(slots.take('a')).toBeTypeOf('function');
    expect(slots.take('a')).toBeNull();
    expect(slots.take('b')).toBeTypeOf('function');
    expect(slots.used('a')).toBe(2);
  });

  it('frees a slot when a stream ends, once however often it is released', () => {
    const slots = new StreamSlots(1);
    const release = slots.take('a')!;
    release();
    release();
    expect(slots.used('a')).toBe(0);
    const again = slots.take('a');
    expect(again).toBeTypeOf('function');
    expect(slots.take('a')).toBeNull();
  });
});
