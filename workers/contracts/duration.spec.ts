import { describe, expect, it } from 'vitest';
import { formatDuration, isDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5_000],
    ['1m', 60_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['0s', 0],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 's', '1.5h', '-1s', '5 s', ' 5s', '30m1h', '1m1m', '5sec', '1w', '5S'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
    expect(isDuration(text)).toBe(false);
  });

  it('rejects values beyond safe integers', () => {
    expect(parseDuration('99999999999999999999d')).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [93_784_005, '1d2h3m4s5ms'],
    [90 * 86_400_000, '90d'],
  ])('writes %d ms as %s, which reads back as the same', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
