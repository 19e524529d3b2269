import { BatonError, type FieldProblem } from '../common/errors/baton-error.js';

const STATUS = { channel_not_found: 404, alert_not_found: 404, invalid_channel: 422, channel_name_taken: 409 } as const;
export type AlertsErrorCode = keyof typeof STATUS;

export class AlertsError extends BatonError {
  constructor(code: AlertsErrorCode, message: string, errors?: FieldProblem[]) {
    super(code, STATUS[code], message, errors);
  }
}
