import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { compileExpression } from './compile.js';
import { JSONATA_FUNCTIONS, unknownFunctionCalls } from './functions.js';
import { inspectJsonata } from './inspection.js';
import type { AstNode } from './references.js';

const callsIn = (source: string) => unknownFunctionCalls(jsonata(source).ast() as AstNode);

describe('JSONATA_FUNCTIONS', () => {
  it('lists exactly the functions the installed jsonata binds', async () => {
    const source = readFileSync(createRequire(import.meta.url).resolve('jsonata'), 'utf8');
    const bound = [...source.matchAll(/(?:staticFrame|environment)\.bind\('(\w+)', defineFunction/g)].map((m) => m[1]);
    expect(new Set(bound)).toEqual(JSONATA_FUNCTIONS);
    for (const name of JSONATA_FUNCTIONS) expect(await jsonata(`$type($${name})`).evaluate({})).toBe('function');
  });
});

describe('unknownFunctionCalls', () => {
  it('finds calls, partial applications and chained functions that nothing defines, with where their name starts', () => {
    expect(callsIn('$uppercas(x)')).toEqual([{ name: 'uppercas', position: 1 }]);
    expect(callsIn('a.b ~> $nope')).toEqual([{ name: 'nope', position: 8 }]);
    expect(callsIn('$pad2(?, 3)')).toEqual([{ name: 'pad2', position: 1 }]);
    expect(callsIn('$sum(a) + $count(b) + $now() ~> $string')).toEqual([]);
  });

  it('accepts functions bound in the expression and lambda parameters called as functions', () => {
    expect(callsIn('($f := function($x) { $x }; $f(1))')).toEqual([]);
    expect(callsIn('(function($g) { $g(1) })($string)')).toEqual([]);
  });

  it('reports them from compileExpression at their character in the original text', () => {
    const result = compileExpression('steps.per-region.outputs ~> $lowercas');
    if (!result.ok) throw new Error(result.error);
    expect(result.compiled.located).toEqual([
      { message: expect.stringMatching(/^Unknown function `\$lowercas` \(did you mean `\$lowercase`\?\) at character 29/), position: 29 },
    ]);
  });
});

describe('inspectJsonata', () => {
  it('reports syntax errors and unknown functions of a plain JSONata expression', () => {
    expect(inspectJsonata('$sum(orders.(qty * price))')).toEqual([]);
    expect(inspectJsonata('$sum(text')).toEqual([{ message: expect.stringMatching(/^Syntax error at character 9/), position: 9 }]);
    expect(inspectJsonata('  ')).toEqual([{ message: 'Expression is empty' }]);
  });
});
