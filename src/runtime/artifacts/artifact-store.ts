import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { dirname, join } from 'node:path';
import { sha256Digest } from '../../../plugins/sdk/src/package/digest.js';
import { ARTIFACT_MAX_BYTES, type ArtifactCall, type ArtifactRef, type ArtifactResult } from '../../../plugins/sdk/src/step-artifacts.js';

/** A key is a relative path of plain segments: it can never climb out of its tenant's folder. */
const KEY = /^(?:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}\/){0,15}[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export class ArtifactKeyError extends Error {}

export function checkArtifactKey(key: string): string {
  if (!KEY.test(key) || key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new ArtifactKeyError(
      `artifact key ${JSON.stringify(key)} must be a relative path of segments [A-Za-z0-9._-] (no "..", at most 16 deep)`,
    );
  }
  return key;
}

/**
 * Large data steps pass by reference: bytes kept per tenant under a key, handed to the step
 * process on request over IPC (the process itself can neither read nor write files).
 */
export interface ArtifactStore {
  put(tenantId: string, key: string, content: Buffer, contentType: string): Promise<ArtifactRef>;
  /** Undefined when the tenant has no artifact under this key. */
  get(tenantId: string, key: string): Promise<Buffer | undefined>;
  /**
   * The bytes under a key as a stream, whole or from `start` to `end` (inclusive, as HTTP ranges
   * count), with the artifact's full size; undefined when the tenant has none under this key.
   */
  open(tenantId: string, key: string, range?: ByteRange): Promise<{ body: Readable; size: number } | undefined>;
  /** Removes the artifact; nothing happens when there is none. */
  delete(tenantId: string, key: string): Promise<void>;
}

export interface ByteRange {
  start: number;
  end: number;
}

/** `<tenant>/<key>`, checked: the one place keys become storage paths, for every store. */
export function tenantPath(tenantId: string, key: string): string {
  if (!/^[0-9a-f-]{36}$/.test(tenantId)) throw new ArtifactKeyError(`not a tenant id: ${tenantId}`);
  return `${tenantId}/${checkArtifactKey(key)}`;
}

export function artifactRef(key: string, content: Buffer, contentType: string): ArtifactRef {
  return { artifact: key, bytes: content.length, sha256: sha256Digest(content), contentType };
}

/** The one-machine store: a folder. Every worker of a scaled-out installation needs the same one, or S3. */
export class LocalArtifactStore implements ArtifactStore {
  constructor(private readonly root: string) {}

  async put(tenantId: string, key: string, content: Buffer, contentType: string): Promise<ArtifactRef> {
    const path = this.pathOf(tenantId, key);
    await mkdir(dirname(path), { recursive: true });
    // Written aside and renamed: a reader never sees half an artifact, a retry simply replaces it.
    const partial = `${path}.${randomUUID()}.partial`;
    await writeFile(partial, content);
    await rename(partial, path);
    return artifactRef(key, content, contentType);
  }

  async get(tenantId: string, key: string): Promise<Buffer | undefined> {
    return readFile(this.pathOf(tenantId, key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EISDIR') return undefined;
      throw error;
    });
  }

  async open(tenantId: string, key: string, range?: ByteRange) {
    const path = this.pathOf(tenantId, key);
    const found = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!found?.isFile()) return undefined;
    return { body: createReadStream(path, range), size: found.size };
  }

  async delete(tenantId: string, key: string): Promise<void> {
    await unlink(this.pathOf(tenantId, key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  private pathOf(tenantId: string, key: string): string {
    return join(this.root, tenantPath(tenantId, key));
  }
}

/** Serves a step's `ctx.artifacts` calls within its run's tenant: the tenant comes from the task, never from the step. */
export function artifactHandler(store: ArtifactStore, tenantId: string, onPut?: (ref: ArtifactRef) => Promise<void>) {
  return async (call: ArtifactCall): Promise<ArtifactResult> => {
    try {
      if (call.op === 'put') {
        const ref = await store.put(
          tenantId,
          call.key,
          Buffer.from(call.body.buffer, call.body.byteOffset, call.body.byteLength),
          call.contentType,
        );
        // Recorded with its run and step, for the artifacts API; after the bytes, so a record never names nothing.
        await onPut?.(ref);
        return { ok: true, ref };
      }
      const content = await store.get(tenantId, call.key);
      if (!content) return { ok: false, message: `no artifact ${call.key}` };
      if (content.length > ARTIFACT_MAX_BYTES)
        return {
          ok: false,
          message: `artifact ${call.key} is ${content.length} bytes, over the ${ARTIFACT_MAX_BYTES}-byte limit of one read`,
        };
      return { ok: true, body: content };
    } catch (error) {
      if (error instanceof ArtifactKeyError) return { ok: false, message: error.message };
      throw error;
    }
  };
}
