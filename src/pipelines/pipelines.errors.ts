import { BatonError, type FieldProblem } from '../common/errors/baton-error.js';

const STATUS = {
  pipeline_not_found: 404,
  version_not_found: 404,
  tag_not_found: 404,
  tag_in_use: 409,
  invalid_definition: 422,
  expression_budget_exceeded: 422,
  concurrent_update: 409,
  pipeline_in_use: 409,
} as const;
export type PipelinesErrorCode = keyof typeof STATUS;

export class PipelinesError extends BatonError {
  constructor(code: PipelinesErrorCode, message: string, errors?: FieldProblem[], extensions?: Record<string, unknown>) {
    super(code, STATUS[code], message, errors, undefined, extensions);
  }
}
