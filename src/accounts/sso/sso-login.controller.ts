import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Public } from '../../common/auth/access.decorators.js';
import { Responds } from '../../common/openapi/responds.decorator.js';
import { ValidParam, ValidQuery } from '../../common/validation/zod.js';
import { BROWSER_COOKIE, SsoFailure, SsoLoginService } from './sso-login.service.js';

const slugParam = z.string().regex(/^[a-z0-9-]{1,63}$/, { message: 'Must be an SSO slug' });

/** What a provider sends back (RFC 6749 §4.1.2, RFC 9207 `iss`); anything else is dropped. */
const CallbackQuery = z.object({
  code: z.string().max(4096).optional(),
  state: z.string().max(512).optional(),
  iss: z.string().max(500).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});
type CallbackQuery = z.output<typeof CallbackQuery>;

const cookieValue = (header: string | undefined, name: string) =>
  header
    ?.split(';')
    .map((part) => part.trim().split('='))
    .find(([key]) => key === name)?.[1] || undefined;

/**
 * Browser navigations, not API calls: both answer with a redirect. A failure goes to the console's
 * SSO page too, with its code and reason in the URL fragment.
 */
@ApiTags('sso')
@Controller('v1/auth/sso')
export class SsoLoginController {
  constructor(private readonly logins: SsoLoginService) {}

  @ApiOperation({ summary: "Sign in with the tenant's SSO: a redirect to its identity provider" })
  @Responds(302, undefined, { description: "To the provider's authorization endpoint (or the console, saying why not)" })
  @Get(':slug/login')
  @Public()
  async start(@ValidParam('slug', slugParam) slug: string, @Res() reply: FastifyReply) {
    try {
      const { location, cookie } = await this.logins.start(slug);
      return reply.header('set-cookie', cookie).header('cache-control', 'no-store').redirect(location, 302);
    } catch (error) {
      return this.fail(reply, error);
    }
  }

  @ApiOperation({ summary: 'Where the identity provider sends the browser back; on to the console with a session' })
  @Responds(302, undefined, {
    description: 'To PUBLIC_URL/sign-in/sso with `token` and `expiresAt` (or `error` and `detail`) in the fragment',
  })
  @Get('callback')
  @Public()
  async callback(
    @ValidQuery(CallbackQuery) query: CallbackQuery,
    @Headers('cookie') cookie: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    reply.header('set-cookie', this.logins.expiredCookie());
    try {
      const session = await this.logins.finish(query, cookieValue(cookie, BROWSER_COOKIE));
      return reply.header('cache-control', 'no-store').redirect(this.logins.consoleUrl(session), 302);
    } catch (error) {
      return this.fail(reply, error);
    }
  }

  private fail(reply: FastifyReply, error: unknown) {
    if (!(error instanceof SsoFailure)) throw error;
    return reply.header('cache-control', 'no-store').redirect(this.logins.consoleUrl({ error: error.code, detail: error.message }), 302);
  }
}
