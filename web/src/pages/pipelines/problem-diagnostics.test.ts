import { Text } from '@uiw/react-codemirror';
import { describe, expect, it } from 'vitest';
import { documentName, problemsToDiagnostics, yamlSyntaxProblems } from './problem-diagnostics';

const yaml = [
  'apiVersion: baton/v1',
  'kind: Pipeline',
  'name: hello',
  'steps:',
  '  load:',
  '    uses: core/echo@^1',
  '    needs: [extract]',
].join('\n');
const doc = Text.of(yaml.split('\n'));
const at = (diagnostic: { from: number; to: number }) => doc.sliceString(diagnostic.from, diagnostic.to);

describe('problemsToDiagnostics', () => {
  it("puts each problem at the API's 1-based line and column, underlining the word there", () => {
    const [needs, uses] = problemsToDiagnostics(doc, [
      { path: 'steps.load.needs[0]', message: 'Unknown step `extract`', line: 7, column: 13 },
      { path: 'steps.load.uses', message: 'No such plugin', line: 6, column: 11 },
    ]);
    expect(needs).toMatchObject({ severity: 'error', source: 'steps.load.needs[0]', message: 'Unknown step `extract`' });
    expect(doc.lineAt(needs.from).number).toBe(7);
    expect(at(needs)).toBe('extract');
    expect(at(uses)).toBe('core/echo@^1');
  });

  it('underlines a whole quoted string, and a key pointed at by its column', () => {
    const quoted = Text.of(['steps:', '  greet: { with: { text: "hello ${{ input.who }}" } }']);
    const [diagnostic] = problemsToDiagnostics(quoted, [{ path: 'steps.greet.with.text', message: 'Unknown name', line: 2, column: 26 }]);
    expect(quoted.sliceString(diagnostic.from, diagnostic.to)).toBe('"hello ${{ input.who }}"');
    const [key] = problemsToDiagnostics(doc, [{ path: 'steps', message: 'Needs a step', line: 4, column: 1 }]);
    expect(at(key)).toBe('steps');
  });

  it('puts a problem without a place, or past the end of a changed text, at the start', () => {
    const diagnostics = problemsToDiagnostics(doc, [
      { path: 'name', message: 'Taken' },
      { path: 'steps.gone', message: 'Gone', line: 40, column: 3 },
    ]);
    expect(diagnostics.map((d) => d.from)).toEqual([0, 0]);
    // A column past the line's end stays on its line.
    const [clamped] = problemsToDiagnostics(doc, [{ path: 'kind', message: 'Bad', line: 2, column: 99 }]);
    expect(clamped.from).toBe(doc.line(2).to);
  });
});

describe('yamlSyntaxProblems', () => {
  it('names the line and column of broken YAML without asking the API', () => {
    const problems = yamlSyntaxProblems('name: hello\nsteps:\n  greet: { uses: core/echo@^1\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ path: '(yaml)', line: expect.any(Number) as number, column: expect.any(Number) as number });
    expect(problems[0].line).toBeGreaterThanOrEqual(3);
    expect(yamlSyntaxProblems(yaml)).toEqual([]);
  });

  it('reads the name the document saves under', () => {
    expect(documentName(yaml)).toBe('hello');
    expect(documentName('kind: Pipeline\n')).toBeUndefined();
    expect(documentName('name: [')).toBeUndefined();
  });
});
