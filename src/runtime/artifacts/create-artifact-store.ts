import { LocalArtifactStore, type ArtifactStore } from './artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

/** Where the artifacts are: S3 when a bucket is configured, else a folder. The one place that chooses, for the API and the worker. */
export function createArtifactStore(config: ArtifactStoreConfig): ArtifactStore & { close?: () => void } {
  return config.ARTIFACTS_S3_BUCKET
    ? new S3ArtifactStore({
        bucket: config.ARTIFACTS_S3_BUCKET,
        endpoint: config.ARTIFACTS_S3_ENDPOINT,
        region: config.ARTIFACTS_S3_REGION,
        prefix: config.ARTIFACTS_S3_PREFIX,
      })
    : new LocalArtifactStore(config.artifactsDir);
}

export interface ArtifactStoreConfig {
  ARTIFACTS_S3_BUCKET?: string;
  ARTIFACTS_S3_ENDPOINT?: string;
  ARTIFACTS_S3_REGION: string;
  ARTIFACTS_S3_PREFIX: string;
  artifactsDir: string;
}
