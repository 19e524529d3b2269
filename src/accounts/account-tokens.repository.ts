import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export type AccountTokenPurpose = 'verify_email' | 'reset_password';

export interface NewAccountToken {
  id: string;
  userId: string;
  purpose: AccountTokenPurpose;
  email: string;
  tokenHash: string;
  expiresAt: Date;
}

/** One-time tokens mailed to an account's address; only their hash is kept. */
@Injectable()
export class AccountTokensRepository {
  constructor(private readonly db: DataSource) {}

  async insert(token: NewAccountToken, tx: EntityManager | DataSource = this.db): Promise<void> {
    await tx.query('INSERT INTO account_token (id, user_id, purpose, email, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      token.id,
      token.userId,
      token.purpose,
      token.email,
      token.tokenHash,
      token.expiresAt,
    ]);
  }

  /** Uses the token, once: null when unknown, used, expired, or sent to an address the account no longer has. */
  async consume(purpose: AccountTokenPurpose, tokenHash: string, tx: EntityManager): Promise<{ userId: string; email: string } | null> {
    const [rows]: [Array<{ userId: string; email: string }>, number] = await tx.query(
      `UPDATE account_token t SET used_at = now() FROM user_account u
        WHERE t.token_hash = $2 AND t.purpose = $1 AND t.used_at IS NULL AND t.expires_at > now() AND u.id = t.user_id AND u.email = t.email
        RETURNING t.user_id AS "userId", t.email`,
      [purpose, tokenHash],
    );
    return rows[0] ?? null;
  }

  /** Ends every other open token of this kind (a reset done makes the other reset mails worthless). */
  async consumeAll(userId: string, purpose: AccountTokenPurpose, tx: EntityManager): Promise<void> {
    await tx.query('UPDATE account_token SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL', [userId, purpose]);
  }
}
