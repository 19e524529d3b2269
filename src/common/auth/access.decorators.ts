import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { SkipRateLimit } from '../rate-limit/rate-limit.guard.js';
import type { Role } from './roles.js';

export const PUBLIC_ROUTE = 'baton:public';
export const ADMIN_ROUTE = 'baton:admin';
export const REQUIRED_ROLE = 'baton:role';
export const OPTIONAL_SESSION = 'baton:optional-session';

/** No credential needed (health, signup, login). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * Public, but a valid credential sent along is read (`@CurrentPrincipal()` is then set; a missing
 * or invalid one leaves it undefined): accepting an invitation as the account one is signed in as.
 */
export const SessionOptional = () => applyDecorators(Public(), SetMetadata(OPTIONAL_SESSION, true), ApiBearerAuth());

/**
 * The installation operator's routes: `Authorization: Bearer <BATON_ADMIN_TOKEN>`, never a tenant
 * credential. Not rate-limited: only a caller with the token gets past the access guard to the limiter.
 */
export const AdminOnly = () =>
  applyDecorators(
    SetMetadata(ADMIN_ROUTE, true),
    SkipRateLimit(),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing or wrong BATON_ADMIN_TOKEN' }),
  );

/**
 * The least role a caller needs (any one of several, e.g. `viewer` or the separate `publisher`).
 * Every non-public route must declare one: the guard fails closed.
 */
export const Roles = (...roles: [Role, ...Role[]]) =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLE, roles),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing or invalid credential' }),
    ApiForbiddenResponse({ description: `Needs role ${roles.join(' or ')}` }),
  );
