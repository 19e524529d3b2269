import { describe, expect, it } from 'vitest';
import { readRunnerMessage } from './runner-message.js';

describe(readRunnerMessage.name, () => {
  it('passes well-formed messages through', () => {
    const log = { type: 'log', taskId: 't', level: 'warn', message: 'm', fields: { a: 1 } };
    const result = { type: 'result', taskId: 't', ok: true, outputs: { a: 1 } };

    expect(readRunnerMessage(log)).toEqual(log);
    expect(readRunnerMessage(result)).toEqual(result);
    expect(readRunnerMessage({ type: 'ready' })).toEqual({ type: 'ready' });
  });

  it.each([null, 'text', { type: 'log' }, { type: 'other', taskId: 't' }, { type: 'metric', taskId: 't', name: 'n', value: Number.NaN }])(
    'ignores %o',
    (raw) => {
      expect(readRunnerMessage(raw)).toBeUndefined();
    },
  );

  it('passes only the domain events the contracts list, with a bounded JSON object', () => {
    const event = { type: 'event', taskId: 't', event: 'model.drift_detected', data: { feature: 'age', psi: 0.3 } };
    expect(readRunnerMessage(event)).toEqual(event);
    expect(readRunnerMessage({ ...event, event: 'run.completed' })).toBeUndefined();
    expect(readRunnerMessage({ ...event, data: [1] })).toBeUndefined();
    expect(readRunnerMessage({ ...event, data: { blob: 'x'.repeat(9000) } })).toBeUndefined();
  });

  it('bounds what a child could inflate', () => {
    const log = readRunnerMessage({
      type: 'log',
      taskId: 't',
      level: 'shout',
      message: 'x'.repeat(100_000),
      fields: { blob: 'y'.repeat(100_000) },
    });
    const metric = readRunnerMessage({
      type: 'metric',
      taskId: 't',
      name: 'n',
      value: 1,
      tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])),
    });

    expect(log).toMatchObject({ level: 'info', message: expect.stringMatching(/truncated 91808 chars\]$/) });
    expect(log).not.toHaveProperty('fields');
    expect(Object.keys((metric as { tags: object }).tags)).toHaveLength(20);
  });

  it('turns oversized or non-object outputs into failures', () => {
    expect(readRunnerMessage({ type: 'result', taskId: 't', ok: true, outputs: { blob: 'x'.repeat(1024 * 1024) } })).toMatchObject({
      ok: false,
      error: { code: 'output_too_large', retryable: false },
    });
    expect(readRunnerMessage({ type: 'result', taskId: 't', ok: true, outputs: [1] })).toMatchObject({
      ok: false,
      error: { code: 'invalid_output' },
    });
  });

  it('treats a failure with an unknown code as a crash', () => {
    expect(
      readRunnerMessage({ type: 'result', taskId: 't', ok: false, error: { code: 'timeout', message: 'fake', retryable: false } }),
    ).toEqual({
      type: 'result',
      taskId: 't',
      ok: false,
      error: { code: 'crashed', message: 'fake', retryable: false },
    });
  });
});

describe('model registry calls', () => {
  it('passes a known operation and drops unknown or oversized ones', () => {
    const get = { type: 'model', taskId: 't', requestId: 1, call: { op: 'get', name: 'iris', stage: 'production' } };
    expect(readRunnerMessage(get)).toEqual(get);
    expect(readRunnerMessage({ ...get, call: { op: 'delete', name: 'iris' } })).toBeUndefined();
    expect(readRunnerMessage({ ...get, requestId: 'one' })).toBeUndefined();
    const huge = { op: 'register', registration: { name: 'iris', metrics: {}, artifact: 'a', params: { blob: 'x'.repeat(300 * 1024) } } };
    expect(readRunnerMessage({ ...get, call: huge })).toBeUndefined();
  });
});
