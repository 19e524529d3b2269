import { BatonError, type FieldProblem } from '../common/errors/baton-error.js';

const STATUS = {
  trigger_not_found: 404,
  invalid_trigger: 422,
  trigger_name_taken: 409,
  invalid_signature: 401,
  stale_delivery: 401,
  missing_delivery_id: 400,
  invalid_payload: 422,
  expression_budget_exceeded: 422,
} as const;
export type TriggersErrorCode = keyof typeof STATUS;

export class TriggersError extends BatonError {
  constructor(code: TriggersErrorCode, message: string, errors?: FieldProblem[]) {
    super(code, STATUS[code], message, errors);
  }
}
