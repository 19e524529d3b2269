import {
  containsExpression,
  inspectTemplate,
  type ExpressionReference,
  type TemplateInspection,
} from '../../../../workers/contracts/expressions/index.js';
import { upstreamOf } from '../../../../workers/contracts/graph.js';
import type { PipelineStep } from '../../../../workers/contracts/pipeline.contract.js';
import type { CheckContext } from './check-context.js';

/** Where an expression is written: what it may read depends on it. */
export type ExpressionSite = 'with' | 'if' | 'outputs' | 'onFailure' | 'forEach';

/** Which context names an expression at a given place may read. */
export class ReferenceRules {
  private upstream?: Set<string>;
  private readonly fansOut: boolean;

  constructor(
    private readonly steps: Record<string, PipelineStep>,
    private readonly inputNames: Set<string>,
    private readonly secretsAvailable: boolean,
    private readonly stepId?: string,
  ) {
    this.fansOut = stepId !== undefined && steps[stepId].forEach !== undefined;
  }

  /** The rules for an expression of step `stepId`, or of the pipeline's outputs and onFailure handlers. */
  static of({ definition, options }: CheckContext, stepId?: string): ReferenceRules {
    const inputNames = new Set(Object.keys(definition.inputs ?? {}));
    return new ReferenceRules(definition.steps, inputNames, options.secretsAvailable ?? false, stepId);
  }

  check({ root, path }: ExpressionReference, site: ExpressionSite): string | null {
    const [name] = path;
    switch (root) {
      case 'inputs':
        return name === undefined || this.inputNames.has(name) ? null : `Unknown input \`${name}\``;
      case 'steps':
        return name === undefined ? null : this.checkStep(name);
      case 'item':
        return site === 'with' && this.fansOut ? null : '`item` exists only in the `with` of a step with `forEach`';
      case 'secrets':
        if (!this.secretsAvailable)
          return 'Secrets are not available on this installation yet: there is no secrets store to resolve them from';
        return site === 'with' || site === 'onFailure' ? null : "Secrets can only be passed to a step's `with`";
      case 'run':
        return name === 'error' && site !== 'onFailure' ? '`run.error` is only set for onFailure handlers' : null;
    }
  }

  private checkStep(name: string): string | null {
    if (!Object.hasOwn(this.steps, name)) return `Unknown step \`${name}\``;
    if (this.stepId === undefined) return null;
    if (name === this.stepId) return 'A step cannot read its own outputs or status';
    this.upstream ??= upstreamOf(this.steps, this.stepId);
    if (this.upstream.has(name)) return null;
    return `\`${name}\` is not upstream of \`${this.stepId}\`: add it to needs (directly or through a step it needs) so that it has finished`;
  }
}

/** Parses every expression in `text` and reports its syntax and what it reads, with positions. */
export function checkTemplate(
  text: string,
  path: string,
  site: ExpressionSite,
  rules: ReferenceRules,
  report: CheckContext['report'],
): TemplateInspection {
  const inspection = inspectTemplate(text);
  for (const problem of inspection.located) report(path, problem.message, problem.position);
  for (const expression of inspection.expressions) {
    for (const reference of expression.references) {
      const problem = rules.check(reference, site);
      if (problem) report(path, problem);
    }
  }
  return inspection;
}

/** A string that must be exactly one `${{ … }}` (an `if`, a `forEach`), checked as such. */
export function checkWholeExpression(
  text: string,
  path: string,
  site: ExpressionSite,
  notWhole: string,
  rules: ReferenceRules,
  report: CheckContext['report'],
): void {
  const { template } = checkTemplate(text, path, site, rules, report);
  if (template && template.kind !== 'whole') report(path, notWhole);
}

/** Calls `visit` with every string holding `${{` inside a JSON value, and its path. */
export function forEachExpressionString(value: unknown, path: string, visit: (text: string, path: string) => void): void {
  if (typeof value === 'string') {
    if (containsExpression(value)) visit(value, path);
  } else if (Array.isArray(value)) value.forEach((item, index) => forEachExpressionString(item, `${path}[${index}]`, visit));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) forEachExpressionString(item, `${path}.${key}`, visit);
  }
}
