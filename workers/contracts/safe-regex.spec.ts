import { describe, expect, it } from 'vitest';
import {
  ajvRegExp,
  compileRegex,
  ExpressionBudgetError,
  MAX_REGEX_PROGRAM_SIZE,
  RegexBudget,
  re2Engine,
  regexProblem,
} from './safe-regex.js';

describe('regexProblem', () => {
  it.each([
    ['^(a+)+$', undefined],
    ['[\\w.-]+@[a-z]+\\.[a-z]{2,}', undefined],
    ['(?<year>\\d{4})-(?<month>\\d{2})', undefined],
    ['[(?=]\\(?!x', undefined],
    ['(a)\\1', /backreference/],
    ['(?<n>a)\\k<n>', /named backreference/],
    ['a(?=b)', /lookaround/],
    ['a(?!b)', /lookaround/],
    ['(?<=a)b', /lookaround/],
    ['(?<!a)b', /lookaround/],
    ['(a', /cannot run on the linear-time regex engine/],
    ['(?:(?:a|b){1,50}){1,20}', /too large/],
  ] as const)('/%s/: %s', (source, problem) => {
    if (problem === undefined) expect(regexProblem(source)).toBeUndefined();
    else expect(regexProblem(source)).toMatch(problem);
  });

  it('keeps programs under the size it refuses', () => {
    expect(compileRegex('(?:a|b){1,300}').programSize()).toBeLessThanOrEqual(MAX_REGEX_PROGRAM_SIZE);
  });
});

describe('re2Engine', () => {
  const exec = (pattern: RegExp, text: string, from = 0) => {
    const Engine = re2Engine(new RegexBudget(1e9, 'Test'));
    const re = new Engine(pattern) as unknown as { lastIndex: number; exec(text: string): RegExpExecArray | null };
    re.lastIndex = from;
    const match = re.exec(text);
    return { match: match && [...match], index: match?.index, lastIndex: re.lastIndex };
  };

  it('behaves as a global RegExp for JSONata: match, groups, index and lastIndex', () => {
    expect(exec(/(\d+)-(x)?/g, 'ab12-cd', 0)).toEqual({ match: ['12-', '12', undefined], index: 2, lastIndex: 5 });
    expect(exec(/\d/g, 'a1b2', 2)).toEqual({ match: ['2'], index: 3, lastIndex: 4 });
    expect(exec(/\d/g, 'abc', 0)).toEqual({ match: null, index: undefined, lastIndex: 0 });
    expect(exec(/^b/gm, 'a\nb', 1)).toMatchObject({ index: 2 });
    expect(exec(/HELLO/gi, 'say hello')).toMatchObject({ index: 4 });
  });

  it('charges each search the rest of the string from where it starts, times the program', () => {
    const budget = new RegexBudget(2_000, 'Test');
    const Engine = re2Engine(budget);
    const re = new Engine(/a/g) as unknown as { lastIndex: number; exec(text: string): unknown };
    const text = 'a'.repeat(100);
    for (let i = 0; i < 5; i++) re.exec(text);
    expect(() => {
      for (let i = 0; i < 100; i++) re.exec(text);
    }).toThrow(ExpressionBudgetError);
  });
});

describe('ajvRegExp', () => {
  it('tests with RE2 against the current budget, and keys patterns apart for ajv', () => {
    let budget: RegexBudget | undefined = new RegexBudget(1e6, 'Check');
    const create = ajvRegExp(() => budget);
    const evil = create('^(a+)+$', 'u');
    expect(evil.test(`${'a'.repeat(40)}!`)).toBe(false);
    expect(evil.test('aaaa')).toBe(true);
    expect(String(evil)).not.toBe(String(create('^b$', 'u')));
    budget = new RegexBudget(10, 'Check');
    expect(() => evil.test('a'.repeat(100))).toThrow(/examined more text than allowed/);
    budget = undefined;
    expect(evil.test('a'.repeat(100))).toBe(true);
  });
});
