import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, defineStep } from './define-plugin.js';
import { describePlugin } from './describe-plugin.js';

const greet = defineStep({
  id: 'greet',
  title: 'Greet',
  input: z.strictObject({ name: z.string(), punctuation: z.string().default('!') }),
  output: z.object({ greeting: z.string() }),
  secrets: ['GREETER_TOKEN'],
  egress: ['api.example.com'],
  run: ({ name, punctuation }) => ({ greeting: `hello ${name}${punctuation}` }),
});

describe(describePlugin.name, () => {
  const manifest = describePlugin(definePlugin({ name: 'greeter', version: '2.0.0', steps: [greet] }));

  it('describes the plugin and each step', () => {
    expect(manifest).toMatchObject({ name: 'greeter', version: '2.0.0', apiVersion: 1 });
    expect(manifest.steps[0]).toMatchObject({
      id: 'greet',
      title: 'Greet',
      description: '',
      secrets: ['GREETER_TOKEN'],
      egress: ['api.example.com'],
    });
  });

  it('emits draft 2020-12 JSON Schema where inputs with defaults are optional', () => {
    const { inputSchema, outputSchema } = manifest.steps[0];

    expect(inputSchema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      required: ['name'],
      additionalProperties: false,
    });
    expect(inputSchema.properties).toMatchObject({ punctuation: { type: 'string', default: '!' } });
    expect(outputSchema).toMatchObject({ type: 'object', required: ['greeting'] });
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
  });

  it('refuses a schema JSON cannot express, naming the step', () => {
    const dated = defineStep({ id: 'dated', title: 'Dated', input: z.object({ at: z.date() }), output: z.object({}), run: () => ({}) });

    expect(() => describePlugin(definePlugin({ name: 'dates', version: '1.0.0', steps: [dated] }))).toThrow(/step "dated": input schema/);
  });
});
