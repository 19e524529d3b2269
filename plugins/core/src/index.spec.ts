import { describe, expect, it } from 'vitest';
import { describePlugin } from '../../sdk/src/index.js';
import core from './index.js';

describe('core plugin', () => {
  it('describes itself', () => {
    const manifest = describePlugin(core);

    expect(manifest).toMatchObject({ name: 'core', version: '1.0.0' });
    expect(manifest.steps.map((step) => step.id)).toEqual(['echo', 'log', 'sleep', 'fail']);
    expect(manifest.steps.every((step) => step.secrets.length === 0 && step.egress.length === 0)).toBe(true);
  });
});
