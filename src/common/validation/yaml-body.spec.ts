import { describe, expect, it } from 'vitest';
import { parseYamlBody, yamlLocator } from './yaml-body.js';

const text = `apiVersion: baton/v1
kind: Pipeline
name: Daily Sales
steps:
  extract:
    uses: postgres/query@^1
    needs: [a, "b"]
    with:
      sql: "select \${{ $uppercas(inputs.day) }}"
      plain: x \${{ $nope() }}
      block: |
        \${{ $nope() }}
  "odd.id":
    uses: http/request
`;

describe('yamlLocator', () => {
  const body = parseYamlBody(text);
  const locate = yamlLocator(body)!;

  it('parses as YAML.parse does, without adding enumerable fields', () => {
    expect(Object.keys(body as object)).toEqual(['apiVersion', 'kind', 'name', 'steps']);
    expect(JSON.parse(JSON.stringify(body))).toMatchObject({ name: 'Daily Sales', steps: { 'odd.id': { uses: 'http/request' } } });
  });

  it('finds scalars, list items, maps and keys holding dots', () => {
    expect(locate('name')).toEqual({ line: 3, column: 7 });
    expect(locate('steps.extract.needs[1]')).toEqual({ line: 7, column: 16 });
    expect(locate('steps.extract.with')).toEqual({ line: 8, column: 5 });
    expect(locate('steps.odd.id.uses')).toEqual({ line: 14, column: 11 });
  });

  it('points at the nearest node above a path that is not written, and at the start for the whole definition', () => {
    expect(locate('steps.extract.with.connection')).toEqual({ line: 8, column: 5 });
    expect(locate('(definition)')).toEqual({ line: 1, column: 1 });
  });

  it('points at a character of a one-line string, through its quote', () => {
    // `$uppercas` is character 12 of the value (`select ${{ $uppercas…`), the quote at column 12.
    expect(locate('steps.extract.with.sql', 12)).toEqual({ line: 9, column: 24 });
    expect(locate('steps.extract.with.plain', 7)).toEqual({ line: 10, column: 20 });
    // A block scalar is pointed at as a whole.
    expect(locate('steps.extract.with.block', 5)).toEqual({ line: 11, column: 14 });
  });

  it('is absent for bodies that were not YAML, and YAML errors are thrown', () => {
    expect(yamlLocator({ name: 'x' })).toBeUndefined();
    expect(yamlLocator(parseYamlBody('just text'))).toBeUndefined();
    expect(() => parseYamlBody('a: [1')).toThrow(/Flow sequence|Expected|flow/i);
  });
});
