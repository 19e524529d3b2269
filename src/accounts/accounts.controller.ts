import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public, Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { ValidBody } from '../common/validation/zod.js';
import { AccountsService } from './accounts.service.js';
import { LoginBody, SignupBody } from './dto/accounts.dto.js';

@ApiTags('accounts')
@Controller('v1')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post('signup')
  @Public()
  signup(@ValidBody(SignupBody) body: SignupBody) {
    return this.accounts.signup(body);
  }

  @Post('auth/login')
  @Public()
  @HttpCode(200)
  login(@ValidBody(LoginBody) body: LoginBody) {
    return this.accounts.login(body);
  }

  @Get('me')
  @Roles('viewer', 'publisher')
  me(@CurrentPrincipal() principal: Principal) {
    return this.accounts.me(principal);
  }
}
