/**
 * The context roots an expression reads, found by walking its JSONata AST. *
 * Deterministic: imported by the workflow bundle. No Node APIs, no clocks, no randomness of its own.
 */

import type jsonata from 'jsonata';

const ROOTS = ['inputs', 'steps', 'item', 'run', 'secrets'] as const;
export type ReferenceRoot = (typeof ROOTS)[number];
const STEP_FIELDS = ['outputs', 'status'];
/** `run.error` exists only for onFailure handlers; the validator checks where it is read. */
const RUN_FIELDS = ['id', 'pipeline', 'version', 'error'];

export interface ExpressionReference {
  root: ReferenceRoot;
  /** The literal name segments after the root: `steps.a.outputs.x` → `['a', 'outputs', 'x']`. */
  path: string[];
}

export type AstNode = jsonata.ExprNode & Record<string, unknown>;

/**
 * The context roots an expression reads (`inputs.x`, `steps.a.outputs`, `run.id`, …), found by
 * walking the AST. Names inside filters, sorts, groups and later path steps are relative to the
 * current item, not to the context, so they are not references.
 */
export function collectReferences(expression: jsonata.Expression): { references: ExpressionReference[]; problems: string[] } {
  const references: ExpressionReference[] = [];
  const problems: string[] = [];
  walk(
    expression.ast() as AstNode,
    true,
    (reference) => references.push(reference),
    (problem) => problems.push(problem),
  );
  for (const reference of references) problems.push(...referenceShapeProblems(reference));
  return { references, problems: [...new Set(problems)] };
}

function walk(node: AstNode, atContextRoot: boolean, onReference: (r: ExpressionReference) => void, onProblem: (p: string) => void): void {
  const visit = (child: unknown, contextRoot: boolean) => {
    if (Array.isArray(child)) child.forEach((c) => visit(c, contextRoot));
    else if (child && typeof child === 'object' && typeof (child as AstNode).type === 'string')
      walk(child as AstNode, contextRoot, onReference, onProblem);
  };
  const visitRelative = (child: unknown) => visit(child, false);

  switch (node.type as string) {
    case 'path':
      walkPath(node.steps as AstNode[], atContextRoot, visit, onReference, onProblem);
      break;
    case 'name':
      walkPath([node], atContextRoot, visit, onReference, onProblem);
      break;
    case 'wildcard':
    case 'descendant':
      if (atContextRoot) onProblem(`\`${node.value}\` cannot be used on the whole context; start from ${ROOTS.join(', ')}`);
      break;
    case 'unary':
      visit(node.value === '{' ? node.lhs : node.value === '[' ? node.expressions : node.expression, atContextRoot);
      break;
    case 'transform':
      visitRelative([node.pattern, node.update, node.delete]);
      break;
    case 'sort':
      visitRelative((node.terms as { expression: AstNode }[]).map((t) => t.expression));
      break;
    case 'filter':
      visitRelative(node.expr);
      break;
    default:
      visit(
        [
          node.lhs,
          node.rhs,
          node.expression,
          node.expressions,
          node.arguments,
          node.procedure,
          node.body,
          node.condition,
          node.then,
          node.else,
        ],
        atContextRoot,
      );
  }
  visitRelative([node.stages, node.predicate]);
  if (node.group) visitRelative((node.group as { lhs: unknown }).lhs);
}

function walkPath(
  steps: AstNode[],
  atContextRoot: boolean,
  visit: (child: unknown, contextRoot: boolean) => void,
  onReference: (r: ExpressionReference) => void,
  onProblem: (p: string) => void,
): void {
  const [first] = steps;
  const isVariable = first.type === 'variable';
  // `$$` is always the context; `$` is the context only where this path starts at the context.
  const startsWithContextVariable = isVariable && (first.value === '$' || (first.value === '' && atContextRoot));
  const readsContext = startsWithContextVariable || (!isVariable && atContextRoot);
  const rootIndex = startsWithContextVariable ? 1 : 0;
  if (readsContext && steps[rootIndex]?.type === 'name') {
    const [root, ...path] = leadingNames(steps.slice(rootIndex));
    if ((ROOTS as readonly string[]).includes(root)) onReference({ root: root as ReferenceRoot, path });
    else onProblem(`Unknown name \`${root}\`: expressions start from ${ROOTS.join(', ')}`);
  }
  steps.forEach((step, index) => {
    if (step.type === 'name') visit([step.stages, step.predicate, step.group && (step.group as { lhs: unknown }).lhs], false);
    else visit(step, readsContext && index === rootIndex);
  });
}

/** Consecutive plain name steps; a step with a filter ends the run after itself. */
function leadingNames(steps: AstNode[]): string[] {
  const names: string[] = [];
  for (const step of steps) {
    if (step.type !== 'name') break;
    names.push(String(step.value));
    if (step.stages || step.predicate) break;
  }
  return names;
}

function referenceShapeProblems({ root, path }: ExpressionReference): string[] {
  const [first, second] = path;
  if (root === 'steps') {
    if (first === undefined) return ['Name the step: `steps.<id>.outputs` or `steps.<id>.status`'];
    if (second !== undefined && !STEP_FIELDS.includes(second))
      return [`\`steps.${first}.${second}\`: a step has only \`outputs\` and \`status\``];
  }
  if (root === 'run' && first !== undefined && !RUN_FIELDS.includes(first))
    return [`\`run.${first}\`: run has only ${RUN_FIELDS.map((f) => `\`${f}\``).join(', ')}`];
  if (root === 'secrets' && first === undefined) return ['Name the secret: `secrets.NAME`'];
  return [];
}

export function secretName(ast: AstNode): string | undefined {
  if (ast.type !== ('path' as string) || ast.group) return undefined;
  const steps = ast.steps as AstNode[];
  const plain = steps.length === 2 && steps.every((s) => s.type === 'name' && !s.stages && !s.predicate && !s.group);
  return plain && steps[0].value === 'secrets' ? String(steps[1].value) : undefined;
}
