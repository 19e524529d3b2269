import { describePlugin } from './describe-plugin.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, defineStep, PluginDefinitionError, validatePlugin } from './define-plugin.js';

const step = (id: string) => defineStep({ id, title: `Step ${id}`, input: z.object({}), output: z.object({}), run: () => ({}) });

describe(definePlugin.name, () => {
  it('stamps the API version and defaults secrets and egress to empty lists', () => {
    const plugin = definePlugin({ name: 'demo', version: '1.2.3-beta.1', steps: [step('a')] });

    expect(plugin).toMatchObject({ name: 'demo', version: '1.2.3-beta.1', apiVersion: 1 });
    expect(plugin.steps[0]).toMatchObject({ id: 'a', secrets: [], egress: [] });
  });

  it.each([
    [{ name: 'Demo', version: '1.0.0' }, /name must match/],
    [{ name: 'demo_plugin', version: '1.0.0' }, /name must match/],
    [{ name: 'demo', version: '1.0' }, /version must be semver/],
    [{ name: 'demo', version: 'v1.0.0' }, /version must be semver/],
  ])('rejects %o', (fields, message) => {
    expect(() => definePlugin({ ...fields, steps: [step('a')] })).toThrow(message);
  });

  it('rejects two steps with the same id', () => {
    expect(() => definePlugin({ name: 'demo', version: '1.0.0', steps: [step('a'), step('a')] })).toThrow(/"a" is used twice/);
  });

  it('lists every problem at once', () => {
    const error = captureError(() => definePlugin({ name: 'Bad!', version: 'x', steps: [step('a'), step('a')] }));

    expect(error).toBeInstanceOf(PluginDefinitionError);
    expect((error as PluginDefinitionError).problems).toHaveLength(3);
  });

  it('carries sandbox grants into the manifest, only those asked for, and refuses unknown or malformed ones', () => {
    const plugin = (sandbox: unknown) =>
      ({ name: 'demo', version: '1.0.0', steps: [step('a')], sandbox }) as Parameters<typeof definePlugin>[0];

    expect(describePlugin(definePlugin(plugin({ scratch: true, installed: ['@duckdb/node-api'], childProcess: false }))).sandbox).toEqual({
      scratch: true,
      installed: ['@duckdb/node-api'],
    });
    expect(describePlugin(definePlugin(plugin({ scratch: false }))).sandbox).toBeUndefined();
    expect(() => definePlugin(plugin({ network: true }))).toThrow(/sandbox.network is not a grant/);
    expect(() => definePlugin(plugin({ installed: ['../secrets'] }))).toThrow(/sandbox.installed must be/);
    expect(() => definePlugin(plugin({ scratch: 'yes' }))).toThrow(/sandbox.scratch must be a boolean/);
  });
});

describe(defineStep.name, () => {
  it.each([
    ['an id with capitals', { id: 'Echo' }, /id must match/],
    ['an empty title', { title: ' ' }, /title is required/],
    ['repeated secrets', { secrets: ['TOKEN', 'TOKEN'] }, /secrets must be a list of distinct/],
    ['a non-schema input', { input: { type: 'object' } }, /input must be a zod schema/],
  ])('rejects %s', (_label, override, message) => {
    const spec = { id: 'echo', title: 'Echo', input: z.object({}), output: z.object({}), run: () => ({}), ...override };
    expect(() => defineStep(spec as Parameters<typeof defineStep>[0])).toThrow(message);
  });
});

describe(validatePlugin.name, () => {
  it('accepts a plain object of the right shape, as a bundle with its own SDK copy would export', () => {
    const exported = {
      name: 'plain',
      version: '0.1.0',
      apiVersion: 1,
      steps: [{ id: 'x', title: 'X', input: z.object({}), output: z.object({}), run: () => ({}) }],
    };

    expect(validatePlugin(exported).steps[0]).toMatchObject({ id: 'x', secrets: [], egress: [] });
  });

  it('rejects another API version and non-objects', () => {
    expect(() => validatePlugin({ name: 'a', version: '1.0.0', apiVersion: 2, steps: [] })).toThrow(/apiVersion must be 1/);
    expect(() => validatePlugin(undefined)).toThrow(/not a plugin object/);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
