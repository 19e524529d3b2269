import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import { Public, Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { ValidBody } from '../common/validation/zod.js';
import { ChangePasswordBody, EmailBody, ResetPasswordBody, Session, TokenBody, Verified } from './dto/accounts.dto.js';
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
  @ApiOperation({ summary: 'Verify an e-mail address with the mailed token' })
  @Responds(200, Verified)
  @Fails(404, '`token_invalid`: unknown, used or expired token')
  @Post('verify')
  @Public()
  @HttpCode(200)
  verify(@ValidBody(TokenBody) body: TokenBody) {
    return this.emailProof.verify(body.token);
  }

  /** 202 whatever the address: a new link goes out only to an account that is not verified yet. */
  @ApiOperation({ summary: 'Mail a new verification link' })
  @Responds(202)
  @Post('verify/resend')
  @Public()
  @HttpCode(202)
  resend(@ValidBody(EmailBody) body: EmailBody): void {
    this.emailProof.resend(body.email);
  }

  /** 202 whatever the address: an account with it gets a one-time link, valid 30 minutes. */
  @ApiOperation({ summary: 'Mail a password-reset link' })
  @Responds(202)
  @Post('password-reset')
  @Public()
  @HttpCode(202)
  requestReset(@ValidBody(EmailBody) body: EmailBody): void {
    this.passwords.requestReset(body.email);
  }

  /** The token from the mailed link and the new password; sessions issued before end, API keys stay. */
  @ApiOperation({ summary: 'Set a new password with the mailed token' })
  @Responds(204)
  @Fails(404, '`token_invalid`: unknown, used or expired token')
  @Post('password-reset/confirm')
  @Public()
  @HttpCode(204)
  reset(@ValidBody(ResetPasswordBody) body: ResetPasswordBody) {
    return this.passwords.reset(body);
  }

  /** A signed-in person's own password; every other session ends, and a new one is returned. */
  @ApiOperation({ summary: "Change the signed-in person's password" })
  @Responds(200, Session, { description: 'A new session; the others end' })
  @Post('password')
  @Roles('viewer')
  @HttpCode(200)
  change(@CurrentPrincipal() principal: Principal, @ValidBody(ChangePasswordBody) body: ChangePasswordBody) {
    return this.passwords.change(principal, body);
  }
}
