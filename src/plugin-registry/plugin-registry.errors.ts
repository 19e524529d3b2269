import { BatonError, type FieldProblem } from '../common/errors/baton-error.js';

const STATUS = {
  plugin_not_found: 404,
  version_not_found: 404,
  key_not_found: 404,
  no_publisher: 403,
  name_owned: 403,
  not_plugin_owner: 403,
  invalid_package: 422,
  invalid_manifest: 422,
  invalid_key: 422,
  invalid_endpoint: 422,
  endpoint_not_approvable: 422,
  unknown_key: 422,
  key_revoked: 422,
  bad_signature: 422,
  digest_mismatch: 422,
  publisher_mismatch: 422,
  version_exists: 409,
  version_below_yanked: 409,
  version_yanked: 409,
  publisher_taken: 409,
  publisher_exists: 409,
  key_exists: 409,
} as const;
export type PluginRegistryErrorCode = keyof typeof STATUS;

export class PluginRegistryError extends BatonError {
  constructor(code: PluginRegistryErrorCode, message: string, errors?: FieldProblem[]) {
    super(code, STATUS[code], message, errors);
  }
}
