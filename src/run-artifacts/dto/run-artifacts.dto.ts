import { z } from 'zod';
import { instant } from '../../common/openapi/views.js';

export const RunArtifactView = z.strictObject({
  name: z.string().describe('The key the step stored it under (`exports/daily.csv`, `runs/<run>/<step>/rows.ndjson`)'),
  step: z.string().describe('The step that wrote it'),
  bytes: z.int(),
  sha256: z.string().describe('The digest of the bytes the step wrote'),
  contentType: z.string(),
  createdAt: instant,
  replacedBy: z
    .uuid()
    .nullable()
    .describe('A later run that wrote the same key: the bytes stored are then its, and this copy can no longer be downloaded'),
});
export const RunArtifactList = z.strictObject({ items: z.array(RunArtifactView) });

/** An artifact name in a path: URL-encoded, its slashes as `%2F`. */
export const artifactNameParam = z.string().min(1).max(2200);
