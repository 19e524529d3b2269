import type { Diagnostic } from '@codemirror/lint';
import type { Text } from '@uiw/react-codemirror';
import { LineCounter, parseDocument } from 'yaml';
import type { FieldProblem } from '../../api/problem';

/**
 * Where a problem is in the document: the API gives 1-based `line` and `column` for YAML bodies;
 * a problem without them (or past the end, the text having changed) is put at the start.
 */
export function problemOffset(doc: Text, problem: Pick<FieldProblem, 'line' | 'column'>): number {
  if (!problem.line || problem.line > doc.lines) return 0;
  const line = doc.line(problem.line);
  return Math.min(line.from + Math.max((problem.column ?? 1) - 1, 0), line.to);
}

/** The API's problems as the editor's diagnostics, each underlining the word it points at. */
export function problemsToDiagnostics(doc: Text, problems: readonly FieldProblem[]): Diagnostic[] {
  return problems.map((problem) => {
    const from = problemOffset(doc, problem);
    const rest = doc.sliceString(from, doc.lineAt(from).to);
    const word = /^("[^"]*"?|'[^']*'?|[^\s:,[\]{}#]+)/.exec(rest)?.[0] ?? '';
    return { from, to: from + word.length, severity: 'error', source: problem.path, message: problem.message };
  });
}

/**
 * The YAML's syntax errors, found here without asking the API (it would only answer `Invalid
 * YAML` for the whole body, without a line), in the API's own problem shape.
 */
export function yamlSyntaxProblems(text: string): FieldProblem[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  return document.errors.map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    return { path: '(yaml)', message: error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''), line, column: col };
  });
}

/** The `name` the document gives itself, which is the pipeline it saves as. */
export function documentName(text: string): string | undefined {
  try {
    const value: unknown = parseDocument(text).toJS();
    const name = value && typeof value === 'object' ? (value as Record<string, unknown>).name : undefined;
    return typeof name === 'string' && name ? name : undefined;
  } catch {
    return undefined;
  }
}
