import { BatonError } from '../common/errors/baton-error.js';

const STATUS = {
  artifact_not_found: 404,
  artifact_replaced: 410,
  range_not_satisfiable: 416,
} as const;
export type RunArtifactsErrorCode = keyof typeof STATUS;

export class RunArtifactsError extends BatonError {
  constructor(code: RunArtifactsErrorCode, message: string, headers?: Record<string, string>, extensions?: Record<string, unknown>) {
    super(code, STATUS[code], message, undefined, headers, extensions);
  }
}
