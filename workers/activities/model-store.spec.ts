import { describe, expect, it } from 'vitest';
import { checkCall } from './model-store.js';

describe(checkCall.name, () => {
  const register = (registration: Record<string, unknown>) =>
    checkCall({ op: 'register', registration: { name: 'iris', metrics: { accuracy: 0.9 }, artifact: 'models/iris', ...registration } });
  const compare = (comparison: Record<string, unknown>) =>
    checkCall({
      op: 'compare',
      comparison: {
        name: 'iris',
        metric: 'accuracy',
        margin: 0,
        decision: 'promote',
        promoted: false,
        champion: { version: 1, score: 0.8 },
        challenger: { version: 2, artifact: 'models/iris', score: 0.9 },
        ...comparison,
      } as never,
    });

  it('accepts well-formed calls', () => {
    expect(register({ params: { depth: 3 }, dataset: { artifact: 'd' } })).toBeUndefined();
    expect(checkCall({ op: 'get', name: 'iris', stage: 'production' })).toBeUndefined();
    expect(checkCall({ op: 'promote', name: 'iris', version: 2, stage: 'archived' })).toBeUndefined();
    expect(compare({})).toBeUndefined();
    expect(compare({ champion: null, challenger: { artifact: 'models/new', score: -1.5 } })).toBeUndefined();
  });

  it('refuses a comparison the untrusted child could forge', () => {
    expect(compare({ name: '../other' })).toMatch(/model name/);
    expect(compare({ decision: 'demote' })).toMatch(/decision/);
    expect(compare({ promoted: 'yes' })).toMatch(/promoted/);
    expect(compare({ margin: -1 })).toMatch(/margin/);
    expect(compare({ metric: 'm'.repeat(201) })).toMatch(/metric/);
    expect(compare({ champion: { version: 1, score: Number.NaN } })).toMatch(/champion/);
    expect(compare({ champion: { version: 2 ** 31, score: 1 } })).toMatch(/champion/);
    expect(compare({ challenger: { artifact: '', score: 1 } })).toMatch(/challenger.artifact/);
    expect(compare({ challenger: { version: 1.5, artifact: 'a', score: 1 } })).toMatch(/challenger.version/);
    expect(compare({ challenger: { artifact: 'a', score: '1' } })).toMatch(/challenger.score/);
    expect(compare({ challenger: null })).toMatch(/challenger/);
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
