import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy as PassportBaseStrategy } from 'passport';
import type { Principal } from './principal.js';

export const API_KEY_PREFIX = 'bk_';

/** Looks an API key up; implemented by the accounts feature. */
export abstract class ApiKeyVerifier {
  abstract verify(key: string): Promise<Principal | null>;
}

type VerifyCallback = (key: string, done: (error: unknown, principal?: Principal | false) => void) => void;

/** Reads `Authorization: Bearer bk_...`; any other bearer token is left to the JWT strategy. */
class BearerApiKeyStrategy extends PassportBaseStrategy {
  constructor(private readonly verifyKey: VerifyCallback) {
    super();
  }

  override authenticate(request: { headers: Record<string, string | string[] | undefined> }): void {
    const header = request.headers.authorization;
    const token = typeof header === 'string' && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : undefined;
    if (!token?.startsWith(API_KEY_PREFIX)) return this.fail(401);
    this.verifyKey(token, (error, principal) => {
      if (error) return this.error(error);
      return principal ? this.success(principal) : this.fail(401);
    });
  }
}

@Injectable()
export class ApiKeyStrategy extends PassportStrategy(BearerApiKeyStrategy, 'api-key') {
  constructor(private readonly verifier: ApiKeyVerifier) {
    super();
  }

  async validate(key: string): Promise<Principal | false> {
    return (await this.verifier.verify(key)) ?? false;
  }
}
