import { BatonError, type FieldProblem } from '../common/errors/baton-error.js';

const STATUS = {
  signup_disabled: 403,
  email_taken: 409,
  invalid_credentials: 401,
  tenant_ambiguous: 409,
  api_key_not_found: 404,
  role_not_grantable: 403,
  member_not_found: 404,
  already_member: 409,
  last_owner: 409,
  invitation_invalid: 404,
  password_required: 400,
  token_invalid: 404,
  sign_in_required: 401,
  invitation_not_yours: 403,
  email_unverified: 403,
  session_required: 403,
  password_login_disabled: 403,
  sso_not_configured: 404,
  sso_slug_taken: 409,
  client_secret_required: 400,
  issuer_refused: 422,
  issuer_discovery_failed: 422,
  sso_unproven: 409,
  password_login_off: 409,
  sso_session_bound: 403,
} as const;

export type AccountsErrorCode = keyof typeof STATUS;

export class AccountsError extends BatonError {
  constructor(code: AccountsErrorCode, message: string, errors?: FieldProblem[]) {
    super(code, STATUS[code], message, errors);
  }
}
