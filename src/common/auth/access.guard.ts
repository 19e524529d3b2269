import { ForbiddenException, Inject, Injectable, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { createHash, timingSafeEqual } from 'node:crypto';
import { BatonError } from '../errors/baton-error.js';
import { BATON_CONFIG, type RuntimeConfig } from '../../runtime/config/runtime-config.js';
import { ADMIN_ROUTE, OPTIONAL_SESSION, PUBLIC_ROUTE, REQUIRED_ROLE } from './access.decorators.js';
import type { Principal } from './principal.js';
import { roleSatisfies, type Role } from './roles.js';

/** Whether a tenant is suspended, and a user's role in it now; implemented by the accounts feature. */
export abstract class AccessState {
  abstract isSuspended(tenantId: string): Promise<boolean>;
  /** Null when the user is no longer a member. */
  abstract currentRole(tenantId: string, userId: string): Promise<Role | null>;
  /** When the user's password last changed (ms, 0: never); sessions issued under another stamp are over. */
  abstract passwordStamp(userId: string): Promise<number | null>;
  /** Whether the tenant's owner turned password sign-in off (its members sign in with SSO only). */
  abstract passwordLoginOff(tenantId: string): Promise<boolean>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * A session's principal as its membership and password are now, or why it no longer counts: a
 * session carries the role it was issued with, and ends with a password reset or change, or, for
 * one signed in with a password, when the tenant turns password sign-in off.
 */
export async function currentSession(access: AccessState, user: Principal): Promise<Principal | string> {
  const role = await access.currentRole(user.tenantId, user.userId!);
  if (!role) return 'You are no longer a member of this tenant';
  if ((user.passwordStamp ?? 0) !== (await access.passwordStamp(user.userId!)))
    return 'This session ended when the password was changed; log in again';
  if (user.via !== 'sso' && (await access.passwordLoginOff(user.tenantId)))
    return 'This tenant signs in with SSO only now: sign in with SSO again';
  return { ...user, role };
}

/**
 * Global guard: authenticates with an API key or a session JWT, then checks the route's
 * `@Roles`. A route that declares neither `@Public` nor `@Roles` is refused, so a new
 * route can never be reachable by accident.
 */
@Injectable()
export class AccessGuard extends AuthGuard(['api-key', 'jwt']) {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessState,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'BATON_ADMIN_TOKEN'>,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) {
      if (this.reflector.getAllAndOverride<boolean>(OPTIONAL_SESSION, targets)) {
        await this.authenticate(context).catch(() => {
          context.switchToHttp().getRequest<{ user?: Principal }>().user = undefined;
        });
      }
      return true;
    }
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE, targets)) return this.checkAdmin(context);
    const principal = await this.authenticate(context);
    const required = this.reflector.getAllAndOverride<Role[]>(REQUIRED_ROLE, targets);
    if (!required?.length) throw new ForbiddenException('This route declares no role');
    if (await this.access.isSuspended(principal.tenantId)) {
      throw new BatonError('tenant_suspended', 403, 'This tenant is suspended; the installation operator can resume it');
    }
    if (!required.some((role) => roleSatisfies(principal.role, role)))
      throw new ForbiddenException(`This action needs the ${required.join(' or ')} role`);
    return true;
  }

  /** The credential's principal, a session's with its membership and password as they are now. */
  private async authenticate(context: ExecutionContext): Promise<Principal> {
    await super.canActivate(context);
    const request = context.switchToHttp().getRequest<{ user?: Principal }>();
    const user = request.user!;
    if (user.kind === 'user') {
      const current = await currentSession(this.access, user);
      if (typeof current === 'string') throw new UnauthorizedException(current);
      request.user = current;
    }
    return request.user!;
  }

  /** Compared as digests in constant time; a tenant credential never opens an admin route. */
  private checkAdmin(context: ExecutionContext): boolean {
    const expected = this.config.BATON_ADMIN_TOKEN;
    if (!expected) throw new BatonError('admin_disabled', 404, 'The admin API is off: set BATON_ADMIN_TOKEN to enable it');
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers.authorization ?? '';
    const given = /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : '';
    if (!given || !timingSafeEqual(digest(given), digest(expected)))
      throw new UnauthorizedException('This route needs the BATON_ADMIN_TOKEN');
    return true;
  }
}
