import { describe, expect, it } from 'vitest';
import { checkCall } from './model-store.js';

describe(checkCall.name, () => {
  const register = (registration: Record<string, unknown>) =>
    checkCall({ op: 'register', registration: { name: 'iris', metrics: { accuracy: 0.9 }, artifact: 'models/iris', ...registration } });

  it('accepts well-formed calls', () => {
    expect(register({ params: { depth: 3 }, dataset: { artifact: 'd' } })).toBeUndefined();
    expect(checkCall({ op: 'get', name: 'iris', stage: 'production' })).toBeUndefined();
    expect(checkCall({ op: 'promote', name: 'iris', version: 2, stage: 'archived' })).toBeUndefined();
  });

  it('refuses what the untrusted child could send', () => {
    expect(register({ name: '../other' })).toMatch(/model name/);
    expect(register({ metrics: { accuracy: 'high' } })).toMatch(/metrics/);
    expect(register({ artifact: '' })).toMatch(/artifact/);
    expect(register({ params: [] })).toMatch(/params/);
    expect(register({ dataset: 'x'.repeat(70 * 1024) })).toMatch(/dataset/);
    expect(checkCall({ op: 'get', name: 'iris', stage: 'gold' as never })).toMatch(/stage/);
    expect(checkCall({ op: 'promote', name: 'iris', version: 0, stage: 'production' })).toMatch(/version/);
    expect(checkCall({ op: 'drop', name: 'iris' } as never)).toMatch(/unknown/);
  });
});
