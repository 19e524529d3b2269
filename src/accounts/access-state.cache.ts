import { Injectable } from '@nestjs/common';
import { AccessState } from '../common/auth/access.guard.js';
import type { Role } from '../common/auth/roles.js';
import { AccountsRepository } from './accounts.repository.js';
import { MembersRepository } from './members.repository.js';
import { SsoRepository } from './sso/sso.repository.js';

/** How long a replica trusts what it read: a suspension or a role change reaches every replica within this. */
export const ACCESS_STATE_TTL_MS = 5_000;

interface Entry<T> {
  value: T;
  at: number;
}

/**
 * What the guard asks on every request, read at most every few seconds per tenant and member:
 * whether the tenant is suspended, a session's role now (a session token names the role it was
 * issued with; a change or removal must not wait for the token to expire), whether the
 * password changed since the session was issued, and whether the tenant still takes passwords.
 */
@Injectable()
export class AccessStateCache extends AccessState {
  private readonly suspended = new Map<string, Entry<boolean>>();
  private readonly roles = new Map<string, Entry<Role | null>>();
  private readonly passwordStamps = new Map<string, Entry<number | null>>();
  private readonly passwordLoginsOff = new Map<string, Entry<boolean>>();

  constructor(
    private readonly accounts: AccountsRepository,
    private readonly members: MembersRepository,
    private readonly sso: SsoRepository,
  ) {
    super();
  }

  async isSuspended(tenantId: string): Promise<boolean> {
    return this.cached(this.suspended, tenantId, async () => (await this.accounts.tenantStatus(tenantId)) === 'suspended');
  }

  async currentRole(tenantId: string, userId: string): Promise<Role | null> {
    return this.cached(this.roles, `${tenantId}:${userId}`, () => this.members.role(tenantId, userId));
  }

  async passwordStamp(userId: string): Promise<number | null> {
    return this.cached(this.passwordStamps, userId, () => this.accounts.passwordStamp(userId));
  }

  async passwordLoginOff(tenantId: string): Promise<boolean> {
    return this.cached(this.passwordLoginsOff, tenantId, async () => (await this.sso.passwordLoginOff([tenantId])).has(tenantId));
  }

  /** This replica applies its own changes at once. */
  forget(tenantId: string): void {
    this.suspended.delete(tenantId);
  }

  forgetMember(tenantId: string, userId: string): void {
    this.roles.delete(`${tenantId}:${userId}`);
  }

  forgetPassword(userId: string): void {
    this.passwordStamps.delete(userId);
  }

  forgetSso(tenantId: string): void {
    this.passwordLoginsOff.delete(tenantId);
  }

  private async cached<T>(map: Map<string, Entry<T>>, key: string, read: () => Promise<T>): Promise<T> {
    const entry = map.get(key);
    if (entry && Date.now() - entry.at < ACCESS_STATE_TTL_MS) return entry.value;
    const value = await read();
    // Bounded: a replica serving many tenants drops what it read longest ago.
    if (map.size >= 10_000) map.delete(map.keys().next().value!);
    map.set(key, { value, at: Date.now() });
    return value;
  }
}
