import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AccessState, currentSession } from './access.guard.js';
import { API_KEY_PREFIX, ApiKeyVerifier } from './api-key.strategy.js';
import { sessionPrincipal, type SessionClaims } from './jwt.strategy.js';
import type { Principal } from './principal.js';

/**
 * Authenticates an `Authorization` header outside Nest's guards, as they do (an API key, or a
 * session whose membership and password are as they were): for Fastify hooks that must refuse a request before its
 * body is read. Which role a route needs is still the access guard's to decide.
 */
@Injectable()
export class CredentialCheck {
  constructor(
    private readonly apiKeys: ApiKeyVerifier,
    private readonly jwt: JwtService,
    private readonly access: AccessState,
  ) {}

  async authenticate(authorization: string | string[] | undefined): Promise<Principal | null> {
    const token =
      typeof authorization === 'string' && /^Bearer\s+/i.test(authorization) ? authorization.replace(/^Bearer\s+/i, '').trim() : '';
    if (!token) return null;
    if (token.startsWith(API_KEY_PREFIX)) return this.apiKeys.verify(token);
    let claims: SessionClaims;
    try {
      claims = await this.jwt.verifyAsync<SessionClaims>(token, { algorithms: ['HS256'] });
    } catch {
      return null;
    }
    const session = sessionPrincipal(claims);
    const current = session && (await currentSession(this.access, session));
    return typeof current === 'object' ? current : null;
  }
}
