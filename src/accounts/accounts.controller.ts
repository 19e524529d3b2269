import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import { Public, Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { ValidBody } from '../common/validation/zod.js';
import { AccountsService } from './accounts.service.js';
import { LoginBody, Me, Session, SignedUp, SignupBody, SwitchTenantBody } from './dto/accounts.dto.js';

@ApiTags('accounts')
@Controller('v1')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @ApiOperation({ summary: 'Sign up: a new tenant and its owner' })
  @Responds(201, SignedUp)
  @Fails(403, '`signup_disabled`: sign-up is off on this installation')
  @Fails(409, '`email_taken`: an account with this address exists')
  @Post('signup')
  @Public()
  signup(@ValidBody(SignupBody) body: SignupBody) {
    return this.accounts.signup(body);
  }

  @ApiOperation({ summary: 'Sign in: a session token' })
  @Responds(200, Session)
  @Fails(401, '`invalid_credentials`: email or password is wrong')
  @Fails(403, '`password_login_disabled`: the tenant signs in with SSO only; the detail names its slug')
  @Fails(409, '`tenant_ambiguous`: the account belongs to several tenants; name one in `tenant`')
  @Post('auth/login')
  @Public()
  @HttpCode(200)
  login(@ValidBody(LoginBody) body: LoginBody) {
    return this.accounts.login(body);
  }

  @ApiOperation({ summary: "Switch tenant: a session in another of the signed-in person's tenants" })
  @Responds(200, Session)
  @Fails(
    403,
    '`session_required`: an API key belongs to one tenant; `sso_session_bound`: so does an SSO session; `password_login_disabled`: that tenant signs in with SSO only',
  )
  @Fails(404, 'The person belongs to no such tenant')
  @Post('auth/switch')
  @Roles('viewer', 'publisher')
  @HttpCode(200)
  switchTenant(@CurrentPrincipal() principal: Principal, @ValidBody(SwitchTenantBody) body: SwitchTenantBody) {
    return this.accounts.switchTenant(principal, body.tenant);
  }

  @ApiOperation({ summary: 'The caller: person or key, tenant, role and plan' })
  @Responds(200, Me)
  @Get('me')
  @Roles('viewer', 'publisher')
  me(@CurrentPrincipal() principal: Principal) {
    return this.accounts.me(principal);
  }
}
