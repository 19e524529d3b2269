import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Role } from '../../common/auth/roles.js';

export type MemberRole = Exclude<Role, 'publisher'>;

export interface SsoSettingsRow {
  tenantId: string;
  slug: string;
  issuer: string;
  clientId: string;
  secretKeyVersion: number;
  clientSecretSealed: Buffer;
  scopes: string[];
  groupsClaim: string;
  roleMapping: Record<string, MemberRole>;
  defaultRole: MemberRole | null;
  allowedDomains: string[];
  passwordLogin: boolean;
  serverMetadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export interface SsoLoginRow {
  tenantId: string;
  browserHash: string;
  nonce: string;
  codeVerifier: string;
}

const SETTINGS_COLUMNS = `tenant_id AS "tenantId", slug, issuer, client_id AS "clientId", secret_key_version AS "secretKeyVersion",
  client_secret_sealed AS "clientSecretSealed", scopes, groups_claim AS "groupsClaim", role_mapping AS "roleMapping",
  default_role AS "defaultRole", allowed_domains AS "allowedDomains", password_login AS "passwordLogin",
  server_metadata AS "serverMetadata", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** A tenant's single sign-on: its settings, the sign-ins under way and the provider identities linked to accounts. */
@Injectable()
export class SsoRepository {
  constructor(private readonly db: DataSource) {}

  async findByTenant(tenantId: string): Promise<SsoSettingsRow | null> {
    const rows: SsoSettingsRow[] = await this.db.query(`SELECT ${SETTINGS_COLUMNS} FROM tenant_sso WHERE tenant_id = $1`, [tenantId]);
    return rows[0] ?? null;
  }

  async findBySlug(slug: string): Promise<SsoSettingsRow | null> {
    const rows: SsoSettingsRow[] = await this.db.query(`SELECT ${SETTINGS_COLUMNS} FROM tenant_sso WHERE slug = $1`, [slug]);
    return rows[0] ?? null;
  }

  /** Inserts or replaces the tenant's settings; null when another tenant has the slug. */
  async upsert(
    tenantId: string,
    settings: Omit<SsoSettingsRow, 'tenantId' | 'createdAt' | 'updatedAt'>,
  ): Promise<{ row: SsoSettingsRow; created: boolean } | null> {
    try {
      const [{ created }]: Array<{ created: boolean }> = await this.db.query(
        `INSERT INTO tenant_sso (tenant_id, slug, issuer, client_id, secret_key_version, client_secret_sealed, scopes, groups_claim,
                                 role_mapping, default_role, allowed_domains, password_login, server_metadata)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (tenant_id) DO UPDATE SET slug = $2, issuer = $3, client_id = $4, secret_key_version = $5, client_secret_sealed = $6,
           scopes = $7, groups_claim = $8, role_mapping = $9, default_role = $10, allowed_domains = $11, password_login = $12,
           server_metadata = $13, updated_at = now()
         RETURNING (xmax = 0) AS created`,
        [
          tenantId,
          settings.slug,
          settings.issuer,
          settings.clientId,
          settings.secretKeyVersion,
          settings.clientSecretSealed,
          settings.scopes,
          settings.groupsClaim,
          JSON.stringify(settings.roleMapping),
          settings.defaultRole,
          settings.allowedDomains,
          settings.passwordLogin,
          JSON.stringify(settings.serverMetadata),
        ],
      );
      return { row: (await this.findByTenant(tenantId))!, created };
    } catch (error) {
      if ((error as { constraint?: string }).constraint === 'tenant_sso_slug_key') return null;
      throw error;
    }
  }

  async delete(tenantId: string): Promise<boolean> {
    const [, affected]: [unknown, number] = await this.db.query('DELETE FROM tenant_sso WHERE tenant_id = $1', [tenantId]);
    return affected > 0;
  }

  /** Of these tenants, those whose owner turned password sign-in off, with the slug they sign in with instead. */
  async passwordLoginOff(tenantIds: readonly string[]): Promise<Map<string, string>> {
    if (!tenantIds.length) return new Map();
    const rows: Array<{ tenantId: string; slug: string }> = await this.db.query(
      'SELECT tenant_id AS "tenantId", slug FROM tenant_sso WHERE tenant_id = ANY($1::uuid[]) AND NOT password_login',
      [tenantIds],
    );
    return new Map(rows.map((r) => [r.tenantId, r.slug]));
  }

  /** A sign-in under way, kept until the provider sends the browser back (or it expires); expired ones go meanwhile. */
  async insertLogin(stateHash: string, login: SsoLoginRow, expiresAt: Date): Promise<void> {
    await this.db.query('DELETE FROM sso_login WHERE expires_at < now()');
    await this.db.query(
      'INSERT INTO sso_login (state_hash, tenant_id, browser_hash, nonce, code_verifier, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [stateHash, login.tenantId, login.browserHash, login.nonce, login.codeVerifier, expiresAt],
    );
  }

  /** The sign-in `state` names, once: null when unknown, used or expired. */
  async consumeLogin(stateHash: string): Promise<SsoLoginRow | null> {
    const [rows]: [SsoLoginRow[], number] = await this.db.query(
      `DELETE FROM sso_login WHERE state_hash = $1 AND expires_at > now()
       RETURNING tenant_id AS "tenantId", browser_hash AS "browserHash", nonce, code_verifier AS "codeVerifier"`,
      [stateHash],
    );
    return rows[0] ?? null;
  }

  async findIdentity(tenantId: string, issuer: string, subject: string, tx: EntityManager): Promise<string | null> {
    const rows: Array<{ userId: string }> = await tx.query(
      'SELECT user_id AS "userId" FROM sso_identity WHERE tenant_id = $1 AND issuer = $2 AND subject = $3',
      [tenantId, issuer, subject],
    );
    return rows[0]?.userId ?? null;
  }

  async linkIdentity(tenantId: string, issuer: string, subject: string, userId: string, tx: EntityManager): Promise<void> {
    await tx.query(
      `INSERT INTO sso_identity (tenant_id, issuer, subject, user_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, issuer, subject) DO UPDATE SET last_login_at = now()`,
      [tenantId, issuer, subject, userId],
    );
  }

  /** Whether an owner of the tenant has signed in through this issuer: proof that turning password sign-in off locks nobody out. */
  async ownerSignedInThrough(tenantId: string, issuer: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM sso_identity i JOIN membership m ON m.tenant_id = i.tenant_id AND m.user_id = i.user_id
        WHERE i.tenant_id = $1 AND i.issuer = $2 AND m.role = 'owner' LIMIT 1`,
      [tenantId, issuer],
    );
    return rows.length > 0;
  }
}
