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

  /** Tenant, owner user and membership in one transaction. Returns null when the email is taken. */
  async createTenantWithOwner(tenant: Pick<TenantEntity, 'id' | 'name' | 'plan'>, user: Pick<UserAccountEntity, 'id' | 'email' | 'passwordHash'>): Promise<{ tenant: TenantEntity; user: UserAccountEntity } | null> {
    return this.db.transaction(async (tx) => {
      if (!(await this.insertUser(user, tx))) return null;
      const savedTenant = await tx.getRepository(TenantEntity).save({ ...tenant, status: 'active' });
      await tx.getRepository(MembershipEntity).insert({ tenantId: tenant.id, userId: user.id, role: 'owner' });
      return { tenant: savedTenant, user: await tx.getRepository(UserAccountEntity).findOneByOrFail({ id: user.id }) };
    });
  }

  /** False when the email has an account already. */
  async insertUser(user: Pick<UserAccountEntity, 'id' | 'email' | 'passwordHash'>, tx: EntityManager): Promise<boolean> {
    const inserted = await tx.query(`INSERT INTO user_account (id, email, password_hash) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING RETURNING id`, [user.id, user.email, user.passwordHash]);
    return inserted.length === 1;
  }

  findUserByEmail(email: string): Promise<UserAccountEntity | null> {
    return this.db.getRepository(UserAccountEntity).findOneBy({ email });
  }

  findUserById(id: string): Promise<UserAccountEntity | null> {
    return this.db.getRepository(UserAccountEntity).findOneBy({ id });
  }

  /** Newest first, `limit + 1` rows for the page check. */
  listTenants(limit: number, after?: KeysetCursor): Promise<TenantEntity[]> {
    const query = this.db.getRepository(TenantEntity).createQueryBuilder('t');
    if (after) query.where('(t.created_at, t.id) < (:createdAt, :id)', after);
    return query.orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'DESC').limit(limit + 1).getMany();
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
