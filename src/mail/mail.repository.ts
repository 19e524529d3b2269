import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { MailKind, OutgoingMail } from './mail-messages.js';

export type MailStatus = 'pending' | 'sent' | 'failed' | 'kept';

export interface MailRow {
  id: string;
  kind: MailKind;
  to: string;
  subject: string;
  body: string | null;
  link: string | null;
  status: MailStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

const columns = (m: string) => `${m}.id, ${m}.kind, ${m}.to_address AS "to", ${m}.subject, ${m}.body, ${m}.link, ${m}.status, ${m}.attempts,
  ${m}.last_error AS "lastError", ${m}.created_at AS "createdAt", ${m}.sent_at AS "sentAt"`;

/** The outbox (and, without SMTP, the installation's mailbox). Mails belong to people, not tenants. */
@Injectable()
export class MailRepository {
  constructor(private readonly db: DataSource) {}

  async insert(id: string, mail: OutgoingMail, status: 'pending' | 'kept', tx: EntityManager | DataSource = this.db): Promise<void> {
    await tx.query('INSERT INTO mail (id, kind, to_address, subject, body, link, status) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      id,
      mail.kind,
      mail.to,
      mail.subject,
      mail.body,
      mail.link,
      status,
    ]);
  }

  /**
   * Takes due mails for one attempt each (all due ones, or the one named), pushing their next
   * attempt past `leaseMs`: a replica that dies mid-send leaves the mail to be tried again then,
   * and no two replicas send the same one at once.
   */
  async claimDue(limit: number, leaseMs: number, id?: string): Promise<MailRow[]> {
    const [rows]: [MailRow[], number] = await this.db.query(
      `WITH due AS (
         SELECT id FROM mail WHERE status = 'pending' AND next_attempt_at <= now() AND ($3::uuid IS NULL OR id = $3)
          ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
       )
       UPDATE mail m SET attempts = m.attempts + 1, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
         FROM due WHERE m.id = due.id
       RETURNING ${columns('m')}`,
      [limit, leaseMs, id ?? null],
    );
    return rows;
  }

  /** Sent: what it said (its links hold one-time tokens) is no longer kept. */
  async markSent(id: string): Promise<void> {
    await this.db.query(`UPDATE mail SET status = 'sent', sent_at = now(), body = NULL, link = NULL, last_error = NULL WHERE id = $1`, [
      id,
    ]);
  }

  async markRetry(id: string, error: string, retryInMs: number): Promise<void> {
    await this.db.query(
      `UPDATE mail SET last_error = $2, next_attempt_at = now() + make_interval(secs => $3::double precision / 1000) WHERE id = $1 AND status = 'pending'`,
      [id, error, retryInMs],
    );
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.db.query(`UPDATE mail SET status = 'failed', last_error = $2, body = NULL, link = NULL WHERE id = $1`, [id, error]);
  }

  /** Newest first. */
  list(limit: number): Promise<MailRow[]> {
    return this.db.query(`SELECT ${columns('m')} FROM mail m ORDER BY m.created_at DESC, m.id DESC LIMIT $1`, [limit]);
  }

  async find(id: string): Promise<MailRow | null> {
    const rows: MailRow[] = await this.db.query(`SELECT ${columns('m')} FROM mail m WHERE m.id = $1`, [id]);
    return rows[0] ?? null;
  }
}
