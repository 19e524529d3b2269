import { describe, expect, it } from 'vitest';
import { OutputTail } from './output-tail.js';

describe(OutputTail.name, () => {
  it('keeps everything while under the limit', () => {
    const tail = new OutputTail(10);
    tail.push(Buffer.from('abc'));
    tail.push(Buffer.from('def'));

    expect(tail.toString()).toBe('abcdef');
  });

  it('keeps only the last bytes of a flood', () => {
    const tail = new OutputTail(8);
    for (let i = 0; i < 10_000; i++) tail.push(Buffer.from(`line ${i}\n`));

    expect(tail.toString()).toBe('ne 9999\n');
  });
});
