import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Role } from '../common/auth/roles.js';

export interface MemberRow {
  userId: string;
  email: string;
  role: Role;
  createdAt: Date;
}

export interface InvitationRow {
  id: string;
  tenantId: string;
  email: string;
  role: Role;
  expiresAt: Date;
  acceptedAt: Date | null;
}

export interface OpenInvitationRow {
  id: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
}

/** Invitations last 7 days: a tenant with more open than this is inviting by script, not by hand. */
const OPEN_INVITATIONS_LIMIT = 500;

const MEMBER_COLUMNS = 'm.user_id AS "userId", u.email, m.role, m.created_at AS "createdAt"';

@Injectable()
export class MembersRepository {
  constructor(private readonly db: DataSource) {}

  list(tenantId: string): Promise<MemberRow[]> {
    return this.db.query(
      `SELECT ${MEMBER_COLUMNS} FROM membership m JOIN user_account u ON u.id = m.user_id WHERE m.tenant_id = $1 ORDER BY m.created_at, m.user_id`,
      [tenantId],
    );
  }

  async find(tenantId: string, userId: string, tx: EntityManager | DataSource = this.db): Promise<MemberRow | null> {
    const rows: MemberRow[] = await tx.query(
      `SELECT ${MEMBER_COLUMNS} FROM membership m JOIN user_account u ON u.id = m.user_id WHERE m.tenant_id = $1 AND m.user_id = $2`,
      [tenantId, userId],
    );
    return rows[0] ?? null;
  }

  async role(tenantId: string, userId: string): Promise<Role | null> {
    const rows: Array<{ role: Role }> = await this.db.query('SELECT role FROM membership WHERE tenant_id = $1 AND user_id = $2', [
      tenantId,
      userId,
    ]);
    return rows[0]?.role ?? null;
  }

  /** False when the user is a member already. */
  async add(tenantId: string, userId: string, role: Role, tx: EntityManager | DataSource = this.db): Promise<boolean> {
    const rows = await tx.query(
      'INSERT INTO membership (tenant_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING user_id',
      [tenantId, userId, role],
    );
    return rows.length === 1;
  }

  /**
   * Changes or removes a membership with the tenant's memberships locked, so two admins cannot
   * each take away one of the last two owners at the same moment.
   */
  inTenantLock<T>(tenantId: string, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('baton.members:' || $1))`, [tenantId]);
      return work(tx);
    });
  }

  async ownerCount(tenantId: string, tx: EntityManager): Promise<number> {
    const rows: Array<{ n: number }> = await tx.query(`SELECT count(*)::int AS n FROM membership WHERE tenant_id = $1 AND role = 'owner'`, [
      tenantId,
    ]);
    return rows[0].n;
  }

  async setRole(tenantId: string, userId: string, role: Role, tx: EntityManager): Promise<void> {
    await tx.query('UPDATE membership SET role = $3 WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId, role]);
  }

  async remove(tenantId: string, userId: string, tx: EntityManager): Promise<void> {
    await tx.query('DELETE FROM membership WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
  }

  async findByEmail(tenantId: string, email: string): Promise<MemberRow | null> {
    const rows: MemberRow[] = await this.db.query(
      `SELECT ${MEMBER_COLUMNS} FROM membership m JOIN user_account u ON u.id = m.user_id WHERE m.tenant_id = $1 AND u.email = $2`,
      [tenantId, email],
    );
    return rows[0] ?? null;
  }

  async invite(
    invitation: { id: string; tenantId: string; email: string; role: Role; tokenHash: string; createdBy: string | null; expiresAt: Date },
    tx: EntityManager,
  ): Promise<void> {
    await tx.query(
      'INSERT INTO invitation (id, tenant_id, email, role, token_hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [
        invitation.id,
        invitation.tenantId,
        invitation.email,
        invitation.role,
        invitation.tokenHash,
        invitation.createdBy,
        invitation.expiresAt,
      ],
    );
  }

  /** Marks the invitation accepted and returns it, once; later calls get null. */
  async acceptInvitation(tokenHash: string, tx: EntityManager): Promise<InvitationRow | null> {
    const [rows]: [InvitationRow[], number] = await tx.query(
      `UPDATE invitation SET accepted_at = now() WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
       RETURNING id, tenant_id AS "tenantId", email, role, expires_at AS "expiresAt", accepted_at AS "acceptedAt"`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }

  /** The tenant's invitations still open (not accepted, revoked or expired), newest first. */
  async openInvitations(tenantId: string): Promise<OpenInvitationRow[]> {
    return this.db.query(
      `SELECT id, email, role, created_by AS "invitedBy", created_at AS "createdAt", expires_at AS "expiresAt"
         FROM invitation
        WHERE tenant_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
        ORDER BY created_at DESC
        LIMIT ${OPEN_INVITATIONS_LIMIT}`,
      [tenantId],
    );
  }

  /** Ends one open invitation of the tenant; false when it has none open by that id. */
  async revokeInvitation(tenantId: string, id: string): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.db.query(
      `UPDATE invitation SET revoked_at = now()
        WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING id`,
      [tenantId, id],
    );
    return rows.length > 0;
  }

  /** The open invitations a member issued in the tenant end with their membership. */
  async revokeInvitationsBy(tenantId: string, userId: string, tx: EntityManager): Promise<void> {
    await tx.query(
      'UPDATE invitation SET revoked_at = now() WHERE tenant_id = $1 AND created_by = $2 AND accepted_at IS NULL AND revoked_at IS NULL',
      [tenantId, userId],
    );
  }

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }
}
