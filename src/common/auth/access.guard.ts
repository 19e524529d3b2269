import { ForbiddenException, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { PUBLIC_ROUTE, REQUIRED_ROLE } from './access.decorators.js';
import type { Principal } from './principal.js';
import { roleSatisfies, type Role } from './roles.js';

/**
 * Global guard: authenticates with an API key or a session JWT, then checks the route's
 * `@Roles`. A route that declares neither `@Public` nor `@Roles` is refused, so a new
 * route can never be reachable by accident.
 */
@Injectable()
export class AccessGuard extends AuthGuard(['api-key', 'jwt']) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    await super.canActivate(context);
    const required = this.reflector.getAllAndOverride<Role[]>(REQUIRED_ROLE, targets);
    const principal = context.switchToHttp().getRequest<{ user: Principal }>().user;
    if (!required?.length) throw new ForbiddenException('This route declares no role');
    if (!required.some((role) => roleSatisfies(principal.role, role))) throw new ForbiddenException(`This action needs the ${required.join(' or ')} role`);
    return true;
  }
}
