import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { hashSecretToken, newSecretToken } from '../common/auth/secret-token.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { verificationMail } from '../mail/mail-messages.js';
import { MailService } from '../mail/mail.service.js';
import { AccountsError } from './accounts.errors.js';
import { AccountsRepository } from './accounts.repository.js';
import { toUserResponse } from './account-responses.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import type { UserAccountEntity } from './entities/user-account.entity.js';

const VERIFICATION_TTL_HOURS = 48;

/** Proving an account's address: a one-time link mailed to it. */
@Injectable()
export class EmailProofService {
  private readonly logger = new Logger(EmailProofService.name);

  constructor(
    private readonly users: AccountsRepository,
    private readonly tokens: AccountTokensRepository,
    private readonly mail: MailService,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'publicUrl'>,
  ) {}

  /** Queues the verification mail in `tx` (the account's creation); returns the mail to dispatch after the commit. */
  async queueVerification(user: Pick<UserAccountEntity, 'id' | 'email'>, tx: EntityManager): Promise<string> {
    const token = newSecretToken('bv_');
    await this.tokens.insert(
      {
        id: randomUUID(),
        userId: user.id,
        purpose: 'verify_email',
        email: user.email,
        tokenHash: hashSecretToken(token),
        expiresAt: new Date(Date.now() + VERIFICATION_TTL_HOURS * 3_600_000),
      },
      tx,
    );
    return this.mail.queue(verificationMail(this.config.publicUrl, user.email, token, VERIFICATION_TTL_HOURS), tx);
  }

  async verify(token: string) {
    const user = await this.users.transaction(async (tx) => {
      const used = await this.tokens.consume('verify_email', hashSecretToken(token), tx);
      if (!used)
        throw new AccountsError('token_invalid', 'This link does not exist, was used already, or has expired; ask for a new one', [
          { path: 'token', message: 'Unknown, used or expired' },
        ]);
      await this.users.markEmailVerified(used.userId, tx);
      return (await this.users.findUserById(used.userId, tx))!;
    });
    return { user: toUserResponse(user) };
  }

  /** The same answer whatever the address: the work happens after it, so neither words nor time tell. */
  resend(email: string): void {
    void this.resendNow(email).catch((error: Error) => this.logger.error(`Resending a verification failed: ${error.message}`));
  }

  private async resendNow(email: string): Promise<void> {
    const user = await this.users.findUserByEmail(email);
    if (!user || user.emailVerifiedAt) return;
    const mailId = await this.users.transaction((tx) => this.queueVerification(user, tx));
    this.mail.dispatch(mailId);
  }
}
