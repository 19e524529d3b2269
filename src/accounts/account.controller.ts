import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public, Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { ValidBody } from '../common/validation/zod.js';
import { ChangePasswordBody, EmailBody, ResetPasswordBody, TokenBody } from './dto/accounts.dto.js';
import { EmailProofService } from './email-proof.service.js';
import { PasswordsService } from './passwords.service.js';

/** Proving one's address and keeping one's password; the public routes answer alike for every address. */
@ApiTags('accounts')
@Controller('v1/account')
export class AccountController {
  constructor(
    private readonly emailProof: EmailProofService,
    private readonly passwords: PasswordsService,
  ) {}

  /** The token from the mailed link; the address is verified. `{ user }`. */
  @Post('verify')
  @Public()
  @HttpCode(200)
  verify(@ValidBody(TokenBody) body: TokenBody) {
    return this.emailProof.verify(body.token);
  }

  /** 202 whatever the address: a new link goes out only to an account that is not verified yet. */
  @Post('verify/resend')
  @Public()
  @HttpCode(202)
  resend(@ValidBody(EmailBody) body: EmailBody): void {
    this.emailProof.resend(body.email);
  }

  /** 202 whatever the address: an account with it gets a one-time link, valid 30 minutes. */
  @Post('password-reset')
  @Public()
  @HttpCode(202)
  requestReset(@ValidBody(EmailBody) body: EmailBody): void {
    this.passwords.requestReset(body.email);
  }

  /** The token from the mailed link and the new password; sessions issued before end, API keys stay. */
  @Post('password-reset/confirm')
  @Public()
  @HttpCode(204)
  reset(@ValidBody(ResetPasswordBody) body: ResetPasswordBody) {
    return this.passwords.reset(body);
  }

  /** A signed-in person's own password; every other session ends, and a new one is returned. */
  @Post('password')
  @Roles('viewer')
  @HttpCode(200)
  change(@CurrentPrincipal() principal: Principal, @ValidBody(ChangePasswordBody) body: ChangePasswordBody) {
    return this.passwords.change(principal, body);
  }
}
