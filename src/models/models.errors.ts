import { BatonError, type FieldProblem } from '../common/errors/baton-error.js';

const STATUS = { model_not_found: 404, version_not_found: 404, no_previous_production: 409 } as const;
export type ModelsErrorCode = keyof typeof STATUS;

export class ModelsError extends BatonError {
  constructor(code: ModelsErrorCode, message: string, errors?: FieldProblem[]) {
    super(code, STATUS[code], message, errors);
  }
}
