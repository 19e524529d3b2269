import { Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller.js';
import { AccountsRepository } from './accounts.repository.js';
import { AccountsService } from './accounts.service.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { AccessState } from '../common/auth/access.guard.js';
import { ApiKeyVerifier } from '../common/auth/api-key.strategy.js';
import { AdminTenantsController } from './admin-tenants.controller.js';
import { MembersController } from './members.controller.js';
import { MembersRepository } from './members.repository.js';
import { MembersService } from './members.service.js';
import { AccessStateCache } from './access-state.cache.js';
import { AccountController } from './account.controller.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import { EmailProofService } from './email-proof.service.js';
import { PasswordsService } from './passwords.service.js';
import { MailModule } from '../mail/mail.module.js';
import { SecretsModule } from '../secrets/secrets.module.js';
import { OidcClient } from './sso/oidc-client.provider.js';
import { SsoLoginController } from './sso/sso-login.controller.js';
import { SsoLoginService } from './sso/sso-login.service.js';
import { SsoSettingsController } from './sso/sso-settings.controller.js';
import { SsoSettingsService } from './sso/sso-settings.service.js';
import { SsoRepository } from './sso/sso.repository.js';
import { DatabaseModule } from '../database/database.module.js';
import { ApiKeyEntity } from './entities/api-key.entity.js';
import { MembershipEntity } from './entities/membership.entity.js';
import { TenantEntity } from './entities/tenant.entity.js';
import { UserAccountEntity } from './entities/user-account.entity.js';

@Module({
  imports: [MailModule, SecretsModule, DatabaseModule.forFeature([TenantEntity, UserAccountEntity, MembershipEntity, ApiKeyEntity])],
  controllers: [
    AccountsController,
    AccountController,
    ApiKeysController,
    AdminTenantsController,
    MembersController,
    SsoSettingsController,
    SsoLoginController,
  ],
  providers: [
    AccountsRepository,
    AccountsService,
    ApiKeysRepository,
    ApiKeysService,
    AccessStateCache,
    MembersRepository,
    MembersService,
    AccountTokensRepository,
    EmailProofService,
    PasswordsService,
    OidcClient,
    SsoRepository,
    SsoSettingsService,
    SsoLoginService,
    { provide: ApiKeyVerifier, useExisting: ApiKeysService },
    { provide: AccessState, useExisting: AccessStateCache },
  ],
  exports: [ApiKeyVerifier, AccessState],
})
export class AccountsModule {}
