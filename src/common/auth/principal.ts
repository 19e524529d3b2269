import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from './roles.js';

/** Who is calling: always exactly one tenant and one role, taken from the credential. */
export interface Principal {
  kind: 'user' | 'api_key';
  tenantId: string;
  role: Role;
  userId?: string;
  apiKeyId?: string;
  /** A session's: the password stamp it was issued under (ms; 0 before any change). */
  passwordStamp?: number;
  /** A session signed in with the tenant's SSO: it belongs to that tenant alone (no switching). */
  via?: 'sso';
}

export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest<{ user: Principal }>().user;
});
