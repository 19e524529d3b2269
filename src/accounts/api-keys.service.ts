import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hashSecretToken, newSecretToken } from '../common/auth/secret-token.js';
import { API_KEY_PREFIX, ApiKeyVerifier } from '../common/auth/api-key.strategy.js';
import type { Principal } from '../common/auth/principal.js';
import { roleSatisfies } from '../common/auth/roles.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { AccountsError } from './accounts.errors.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import type { CreateApiKeyBody } from './dto/accounts.dto.js';
import type { ApiKeyEntity } from './entities/api-key.entity.js';

export const toApiKeyResponse = (k: ApiKeyEntity) => ({
  id: k.id,
  name: k.name,
  role: k.role,
  prefix: k.prefix,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
});

@Injectable()
export class ApiKeysService extends ApiKeyVerifier {
  constructor(private readonly keys: ApiKeysRepository) {
    super();
  }

  async create(principal: Principal, body: CreateApiKeyBody) {
    if (!roleSatisfies(principal.role, body.role))
      throw new AccountsError('role_not_grantable', `You cannot create a key with role ${body.role}, which is above your own`);
    const key = newSecretToken(API_KEY_PREFIX);
    const saved = await this.keys.insert({
      id: randomUUID(),
      tenantId: principal.tenantId,
      name: body.name,
      role: body.role,
      prefix: key.slice(0, 10),
      keyHash: hashSecretToken(key),
      createdBy: principal.userId ?? null,
    });
    return { ...toApiKeyResponse(saved), key };
  }

  async list(principal: Principal, limit: number, cursor?: string) {
    return toPage(await this.keys.listActiveByTenant(principal.tenantId, limit, decodeCursor(cursor)), limit, toApiKeyResponse);
  }

  async revoke(principal: Principal, id: string): Promise<void> {
    if (!(await this.keys.revoke(principal.tenantId, id))) throw new AccountsError('api_key_not_found', 'API key was not found');
  }

  async verify(key: string): Promise<Principal | null> {
    const found = await this.keys.findActiveByHashAndTouch(hashSecretToken(key));
    return found ? { kind: 'api_key', tenantId: found.tenantId, role: found.role, apiKeyId: found.id } : null;
  }
}
