import { patched, workflowInfo } from '@temporalio/workflow';
import { EvaluationBudget } from '../contracts/expressions/index.js';
import { EXPRESSION_TASK_BUDGET_PATCH } from '../contracts/step.contract.js';

/**
 * Steps every expression evaluated in one workflow task may spend together. In Temporal's sandbox
 * a JSONata step costs about 0.1 ms (its promise hook records a stack for every promise), and
 * Node 20 aborted the whole worker ("async hook stack has become corrupted") for one task that
 * evaluated ~12,000 nested steps (`$sum([1..3000].($ * 2))`), or 40 fields of 100 items; 8,000 ran.
 */
export const WORKFLOW_TASK_EXPRESSION_STEPS = 10_000;

/**
 * The budget of the workflow task under way, for every expression this workflow evaluates in it.
 * Tasks are told apart by the history length they start at, the same when replayed. A local
 * activity's result comes back within the same task (the history does not grow), in an activation
 * of its own: `renew()` at each such result gives what follows a budget of its own, as a new task would.
 */
export class WorkflowTaskBudget {
  private budget?: EvaluationBudget;
  private historyLength = -1;
  private renewals = 0;
  private renewalsAtStart = 0;

  current(): EvaluationBudget {
    // Runs started before the budget was per task keep one budget per evaluation.
    if (!patched(EXPRESSION_TASK_BUDGET_PATCH)) return new EvaluationBudget();
    const { historyLength } = workflowInfo();
    if (!this.budget || historyLength !== this.historyLength || this.renewals !== this.renewalsAtStart) {
      this.budget = new EvaluationBudget(WORKFLOW_TASK_EXPRESSION_STEPS, "This workflow task's expressions");
      this.historyLength = historyLength;
      this.renewalsAtStart = this.renewals;
    }
    return this.budget;
  }

  /** A local activity's result arrived: what the workflow evaluates next gets a budget of its own. */
  renew(): void {
    this.renewals += 1;
  }
}
