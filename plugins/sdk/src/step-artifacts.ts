import { StepError } from './step-error.js';

/** What a step hands on instead of the data itself; the worker resolves it within the run's tenant. */
export interface ArtifactRef {
  /** The key, a relative path: `runs/<run>/<step>/rows.ndjson`, `exports/daily.csv`. */
  artifact: string;
  bytes: number;
  sha256: string;
  contentType: string;
}

/** Rows kept as NDJSON in an artifact: how datasets travel between steps. */
export interface DatasetRef extends ArtifactRef {
  format: 'ndjson';
  rows: number;
}

/** The largest artifact one `put` or `get` carries; the worker refuses anything bigger. */
export const ARTIFACT_MAX_BYTES = 32 * 1024 * 1024;

export type ArtifactCall = { op: 'put'; key: string; body: Uint8Array; contentType: string } | { op: 'get'; key: string };

export type ArtifactResult = { ok: true; ref?: ArtifactRef; body?: Uint8Array } | { ok: false; message: string };

export type ArtifactTransport = (call: ArtifactCall) => Promise<ArtifactResult>;

export interface StepArtifacts {
  /** Stores bytes or text under `key` in the tenant's artifact store (replacing what was there). */
  put(key: string, data: string | Uint8Array, options?: { contentType?: string }): Promise<ArtifactRef>;
  /** The bytes under a key or a ref; a missing artifact is a non-retryable StepError. */
  get(ref: string | ArtifactRef): Promise<Buffer>;
  /** Writes rows as NDJSON under `key` and returns the reference to pass on as an output. */
  writeDataset(key: string, rows: readonly unknown[]): Promise<DatasetRef>;
  /** The rows of a dataset reference (or of any NDJSON artifact). */
  readDataset(ref: string | ArtifactRef): Promise<unknown[]>;
  /**
   * A key of this step's own (`runs/<run>/<step attempt chain>/<name>`): the same on every retry,
   * different for each `forEach` item, so retries replace and items never collide.
   */
  ownKey(name: string): string;
}

export function createStepArtifacts(transport: ArtifactTransport, identity: { runId: string; idempotencyKey: string }): StepArtifacts {
  const call = async (request: ArtifactCall) => {
    const result = await transport(request);
    if (!result.ok) throw new StepError(result.message, { retryable: false, code: 'artifact_error' });
    return result;
  };
  const keyOf = (ref: string | ArtifactRef) => (typeof ref === 'string' ? ref : ref.artifact);
  const artifacts: StepArtifacts = {
    async put(key, data, options = {}) {
      const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
      // Refused here, at once: the worker drops an oversized request, and the step would wait out its timeout.
      if (bytes.length > ARTIFACT_MAX_BYTES) {
        throw new StepError(
          `${key} would be ${bytes.length} bytes, over the ${ARTIFACT_MAX_BYTES}-byte limit of one artifact: write it in parts`,
          { retryable: false, code: 'artifact_too_large' },
        );
      }
      const contentType = options.contentType ?? (typeof data === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream');
      return (await call({ op: 'put', key, body: bytes, contentType })).ref!;
    },
    async get(ref) {
      const { body } = await call({ op: 'get', key: keyOf(ref) });
      return Buffer.from(body!.buffer, body!.byteOffset, body!.byteLength);
    },
    async writeDataset(key, rows) {
      const text = rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : '');
      const ref = await artifacts.put(key, text, { contentType: 'application/x-ndjson' });
      return { ...ref, format: 'ndjson', rows: rows.length };
    },
    ownKey(name) {
      return `runs/${identity.runId}/${identity.idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '_')}/${name}`;
    },
    async readDataset(ref) {
      const text = (await artifacts.get(ref)).toString('utf8');
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line, index) => {
          try {
            return JSON.parse(line) as unknown;
          } catch {
            throw new StepError(`${keyOf(ref)} line ${index + 1} is not JSON: is it an NDJSON dataset?`, {
              retryable: false,
              code: 'invalid_dataset',
            });
          }
        });
    },
  };
  return artifacts;
}
