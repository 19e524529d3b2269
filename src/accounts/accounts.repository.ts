import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Role } from '../common/auth/roles.js';
import type { KeysetCursor } from '../common/pagination/pagination.js';
import { MembershipEntity } from './entities/membership.entity.js';
import { TenantEntity } from './entities/tenant.entity.js';
import { UserAccountEntity } from './entities/user-account.entity.js';

export interface MembershipView {
  tenant: TenantEntity;
  role: Role;
}

@Injectable()
export class AccountsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Tenant, owner user and membership in one transaction, with `then` (the verification mail) in it
   * too. Returns null when the email is taken.
   */
  async createTenantWithOwner(
    tenant: Pick<TenantEntity, 'id' | 'name' | 'plan'>,
    user: Pick<UserAccountEntity, 'id' | 'email' | 'passwordHash'>,
    then: (tx: EntityManager) => Promise<void>,
  ): Promise<{ tenant: TenantEntity; user: UserAccountEntity } | null> {
    return this.db.transaction(async (tx) => {
      if (!(await this.insertUser(user, tx))) return null;
      const savedTenant = await tx.getRepository(TenantEntity).save({ ...tenant, status: 'active' });
      await tx.getRepository(MembershipEntity).insert({ tenantId: tenant.id, userId: user.id, role: 'owner' });
      await then(tx);
      return { tenant: savedTenant, user: await tx.getRepository(UserAccountEntity).findOneByOrFail({ id: user.id }) };
    });
  }

  /** False when the email has an account already. `verified`: the address is proven already (an invitation's token). */
  async insertUser(user: Pick<UserAccountEntity, 'id' | 'email' | 'passwordHash'>, tx: EntityManager, verified = false): Promise<boolean> {
    const inserted = await tx.query(
      `INSERT INTO user_account (id, email, password_hash, email_verified_at) VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END) ON CONFLICT (email) DO NOTHING RETURNING id`,
      [user.id, user.email, user.passwordHash, verified],
    );
    return inserted.length === 1;
  }

  async markEmailVerified(userId: string, tx: EntityManager): Promise<void> {
    await tx.query('UPDATE user_account SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1', [userId]);
  }

  /** A new password (a reset or a change): every session issued before it stops working. Returns the new stamp. */
  async setPassword(userId: string, passwordHash: string, tx: EntityManager): Promise<Date> {
    const [rows]: [Array<{ changedAt: Date }>, number] = await tx.query(
      `UPDATE user_account SET password_hash = $2, password_changed_at = greatest(now(), password_changed_at + interval '1 millisecond')
        WHERE id = $1 RETURNING password_changed_at AS "changedAt"`,
      [userId, passwordHash],
    );
    return rows[0].changedAt;
  }

  /** The same password at today's cost; sessions live on. Only if no reset or change came first. */
  async replacePasswordHash(userId: string, oldHash: string, newHash: string): Promise<void> {
    await this.db.query('UPDATE user_account SET password_hash = $3 WHERE id = $1 AND password_hash = $2', [userId, oldHash, newHash]);
  }

  /** When the password last changed, in ms (0: never); null for an unknown user. */
  async passwordStamp(userId: string): Promise<number | null> {
    const rows: Array<{ changedAt: Date | null }> = await this.db.query(
      'SELECT password_changed_at AS "changedAt" FROM user_account WHERE id = $1',
      [userId],
    );
    return rows[0] ? (rows[0].changedAt?.getTime() ?? 0) : null;
  }

  findUserByEmail(email: string, tx: EntityManager | DataSource = this.db): Promise<UserAccountEntity | null> {
    return tx.getRepository(UserAccountEntity).findOneBy({ email });
  }

  findUserById(id: string, tx: EntityManager | DataSource = this.db): Promise<UserAccountEntity | null> {
    return tx.getRepository(UserAccountEntity).findOneBy({ id });
  }

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** Newest first, `limit + 1` rows for the page check. */
  listTenants(limit: number, after?: KeysetCursor): Promise<TenantEntity[]> {
    const query = this.db.getRepository(TenantEntity).createQueryBuilder('t');
    if (after) query.where('(t.created_at, t.id) < (:createdAt, :id)', after);
    return query
      .orderBy('t.created_at', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .limit(limit + 1)
      .getMany();
  }

  async setTenantStatus(tenantId: string, status: TenantEntity['status']): Promise<TenantEntity | null> {
    await this.db.getRepository(TenantEntity).update({ id: tenantId }, { status });
    return this.findTenant(tenantId);
  }

  async tenantStatus(tenantId: string): Promise<TenantEntity['status'] | null> {
    const rows: Array<{ status: TenantEntity['status'] }> = await this.db.query('SELECT status FROM tenant WHERE id = $1', [tenantId]);
    return rows[0]?.status ?? null;
  }

  findTenant(tenantId: string): Promise<TenantEntity | null> {
    return this.db.getRepository(TenantEntity).findOneBy({ id: tenantId });
  }

  /** The user's memberships, oldest first. */
  async findMembershipsOfUser(userId: string): Promise<MembershipView[]> {
    const rows = await this.db
      .getRepository(MembershipEntity)
      .createQueryBuilder('m')
      .innerJoinAndMapOne('m.tenant', TenantEntity, 't', 't.id = m.tenant_id')
      .where('m.user_id = :userId', { userId })
      .orderBy('m.created_at', 'ASC')
      .getMany();
    return rows.map((row) => ({ tenant: (row as MembershipEntity & { tenant: TenantEntity }).tenant, role: row.role }));
  }
}
