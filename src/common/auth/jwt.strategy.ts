import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { BATON_CONFIG, type RuntimeConfig } from '../../runtime/config/runtime-config.js';
import type { Principal } from './principal.js';
import { ROLES, type Role } from './roles.js';

export interface SessionClaims {
  sub: string;
  tid: string;
  role: Role;
  /** The account's password stamp at issue (ms, 0 before any change): a reset or change ends older sessions. */
  pv: number;
  /** `sso`: signed in with the tenant's single sign-on, not a password. */
  via?: 'sso';
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(BATON_CONFIG) config: RuntimeConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwtSecret,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  validate(claims: Partial<SessionClaims>): Principal | false {
    return sessionPrincipal(claims) ?? false;
  }
}

/** The principal a verified session token names, or undefined when its claims are not a session's. */
export function sessionPrincipal(claims: Partial<SessionClaims>): Principal | undefined {
  if (typeof claims.sub !== 'string' || typeof claims.tid !== 'string' || !ROLES.includes(claims.role!)) return undefined;
  return {
    kind: 'user',
    tenantId: claims.tid,
    userId: claims.sub,
    role: claims.role!,
    passwordStamp: typeof claims.pv === 'number' ? claims.pv : 0,
    ...(claims.via === 'sso' ? { via: 'sso' as const } : {}),
  };
}
