import { BatonError } from '../common/errors/baton-error.js';

const STATUS = { secret_not_found: 404, secrets_unavailable: 503 } as const;
export type SecretsErrorCode = keyof typeof STATUS;

export class SecretsError extends BatonError {
  constructor(code: SecretsErrorCode, message: string) {
    super(code, STATUS[code], message);
  }
}
