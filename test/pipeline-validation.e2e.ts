import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { newTenant } from './support/builders.js';

/** Mistakes of eight kinds, each on a line of its own. */
const mistakes = `apiVersion: baton/v1
kind: Pipeline
name: many-mistakes
timeout: 2 hours
surprise: true
inputs:
  limit: { type: integer, default: ten }
steps:
  wait:
    uses: core/sleep@^1
    needs: [ghost]
    with: { ms: soon }
  say:
    uses: core/log@^1
    if: 3
    with: { message: "\${{ $uppercas(inputs.limit) }}", level: loud }
  sum:
    uses: transform/jsonata@^1
    with:
      expression: $sum(text
`;

const expected = [
  { path: 'timeout', message: 'Must be a positive duration such as 500ms, 5s, 1m, 2h, 1d or 1h30m', line: 4, column: 10 },
  { path: 'steps.say.if', message: 'Must be true, false or a ${{ expression }}', line: 15, column: 9 },
  { path: 'surprise', message: 'Unknown field', line: 5 },
  { path: 'inputs.limit.default', message: 'Must be an integer', line: 7 },
  { path: 'steps.wait.needs[0]', message: 'Unknown step `ghost`', line: 11 },
  { path: 'steps.wait.with.ms', message: 'Must be an integer', line: 12 },
  { path: 'steps.say.with.level', message: expect.stringMatching(/^Must be one of: \w+(, \w+)+$/), line: 16 },
  {
    path: 'steps.sum.with.expression',
    message: 'Syntax error at character 9 of `$sum(text`: Expected ")" before end of expression',
    position: 9,
    line: 20,
    column: 27,
  },
  {
    path: 'steps.say.with.message',
    message: 'Unknown function `$uppercas` (did you mean `$uppercase`?) at character 1 of `$uppercas(inputs.limit)`',
    position: 5,
    line: 16,
    column: 27,
  },
];

describe('pipeline validation', () => {
  it('reports mistakes of every kind in one answer, each with its line and column when the definition is YAML', async () => {
    const tenant = await newTenant();
    const response = await tenant.put('/v1/pipelines/many-mistakes').set('content-type', 'application/yaml').send(mistakes).expect(422);
    expect(response.body).toMatchObject({ code: 'invalid_definition' });
    expect(response.body.errors).toHaveLength(expected.length);
    expect(response.body.errors).toEqual(expected.map((problem) => expect.objectContaining(problem)));
  });

  it('reports the same problems for the same definition as JSON, without lines', async () => {
    const tenant = await newTenant();
    const response = await tenant.post('/v1/pipelines/validate', YAML.parse(mistakes)).expect(422);
    const withoutLines = expected.map(({ line: _line, column: _column, ...problem }) => expect.objectContaining(problem));
    expect(response.body.errors).toEqual(withoutLines);
    for (const problem of response.body.errors) expect(problem).not.toHaveProperty('line');
  });

  it('refuses at save what used to fail only at run time: unknown functions and plain JSONata step inputs', async () => {
    const tenant = await newTenant();
    const definition = (steps: Record<string, unknown>) => ({ apiVersion: 'baton/v1', kind: 'Pipeline', name: 'late', steps });
    const unknown = await tenant
      .put('/v1/pipelines/late', definition({ a: { uses: 'core/echo@^1', with: { v: '${{ $uppercas("x") }}' } } }))
      .expect(422);
    expect(unknown.body.errors).toEqual([
      expect.objectContaining({ path: 'steps.a.with.v', message: expect.stringMatching(/^Unknown function `\$uppercas`/), position: 5 }),
    ]);
    const jsonata = await tenant
      .put('/v1/pipelines/late', definition({ a: { uses: 'transform/jsonata@^1', with: { expression: '$sum(text' } } }))
      .expect(422);
    expect(jsonata.body.errors).toEqual([expect.objectContaining({ path: 'steps.a.with.expression', position: 9 })]);
    await tenant
      .put(
        '/v1/pipelines/late',
        definition({ a: { uses: 'transform/jsonata@^1', with: { expression: '$uppercase(x)', data: { x: 'y' } } } }),
      )
      .expect(201);
  });
});
