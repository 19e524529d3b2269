import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hashPassword, verifyPassword } from '../common/auth/password.js';
import type { Principal } from '../common/auth/principal.js';
import { hashSecretToken, newSecretToken } from '../common/auth/secret-token.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { passwordResetMail } from '../mail/mail-messages.js';
import { MailService } from '../mail/mail.service.js';
import { AccessStateCache } from './access-state.cache.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import { AccountsError } from './accounts.errors.js';
import { AccountsRepository } from './accounts.repository.js';
import { AccountsService } from './accounts.service.js';
import type { ChangePasswordBody, ResetPasswordBody } from './dto/accounts.dto.js';

const RESET_TTL_MINUTES = 30;

/** Resetting a forgotten password by a mailed one-time token, and changing a known one. Either ends older sessions. */
@Injectable()
export class PasswordsService {
  private readonly logger = new Logger(PasswordsService.name);

  constructor(
    private readonly users: AccountsRepository,
    private readonly tokens: AccountTokensRepository,
    private readonly accounts: AccountsService,
    private readonly access: AccessStateCache,
    private readonly mail: MailService,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'publicUrl'>,
  ) {}

  /** The same answer whatever the address: the work happens after it, so neither words nor time tell. */
  requestReset(email: string): void {
    void this.requestResetNow(email).catch((error: Error) => this.logger.error(`A password reset request failed: ${error.message}`));
  }

  private async requestResetNow(email: string): Promise<void> {
    const user = await this.users.findUserByEmail(email);
    if (!user) return;
    const token = newSecretToken('br_');
    const mailId = await this.users.transaction(async (tx) => {
      await this.tokens.insert(
        {
          id: randomUUID(),
          userId: user.id,
          purpose: 'reset_password',
          email: user.email,
          tokenHash: hashSecretToken(token),
          expiresAt: new Date(Date.now() + RESET_TTL_MINUTES * 60_000),
        },
        tx,
      );
      return this.mail.queue(passwordResetMail(this.config.publicUrl, user.email, token, RESET_TTL_MINUTES), tx);
    });
    this.mail.dispatch(mailId);
  }

  /** The token proves the mailbox: the address counts as verified too. API keys are left alone. */
  async reset(body: ResetPasswordBody): Promise<void> {
    const passwordHash = await hashPassword(body.password);
    const userId = await this.users.transaction(async (tx) => {
      const used = await this.tokens.consume('reset_password', hashSecretToken(body.token), tx);
      if (!used)
        throw new AccountsError('token_invalid', 'This link does not exist, was used already, or has expired; ask for a new one', [
          { path: 'token', message: 'Unknown, used or expired' },
        ]);
      await this.tokens.consumeAll(used.userId, 'reset_password', tx);
      await this.users.setPassword(used.userId, passwordHash, tx);
      await this.users.markEmailVerified(used.userId, tx);
      return used.userId;
    });
    this.access.forgetPassword(userId);
  }

  /** A session's own account: every other session ends; this one is replaced by the returned one. */
  async change(principal: Principal, body: ChangePasswordBody) {
    if (principal.kind !== 'user')
      throw new AccountsError('session_required', 'Only a person signed in changes their password, not an API key');
    const user = (await this.users.findUserById(principal.userId!))!;
    if (!(await verifyPassword(body.currentPassword, user.passwordHash))) {
      throw new AccountsError('invalid_credentials', 'The current password is wrong', [
        { path: 'currentPassword', message: 'Wrong password' },
      ]);
    }
    const passwordHash = await hashPassword(body.newPassword);
    const changedAt = await this.users.transaction((tx) => this.users.setPassword(user.id, passwordHash, tx));
    this.access.forgetPassword(user.id);
    return this.accounts.issueToken({ sub: user.id, tid: principal.tenantId, role: principal.role, pv: changedAt.getTime() });
  }
}
