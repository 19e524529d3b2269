import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/auth/access.decorators.js';
import { ACCEPT_INVITATION_PATH, RESET_PASSWORD_PATH, VERIFY_EMAIL_PATH } from '../mail/mail-messages.js';
import { ACCOUNT_PAGE_HEADERS, accountPageHtml } from './account-pages.js';

const headers = Object.entries(ACCOUNT_PAGE_HEADERS).map(([name, value]) => Header(name, value));
const withHeaders = (target: object, key: string, descriptor: PropertyDescriptor) => headers.forEach((h) => h(target, key, descriptor));

/** The pages the mailed links open (under PUBLIC_URL), for installations without a console of their own. */
@ApiExcludeController()
@Controller()
export class AccountPagesController {
  @Get(VERIFY_EMAIL_PATH.slice(1))
  @Public()
  @withHeaders
  verify(): string {
    return accountPageHtml('verify');
  }

  @Get(RESET_PASSWORD_PATH.slice(1))
  @Public()
  @withHeaders
  reset(): string {
    return accountPageHtml('reset');
  }

  @Get(ACCEPT_INVITATION_PATH.slice(1))
  @Public()
  @withHeaders
  invitation(): string {
    return accountPageHtml('invitation');
  }
}
