import { BatonError, type FieldProblem } from '../common/errors/baton-error.js';

const STATUS = { schedule_not_found: 404, invalid_schedule: 422, schedule_name_taken: 409, engine_unavailable: 503 } as const;
export type SchedulesErrorCode = keyof typeof STATUS;

export class SchedulesError extends BatonError {
  constructor(code: SchedulesErrorCode, message: string, errors?: FieldProblem[]) {
    super(code, STATUS[code], message, errors);
  }
}
