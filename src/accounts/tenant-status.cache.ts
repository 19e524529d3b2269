import { Injectable } from '@nestjs/common';
import { TenantStatusGate } from '../common/auth/access.guard.js';
import { AccountsRepository } from './accounts.repository.js';

/** How long a replica trusts what it read: a suspension reaches every replica within this. */
export const TENANT_STATUS_TTL_MS = 5_000;

/** The guard asks on every request; a primary-key read at most every few seconds per tenant keeps that cheap. */
@Injectable()
export class TenantStatusCache extends TenantStatusGate {
  private readonly known = new Map<string, { suspended: boolean; at: number }>();

  constructor(private readonly accounts: AccountsRepository) {
    super();
  }

  async isSuspended(tenantId: string): Promise<boolean> {
    const cached = this.known.get(tenantId);
    if (cached && Date.now() - cached.at < TENANT_STATUS_TTL_MS) return cached.suspended;
    const suspended = (await this.accounts.tenantStatus(tenantId)) === 'suspended';
    this.known.set(tenantId, { suspended, at: Date.now() });
    return suspended;
  }

  /** This replica applies its own changes at once. */
  forget(tenantId: string): void {
    this.known.delete(tenantId);
  }
}
