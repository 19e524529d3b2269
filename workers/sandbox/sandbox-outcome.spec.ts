import { describe, expect, it } from 'vitest';
import { fromRunnerError, fromRunnerOutputs, fromUnexpectedExit, leavesProcessHealthy, timedOut } from './sandbox-outcome.js';

const exit = { code: 1, signal: null, stderr: '', stdout: '' };

describe(fromUnexpectedExit.name, () => {
  it.each([
    [
      'the V8 message',
      { ...exit, code: null, stderr: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory' },
    ],
    ['SIGABRT', { ...exit, code: null, signal: 'SIGABRT' as const }],
    ['exit code 134', { ...exit, code: 134 }],
  ])('recognises heap exhaustion from %s', (_label, died) => {
    expect(fromUnexpectedExit(died, 128)).toEqual({
      ok: false,
      error: { code: 'memory_exceeded', retryable: true, message: 'step ran out of memory (limit 128 MB)' },
    });
  });

  it('reports any other death as a retryable crash with the end of stderr', () => {
    const outcome = fromUnexpectedExit({ ...exit, stderr: `${'noise\n'.repeat(2_000)}Error: the real reason\n` }, 128);

    expect(outcome).toMatchObject({ ok: false, error: { code: 'crashed', retryable: true } });
    expect(!outcome.ok && outcome.error.message).toMatch(/^step process died \(exit code 1\):\n(noise\n)+Error: the real reason$/);
    expect(!outcome.ok && outcome.error.message.length).toBeLessThan(4_200);
  });
});

describe(leavesProcessHealthy.name, () => {
  it('keeps a child after a step failure, not after a timeout', () => {
    expect(leavesProcessHealthy({ ok: false, error: { code: 'step_error', message: '', retryable: true } })).toBe(true);
    expect(leavesProcessHealthy(timedOut(10))).toBe(false);
  });
});

describe(fromRunnerOutputs.name, () => {
  it('fails, for good, outputs PostgreSQL could not store: a NUL character in any string or key', () => {
    for (const outputs of [{ text: 'a\u0000b' }, { rows: [{ deep: ['x', 'y\u0000'] }] }, { ['k\u0000']: 1 }]) {
      expect(fromRunnerOutputs(outputs)).toMatchObject({ ok: false, error: { code: 'invalid_output', retryable: false } });
    }
    expect(fromRunnerOutputs({ text: 'a\\u0000b', n: 0, none: null })).toEqual({
      ok: true,
      outputs: { text: 'a\\u0000b', n: 0, none: null },
    });
  });

  it('keeps an error message, without its NUL characters', () => {
    expect(fromRunnerError({ code: 'step_error', message: 'bad\u0000byte', retryable: false })).toEqual({
      ok: false,
      error: { code: 'step_error', message: 'bad\uFFFDbyte', retryable: false },
    });
  });
});
