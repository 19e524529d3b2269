/**
 * Regular expressions written by tenants and plugin authors (JSONata `/…/` literals, JSON Schema
 * `pattern` and `patternProperties`) run on RE2 (re2js, pure JS): matching time is linear in the
 * text, so no pattern can backtrack for minutes. Linear is not free, though: a search costs about
 * (characters examined × program size) when the engine has to track every thread, so each search is
 * charged to a budget in those units, deterministically (workflow code is replayed).
 *
 * Imported by the control plane and by the workflow bundle: no Node APIs, no clocks.
 */
import { RE2JS } from 're2js';

/** Larger programs are refused: a search's cost grows with the program (repeat counts multiply it). */
export const MAX_REGEX_PROGRAM_SIZE = 1000;
const CACHE_SIZE = 500;

export class RegexRefusedError extends Error {
  override name = 'RegexRefusedError';
}

/** Thrown when an evaluation or a validation has done all the work it may; the API answers 422 with this code. */
export class ExpressionBudgetError extends Error {
  override name = 'ExpressionBudgetError';
  readonly code = 'expression_budget_exceeded';
}

export const EXPRESSION_BUDGET_EXCEEDED = 'expression_budget_exceeded';

/** What a search may cost, in characters × program instructions; spent by every search charged to it. */
export class RegexBudget {
  private spent = 0;
  constructor(
    readonly limit: number,
    private readonly what: string,
  ) {}

  charge(characters: number, programSize: number): void {
    this.spent += (characters + 1) * programSize;
    if (this.spent > this.limit) {
      throw new ExpressionBudgetError(
        `${this.what} stopped: its regular expressions examined more text than allowed (${this.limit} character-steps)`,
      );
    }
  }
}

const UNSUPPORTED: Array<{ test: RegExp; what: string }> = [
  { test: /^\(\?<?[=!]/, what: 'lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`)' },
  { test: /^\\[1-9]/, what: 'a backreference (`\\1`…`\\9`)' },
  { test: /^\\k</, what: 'a named backreference (`\\k<name>`)' },
];

/**
 * Why RE2 cannot run `source` (a JavaScript regular expression's source), or undefined when it can.
 * Backreferences and lookaround are named; anything else RE2 rejects comes with its own message.
 */
export function regexProblem(source: string, flags = ''): string | undefined {
  try {
    compileRegex(source, flags);
    return undefined;
  } catch (error) {
    if (error instanceof RegexRefusedError) return error.message;
    throw error;
  }
}

const compiled = new Map<string, RE2JS>();

/** The RE2 program for a JavaScript regex source and flags (`i`, `m`, `s`; others ignored), cached. */
export function compileRegex(source: string, flags = ''): RE2JS {
  const key = `${flags}/${source}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  const unsupported = findUnsupported(source);
  if (unsupported) throw new RegexRefusedError(`/${source}/ uses ${unsupported}, which the linear-time regex engine (RE2) cannot run`);
  let program: RE2JS;
  try {
    program = RE2JS.compile(RE2JS.translateRegExp(source), flagBits(flags));
  } catch (error) {
    throw new RegexRefusedError(`/${source}/ cannot run on the linear-time regex engine (RE2): ${(error as Error).message}`);
  }
  if (program.programSize() > MAX_REGEX_PROGRAM_SIZE) {
    throw new RegexRefusedError(
      `/${source}/ is too large for the regex engine (${program.programSize()} instructions, at most ${MAX_REGEX_PROGRAM_SIZE}): lower its repeat counts`,
    );
  }
  if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, program);
  return program;
}

function flagBits(flags: string): number {
  return (
    (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) |
    (flags.includes('m') ? RE2JS.MULTILINE : 0) |
    (flags.includes('s') ? RE2JS.DOTALL : 0)
  );
}

/** The first construct outside a character class that RE2 has no linear-time form of. */
function findUnsupported(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') {
      if (!inClass) {
        const found = UNSUPPORTED.find((u) => u.test.test(source.slice(i, i + 3)));
        if (found) return found.what;
      }
      i++;
    } else if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') inClass = true;
    else if (char === '(') {
      const found = UNSUPPORTED.find((u) => u.test.test(source.slice(i, i + 4)));
      if (found) return found.what;
    }
  }
  return undefined;
}

interface JsonataMatch extends Array<string | undefined> {
  index: number;
}

/**
 * A RegExp stand-in for JSONata's `RegexEngine` option: JSONata constructs it with the RegExp it
 * parsed and calls `exec` with `lastIndex`, as with a global RegExp. Every search is charged the
 * rest of the string from where it starts, the most it may examine: a pattern like `/a+$|a/` makes
 * each search read to the end, and charging less would let a loop of searches go quadratic.
 */
export function re2Engine(budget: RegexBudget): RegExpConstructor {
  return class Re2RegExp {
    lastIndex = 0;
    private readonly program: RE2JS;

    constructor(pattern: RegExp | string, flags?: string) {
      this.program = typeof pattern === 'string' ? compileRegex(pattern, flags ?? '') : compileRegex(pattern.source, pattern.flags);
    }

    exec(text: string): JsonataMatch | null {
      const from = this.lastIndex;
      if (from > text.length) {
        this.lastIndex = 0;
        return null;
      }
      budget.charge(text.length - from, this.program.programSize());
      const matcher = this.program.matcher(text);
      if (!matcher.find(from)) {
        this.lastIndex = 0;
        return null;
      }
      const match = [] as unknown as JsonataMatch;
      for (let group = 0; group <= matcher.groupCount(); group++) match.push(matcher.group(group) ?? undefined);
      match.index = matcher.start();
      this.lastIndex = matcher.end();
      return match;
    }
  } as unknown as RegExpConstructor;
}

/**
 * ajv's `code.regExp` option: `pattern` and `patternProperties` compiled by RE2, each test charged
 * to the budget `current()` returns (the validation under way; ajv validates synchronously).
 */
export function ajvRegExp(current: () => RegexBudget | undefined) {
  const create = (pattern: string, flags: string) => {
    const program = compileRegex(pattern, flags);
    return {
      test(text: string): boolean {
        current()?.charge(text.length, program.programSize());
        return program.test(text);
      },
      // ajv keys the compiled patterns it shares by this.
      toString: () => `/${pattern}/${flags}`,
    };
  };
  return Object.assign(create, { code: 'baton.re2' });
}
