import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { ArtifactRef } from '../../../plugins/sdk/src/step-artifacts.js';
import { artifactRef, tenantPath, type ArtifactStore, type ByteRange } from './artifact-store.js';

export interface S3StoreSettings {
  bucket: string;
  /** An S3-compatible service's URL; unset: AWS, by region. Paths are then path-style. */
  endpoint?: string;
  region: string;
  /** Prepended to `<tenant>/<key>`, so one bucket can serve several installations. */
  prefix: string;
}

/**
 * The artifact store on S3 or an S3-compatible service, for workers on several machines. The only
 * place the AWS SDK is used; credentials come from its usual chain (AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY, a profile, or the instance's role).
 */
export class S3ArtifactStore implements ArtifactStore {
  private readonly client: S3Client;

  constructor(private readonly settings: S3StoreSettings) {
    this.client = new S3Client({
      region: settings.region,
      // Checksums only where S3 needs them: S3-compatible services differ (some send the whole
      // object's checksum with a range of it, which the SDK would then refuse).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
    });
  }

  async put(tenantId: string, key: string, content: Buffer, contentType: string): Promise<ArtifactRef> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(tenantId, key), Body: content, ContentType: contentType }),
    );
    return artifactRef(key, content, contentType);
  }

  async get(tenantId: string, key: string): Promise<Buffer | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(tenantId, key) }));
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async open(tenantId: string, key: string, range?: ByteRange) {
    try {
      const object = await this.client.send(
        new GetObjectCommand({
          Bucket: this.settings.bucket,
          Key: this.objectKey(tenantId, key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      // A ranged answer says the whole size after the slash of Content-Range.
      const size = object.ContentRange ? Number(object.ContentRange.split('/')[1]) : object.ContentLength!;
      return { body: object.Body as Readable, size };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(tenantId: string, key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(tenantId, key) }));
  }

  close(): void {
    this.client.destroy();
  }

  private objectKey(tenantId: string, key: string): string {
    return `${this.settings.prefix}${tenantPath(tenantId, key)}`;
  }
}

const isMissing = (error: unknown) => error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey';
