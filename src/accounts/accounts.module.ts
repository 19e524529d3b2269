import { Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller.js';
import { AccountsRepository } from './accounts.repository.js';
import { AccountsService } from './accounts.service.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyVerifier } from '../common/auth/api-key.strategy.js';

@Module({
  controllers: [AccountsController, ApiKeysController],
  providers: [AccountsRepository, AccountsService, ApiKeysRepository, ApiKeysService, { provide: ApiKeyVerifier, useExisting: ApiKeysService }],
  exports: [ApiKeyVerifier],
})
export class AccountsModule {}
